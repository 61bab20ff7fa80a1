/**
 * Errors the executor raises itself, and the plain `{ code, message, remediation }` form that
 * every failure takes in events and in the report (JSON-safe, no stack, no cause chain that
 * could carry a secret).
 */

/** Codes of the errors the executor raises itself (docs/errors.md explains each). */
export type ExecutionErrorCode =
  /** A dependency wait ran out of time. */
  | 'PHX-WAIT-TIMEOUT'
  /** A dependency's health check failed `retries` times in a row after its start period. */
  | 'PHX-WAIT-UNHEALTHY'
  /** A dependency awaited with service_completed_successfully exited with a non-zero code. */
  | 'PHX-WAIT-EXIT-CODE'
  /** service_healthy on a dependency that has no health check (the planner should have refused it). */
  | 'PHX-WAIT-NO-HEALTHCHECK'
  /** `apply --wait`: a container without a health check exited instead of running. */
  | 'PHX-WAIT-EXITED'
  /** A secret to create has no source to read its value from. */
  | 'PHX-SECRET-SOURCE-MISSING'
  /** The plan is malformed (unknown or duplicate ids, a cycle); nothing was done. */
  | 'PHX-EXEC-INVALID-PLAN'
  /** An action was interrupted by cancellation. */
  | 'PHX-EXEC-CANCELLED'
  /** Anything that did not carry a code of its own. */
  | 'PHX-EXEC-FAILED';

/** A failure in the form events and reports carry. */
export interface ErrorInfo {
  readonly code: string;
  /** What happened, in one or two sentences. */
  readonly message: string;
  /** What to do about it. */
  readonly remediation: string;
}

/** An error raised by the executor, with a stable code and a remediation. */
export class ExecutionError extends Error implements ErrorInfo {
  override readonly name = 'ExecutionError';
  readonly code: ExecutionErrorCode;
  readonly remediation: string;

  constructor(code: ExecutionErrorCode, message: string, remediation: string) {
    super(message);
    this.code = code;
    this.remediation = remediation;
  }
}

/**
 * True for any error that carries a string `code` and `remediation` (PodmanError,
 * ExecutionError, the CLI's own errors): those are reported as they are.
 */
export function isCodedError(error: unknown): error is { readonly code: string; readonly remediation: string; readonly message?: unknown } {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { code?: unknown; remediation?: unknown };
  return typeof candidate.code === 'string' && typeof candidate.remediation === 'string';
}

const UNEXPECTED_REMEDIATION =
  'Check that Podman works (`podman info`) and apply again; Phoenix continues from where things are. Report it if it happens again.';

/** Turns anything thrown into ErrorInfo: coded errors keep their code, the rest become PHX-EXEC-FAILED. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (isCodedError(error)) {
    const message = typeof error.message === 'string' && error.message !== '' ? error.message : error.code;
    return { code: error.code, message, remediation: error.remediation };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'PHX-EXEC-FAILED', message: message === '' ? 'failed without a message' : message, remediation: UNEXPECTED_REMEDIATION };
}

/** The error an action gets when the run was cancelled while it was in flight. */
export function cancelledErrorInfo(error: unknown): ErrorInfo {
  const cause = toErrorInfo(error);
  return {
    code: 'PHX-EXEC-CANCELLED',
    message: `cancelled while in progress (${cause.code}: ${cause.message})`,
    remediation: 'Apply again to converge; Phoenix continues from where things are.',
  };
}
