/**
 * When to restart a failing container, as a pure function of what happened to it: exponential
 * backoff between restarts, and a circuit breaker. After `maxRestarts` restarts within
 * `windowMs` the container is crash-looping: restarts stop until it is healthy again or its
 * service's manifest changes (a new config hash), so that a broken service raises one alert
 * instead of a restart storm. No clock, no I/O: the driver feeds it inputs with their times.
 */
import type { Backoff, ContainerSpec, HealthPolicy } from '../../model/desired.js';

/** What the policy remembers of one container. */
export interface RestartState {
  /** The config hash of the service it was made for; a new one starts the state afresh. */
  readonly configHash: string;
  /** When it was restarted (epoch ms), oldest first; only those that can still count are kept. */
  readonly restarts: readonly number[];
  /** The failure waiting for a restart: first seen at `since`; null when there is none. */
  readonly failure: { readonly since: number; readonly reason: string } | null;
  /** The breaker is open: no restarts until recovery or a new manifest. */
  readonly crashLooping: boolean;
  /** The last failure seen, in words, for the crash-loop alert. */
  readonly lastFailure: string;
  /** Why the last restart failed; null when it succeeded (or there was none). */
  readonly lastRestartError: string | null;
}

/** Something that happened to the container. */
export type RestartInput =
  /** Unhealthy past its retries, or exited when it should run. Repeats keep the first `since`. */
  | { readonly kind: 'failing'; readonly at: number; readonly reason: string }
  /** Healthy (or, without a check, running) again. */
  | { readonly kind: 'recovered'; readonly at: number }
  /** Phoenix restarted it (`error` when the restart itself failed: it still counts). */
  | { readonly kind: 'restarted'; readonly at: number; readonly error?: string }
  /** The desired state was loaded again; the service's config hash is `configHash`. */
  | { readonly kind: 'manifest'; readonly configHash: string };

/** What to do now. */
export type RestartDecision =
  | { readonly kind: 'none' }
  /** Restart now; `attempt` counts restarts in the window, this one included; `backoffMs` is the delay it waited. */
  | { readonly kind: 'restart'; readonly attempt: number; readonly backoffMs: number; readonly reason: string }
  /** Restart at `until` (epoch ms) unless the container recovers first. */
  | { readonly kind: 'wait'; readonly until: number; readonly attempt: number; readonly backoffMs: number }
  /** Restarts stopped; `tripped` is true on the decision that opened the breaker (alert once). */
  | { readonly kind: 'crash-looping'; readonly tripped: boolean; readonly restarts: number; readonly windowMs: number; readonly lastError: string };

/** A container with no history. */
export function initialRestartState(configHash: string): RestartState {
  return { configHash, restarts: [], failure: null, crashLooping: false, lastFailure: '', lastRestartError: null };
}

/**
 * The delay before restart number `attempt` (1-based) of a window. The first is immediate (a
 * container that died once is brought back at once, as Docker's restart policy does); the
 * second waits `initialMs`, each next one `multiplier` times longer, never more than `maxMs`:
 * backoff is between restarts, so that only a container that keeps failing is slowed down.
 */
export function backoffDelay(backoff: Backoff, attempt: number): number {
  if (attempt <= 1) return 0;
  const exponent = attempt - 2;
  const delay = backoff.initialMs * Math.pow(Math.max(1, backoff.multiplier), exponent);
  return Math.max(0, Math.min(backoff.maxMs, delay));
}

/**
 * Whether a container that exited should be running: everything but a one-shot job that
 * finished (exit 0, restart `no` or `on-failure`), the same rule the planner applies.
 */
export function shouldBeRunning(spec: Pick<ContainerSpec, 'restart'>, exitCode: number | null): boolean {
  return !(exitCode === 0 && (spec.restart === 'no' || spec.restart === 'on-failure'));
}

/** The state after one input. */
export function nextRestartState(state: RestartState, input: RestartInput): RestartState {
  switch (input.kind) {
    case 'failing':
      return { ...state, failure: state.failure ?? { since: input.at, reason: input.reason }, lastFailure: input.reason };
    case 'recovered':
      // Closing the breaker forgets the restarts that opened it: recovery earns a fresh budget.
      return state.crashLooping ? { ...state, failure: null, crashLooping: false, restarts: [] } : { ...state, failure: null };
    case 'restarted':
      return { ...state, failure: null, restarts: [...state.restarts, input.at], lastRestartError: input.error ?? null };
    case 'manifest':
      return input.configHash === state.configHash ? state : initialRestartState(input.configHash);
  }
}

/**
 * What to do at `now`, and the state after deciding (the breaker opens here). Restart
 * number n of a window waits `backoffDelay(n)` after the failure was first seen.
 */
export function decideRestart(policy: HealthPolicy, state: RestartState, now: number): { readonly state: RestartState; readonly decision: RestartDecision } {
  const restarts = state.restarts.filter((at) => at > now - policy.windowMs);
  const pruned = restarts.length === state.restarts.length ? state : { ...state, restarts };
  if (pruned.crashLooping) return { state: pruned, decision: crashLooping(policy, pruned, false) };
  if (pruned.failure === null) return { state: pruned, decision: { kind: 'none' } };
  if (restarts.length >= policy.maxRestarts) {
    const open = { ...pruned, crashLooping: true };
    return { state: open, decision: crashLooping(policy, open, true) };
  }
  const attempt = restarts.length + 1;
  const backoffMs = backoffDelay(policy.backoff, attempt);
  const until = pruned.failure.since + backoffMs;
  if (now >= until) return { state: pruned, decision: { kind: 'restart', attempt, backoffMs, reason: pruned.failure.reason } };
  return { state: pruned, decision: { kind: 'wait', until, attempt, backoffMs } };
}

/** The last failure, and why the last restart failed when it did: what the crash-loop alert says. */
export function describeLastError(state: RestartState): string {
  if (state.lastRestartError === null) return state.lastFailure;
  return state.lastFailure === '' ? `restart failed: ${state.lastRestartError}` : `${state.lastFailure}; the last restart failed: ${state.lastRestartError}`;
}

function crashLooping(policy: HealthPolicy, state: RestartState, tripped: boolean): RestartDecision {
  return { kind: 'crash-looping', tripped, restarts: state.restarts.length, windowMs: policy.windowMs, lastError: describeLastError(state) };
}
