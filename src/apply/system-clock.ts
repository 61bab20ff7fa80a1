import { setTimeout as delay } from 'node:timers/promises';

/** The real clock for ExecutorDeps: monotonic milliseconds, and a sleep that rejects on abort. */
export const systemClock = {
  now: (): number => performance.now(),
  sleep: (ms: number, signal: AbortSignal): Promise<void> => delay(ms, undefined, { signal }),
} as const;
