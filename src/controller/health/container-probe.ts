/**
 * One look at one container: its health check when it has one and is running, else its
 * state. Checks run through `podman healthcheck run` (Podman's own timers need systemd), so
 * this is where the check's timeout is enforced: Podman 4.3 lets a slow check run on.
 */
import type { HealthCheckSpec } from '../../model/desired.js';
import type { CallOptions, PodmanClient } from '../../podman/podman-client.js';

/** What the probe needs of Podman. */
export type ProbePodman = Pick<PodmanClient, 'runHealthCheck' | 'containerStatus'>;

/** What one probe found. */
export type ProbeOutcome =
  /** The check ran (or could not run on a running container, which counts as a failure). */
  | { readonly kind: 'checked'; readonly healthy: boolean; readonly output: string }
  /** Running, and there is no check to run. */
  | { readonly kind: 'running' }
  /** Exists but does not run (created, exited, stopped, paused, ...). */
  | { readonly kind: 'not-running'; readonly state: string; readonly exitCode: number | null }
  | { readonly kind: 'missing' };

/** Time allowed over the check's own timeout for starting podman and exec'ing into the container. */
export const PODMAN_OVERHEAD_MS = 2000;

/** `CODE: message` for a PodmanError (or anything with a code), else the message. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/**
 * Probes a container. `expectRunning` says what the last probe found: a running container is
 * checked straight away (one podman call), and its state is asked only when the check cannot
 * run; a container that was not running is asked for its state first.
 */
export async function probeContainer(podman: ProbePodman, container: string, check: HealthCheckSpec | null, expectRunning: boolean, signal: AbortSignal): Promise<ProbeOutcome> {
  const call: CallOptions = { signal };
  if (check !== null && expectRunning) {
    const checked = await runCheck(podman, container, check, signal);
    if (checked.ran && checked.outcome.kind === 'checked' && checked.outcome.healthy) return checked.outcome;
    // Fix: a failed check is only a failed check on a running container. `healthcheck run` on
    // one that has died answers "unhealthy: ... is not running", which counted as one failure
    // out of `retries` with the container still held healthy (so the restart policy was told
    // "recovered" and dropped the failure the reconcile had seen): a killed container with a
    // check waited for `retries` failed checks instead of its backoff.
    const state = await stateOf(podman, container, call);
    if (state.kind !== 'running') return state;
    // Running, yet Podman could not run the check (it timed out, or is broken): a failed check.
    return checked.ran ? checked.outcome : { kind: 'checked', healthy: false, output: checked.output };
  }
  const state = await stateOf(podman, container, call);
  if (state.kind !== 'running' || check === null) return state;
  const checked = await runCheck(podman, container, check, signal);
  return checked.ran ? checked.outcome : { kind: 'checked', healthy: false, output: checked.output };
}

type CheckAttempt = { readonly ran: true; readonly outcome: ProbeOutcome } | { readonly ran: false; readonly output: string };

async function runCheck(podman: ProbePodman, container: string, check: HealthCheckSpec, signal: AbortSignal): Promise<CheckAttempt> {
  try {
    const result = await podman.runHealthCheck(container, { signal, timeoutMs: check.timeoutMs + PODMAN_OVERHEAD_MS });
    return { ran: true, outcome: { kind: 'checked', healthy: result.healthy, output: result.output } };
  } catch (error) {
    signal.throwIfAborted();
    return { ran: false, output: describeError(error) };
  }
}

async function stateOf(podman: ProbePodman, container: string, call: CallOptions): Promise<Exclude<ProbeOutcome, { kind: 'checked' }>> {
  const status = await podman.containerStatus(container, call);
  if (!status.exists) return { kind: 'missing' };
  if (status.running) return { kind: 'running' };
  return { kind: 'not-running', state: status.state, exitCode: status.exitCode };
}
