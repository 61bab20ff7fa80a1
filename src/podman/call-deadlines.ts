/**
 * How long each kind of Podman call may take before it fails with PODMAN-TIMEOUT, in one
 * place. A hung podman used to be reported after 244 s (one 60 s deadline for every call,
 * retried four times); a list or an inspect answers in well under a second even on a busy
 * host, so it gets seconds. Writes get longer, a stop or removal its container's own stop
 * timeout on top, and builds and pulls (minutes on a slow registry) no deadline: they are
 * ended by cancellation (SIGINT/SIGTERM) only.
 */

/** The kinds of call, each with its own deadline. */
export type CallKind =
  /** A list, inspect or state read (ps, network ls, container inspect, version, the API's GETs). */
  | 'read'
  /** A change that Podman does quickly: network, volume and secret create/remove, rename. */
  | 'write'
  /** `podman create` (sets up mounts; pulls a missing image when the plan had no image facts to plan a pull with). */
  | 'create'
  /** `podman start` (network setup, OCI hooks, the runtime). */
  | 'start'
  /** A stop or a removal: the container's stop timeout (SIGTERM, then SIGKILL) comes on top. */
  | 'stop'
  /** A health check run: the check's own timeout comes on top. */
  | 'health-check';

/** Milliseconds per kind of call. */
export type CallDeadlines = Readonly<Record<CallKind, number>>;

/** The defaults: seconds for reads, tens of seconds for changes. */
export const DEFAULT_CALL_DEADLINES: CallDeadlines = {
  read: 10_000,
  write: 30_000,
  create: 120_000,
  start: 60_000,
  stop: 30_000,
  'health-check': 30_000,
};

/**
 * The variable that multiplies every deadline (`PHOENIX_PODMAN_TIMEOUT_SCALE=3` on a machine
 * that is only slow); the remediation of PODMAN-TIMEOUT names it.
 */
export const TIMEOUT_SCALE_VARIABLE = 'PHOENIX_PODMAN_TIMEOUT_SCALE';

/**
 * The deadlines scaled by `PHOENIX_PODMAN_TIMEOUT_SCALE` when it holds a positive number (an
 * unusable value is ignored: a typo must not make every call time out at once).
 */
export function scaledDeadlines(env: Readonly<Record<string, string | undefined>>, base: CallDeadlines = DEFAULT_CALL_DEADLINES): CallDeadlines {
  const scale = Number(env[TIMEOUT_SCALE_VARIABLE] ?? '');
  if (!(Number.isFinite(scale) && scale > 0) || scale === 1) return base;
  return Object.fromEntries(Object.entries(base).map(([kind, ms]) => [kind, Math.max(1, Math.round(ms * scale))])) as unknown as CallDeadlines;
}

/**
 * The deadline of one call: its kind's, plus `extraSeconds` of the call's own waiting (a
 * container's stop timeout, a health check's timeout), which Podman spends before answering.
 */
export function deadlineOf(deadlines: CallDeadlines, kind: CallKind, extraSeconds = 0): number {
  return deadlines[kind] + Math.max(0, extraSeconds) * 1000;
}

/** "10 s", "1.5 s", "250 ms": a deadline as people read it. */
export function formatDeadline(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
