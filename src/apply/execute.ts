import type { SecretSource } from '../model/desired.js';
import type { PodmanClient } from '../podman/podman-client.js';
import type { Action, Plan } from '../plan/actions.js';
import type { NodeResult } from './dag-walk.js';
import { assertDag, walkDag } from './dag-walk.js';
import { dispatchAction } from './dispatch.js';
import type { ExecutionEvent } from './events.js';
import { cancelledErrorInfo, toErrorInfo } from './execution-error.js';
import type { ActionOutcome, ExecutionReport } from './report.js';
import { buildReport } from './report.js';

/** What the executor talks to. Time is injected so that tests run on a fake clock (see systemClock for the real one). */
export interface ExecutorDeps {
  readonly podman: PodmanClient;
  /** Reads a secret's value (the CLI reads a file or a variable of the process environment). */
  readSecret(source: SecretSource): Promise<Uint8Array>;
  /** Resolves after `ms`; should reject promptly when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Receives every event; one that throws is ignored. */
  onEvent(event: ExecutionEvent): void;
  /** Records that an image reference was just pulled (the CLI keeps it in the state directory); optional. */
  recordPull?(image: string): void;
}

export type { ExecutionEvent } from './events.js';
export type { ErrorInfo } from './execution-error.js';
export { ExecutionError } from './execution-error.js';
export type { ActionOutcome, ActionStatus, ExecutionReport } from './report.js';
export { outcomeOf } from './report.js';
export { systemClock } from './system-clock.js';

export interface ExecuteOptions {
  /** Most actions in flight at once; default 4. */
  readonly concurrency?: number;
  /** How long each dependency wait of a container.start may take; default 120 s. */
  readonly waitTimeoutMs?: number;
  /** How often container states are polled while waiting (service_started, service_completed_successfully); default 1 s. */
  readonly pollIntervalMs?: number;
  /** Cancels the run: nothing new starts, in-flight actions get the signal, the rest are cancelled. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_WAIT_TIMEOUT_MS = 120_000;
export const DEFAULT_POLL_INTERVAL_MS = 1_000;

/**
 * Carries out a plan: walks its dependency graph with bounded concurrency, starting each
 * action once all it depends on succeeded, and dispatches it to Podman. It decides nothing:
 * a failure skips exactly the actions that depend on it (transitively) and independent
 * branches finish. Resolves with a report of every action and never rejects because an action
 * failed; it throws (before touching anything) only for a malformed plan (PHX-EXEC-INVALID-PLAN)
 * or invalid options (RangeError).
 */
export async function execute(plan: Plan, deps: ExecutorDeps, options: ExecuteOptions = {}): Promise<ExecutionReport> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const waitTimeoutMs = options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number of at least 1, not ${concurrency}`);
  if (!(waitTimeoutMs >= 0)) throw new RangeError(`waitTimeoutMs must be at least 0, not ${waitTimeoutMs}`);
  if (!(pollIntervalMs > 0)) throw new RangeError(`pollIntervalMs must be more than 0, not ${pollIntervalMs}`);
  assertDag(plan.actions);

  const emit = (event: ExecutionEvent): void => {
    try {
      deps.onEvent(event);
    } catch {
      // Events report; a failing listener must not change what happens to Podman.
    }
  };
  const context = {
    podman: deps.podman,
    readSecret: (source: SecretSource) => deps.readSecret(source),
    sleep: (ms: number, signal: AbortSignal) => deps.sleep(ms, signal),
    now: () => deps.now(),
    timeoutMs: waitTimeoutMs,
    pollIntervalMs,
    emit,
    ...(deps.recordPull === undefined ? {} : { recordPull: (image: string) => deps.recordPull?.(image) }),
  };
  const startedAt = deps.now();
  const results = await walkDag(plan.actions, {
    concurrency,
    signal: options.signal ?? new AbortController().signal,
    now: context.now,
    run: (action, signal) => dispatchAction(action, context, signal),
    onStart: (action) => emit({ type: 'action.started', action }),
    onSettle: (action, result) => emit(eventFor(action, result)),
  });
  const outcomes = plan.actions.map((action) => outcomeFor(action, results.get(action.id)!));
  return buildReport(outcomes, deps.now() - startedAt);
}

function eventFor(action: Action, result: NodeResult): ExecutionEvent {
  switch (result.status) {
    case 'succeeded':
      return { type: 'action.succeeded', action, durationMs: result.durationMs };
    case 'failed':
      return { type: 'action.failed', action, error: toErrorInfo(result.error), durationMs: result.durationMs };
    case 'skipped':
      return { type: 'action.skipped', action, reason: result.reason };
    case 'cancelled':
      return result.inFlight === undefined
        ? { type: 'action.cancelled', action, reason: result.reason }
        : { type: 'action.cancelled', action, reason: result.reason, error: cancelledErrorInfo(result.inFlight.error), durationMs: result.inFlight.durationMs };
  }
}

function outcomeFor(action: Action, result: NodeResult): ActionOutcome {
  const base = { id: action.id, kind: action.kind };
  switch (result.status) {
    case 'succeeded':
      return { ...base, status: 'succeeded', durationMs: result.durationMs };
    case 'failed':
      return { ...base, status: 'failed', durationMs: result.durationMs, error: toErrorInfo(result.error) };
    case 'skipped':
      return { ...base, status: 'skipped', durationMs: 0, reason: result.reason };
    case 'cancelled':
      return result.inFlight === undefined
        ? { ...base, status: 'cancelled', durationMs: 0, reason: result.reason }
        : { ...base, status: 'cancelled', durationMs: result.inFlight.durationMs, reason: result.reason, error: cancelledErrorInfo(result.inFlight.error) };
  }
}
