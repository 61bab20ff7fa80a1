/**
 * Periodic resync: every environment is reconciled again after its policy's
 * `resync_interval` even when no other trigger fired, because events can be missed (a Podman
 * restart, a full event log, a change made while Phoenix was down) and level-triggering makes
 * a missed event cost only this much latency (controller-runtime's SyncPeriod).
 */
import type { Timers } from '../work-queue.js';
import { systemTimers } from '../work-queue.js';

/** Each period varies by up to ±10 %, so that environments set up together do not resync in lockstep. */
export const DEFAULT_RESYNC_JITTER = 0.1;

/** Where resyncs go, and the time and randomness they run on. */
export interface ResyncTriggerOptions {
  readonly onTrigger: (environment: string, reason: string) => void;
  readonly timers?: Timers;
  /** Fraction of the interval a period varies by, either way; default {@link DEFAULT_RESYNC_JITTER}. */
  readonly jitter?: number;
  /** Uniform in [0, 1); injectable for exact tests. */
  readonly random?: () => number;
}

interface Schedule {
  readonly intervalMs: number;
  handle: unknown;
}

function formatInterval(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** One timer per environment, each re-armed with fresh jitter after it fires. */
export class ResyncTrigger {
  private readonly timers: Timers;
  private readonly jitter: number;
  private readonly random: () => number;
  private readonly schedules = new Map<string, Schedule>();
  private closed = false;

  constructor(private readonly options: ResyncTriggerOptions) {
    this.timers = options.timers ?? systemTimers;
    this.jitter = Math.min(1, Math.max(0, options.jitter ?? DEFAULT_RESYNC_JITTER));
    this.random = options.random ?? Math.random;
  }

  /**
   * Resyncs `environment` every `intervalMs` (jittered), the first time one period from now.
   * The same interval again keeps the running schedule, so that calling this after every
   * reconcile does not postpone the resync for ever; a non-positive interval turns it off.
   */
  set(environment: string, intervalMs: number): void {
    if (this.closed) return;
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
      this.delete(environment);
      return;
    }
    const current = this.schedules.get(environment);
    if (current?.intervalMs === intervalMs) return;
    if (current !== undefined) this.timers.clearTimeout(current.handle);
    const schedule: Schedule = { intervalMs, handle: undefined };
    this.schedules.set(environment, schedule);
    this.arm(environment, schedule);
  }

  /** Sets every environment of `intervals` and drops those it no longer lists. */
  update(intervals: ReadonlyMap<string, number>): void {
    for (const environment of [...this.schedules.keys()]) if (!intervals.has(environment)) this.delete(environment);
    for (const [environment, intervalMs] of intervals) this.set(environment, intervalMs);
  }

  /** Stops resyncing `environment`. */
  delete(environment: string): void {
    const schedule = this.schedules.get(environment);
    if (schedule === undefined) return;
    this.timers.clearTimeout(schedule.handle);
    this.schedules.delete(environment);
  }

  /** The environments with a schedule. */
  environments(): string[] {
    return [...this.schedules.keys()].sort();
  }

  /** Stops every timer; later calls do nothing. */
  close(): void {
    this.closed = true;
    for (const schedule of this.schedules.values()) this.timers.clearTimeout(schedule.handle);
    this.schedules.clear();
  }

  private arm(environment: string, schedule: Schedule): void {
    const factor = 1 + this.jitter * (2 * this.random() - 1);
    schedule.handle = this.timers.setTimeout(() => {
      // A timer cleared too late to stop its callback must not fire for a replaced schedule.
      if (this.closed || this.schedules.get(environment) !== schedule) return;
      this.arm(environment, schedule);
      this.options.onTrigger(environment, `periodic resync (every ${formatInterval(schedule.intervalMs)})`);
    }, Math.max(1, Math.round(schedule.intervalMs * factor)));
  }
}
