/**
 * The clock and timers the health monitors run on, injected so that tests drive them on
 * virtual time. The same shape as the work queue's timers plus a clock, so that one fake
 * serves both. Times are epoch milliseconds: they are compared with the start times Podman
 * reports and stamped on events.
 */

/** What the monitors need of time: the current time, and one-shot timers. */
export interface Timers {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `callback` once, `ms` from now; returns a handle for clearTimeout. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a callback that has not run yet; a no-op for one that has. */
  clearTimeout(handle: unknown): void;
}

/**
 * The real clock and Node's timers. They keep the process alive, as a watch loop wants:
 * `stop()` on each monitor clears them.
 */
export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, Math.max(0, ms)),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
