/**
 * Coalesces a burst of file events into one call: an editor's save, a `git checkout` or a
 * script rewriting several manifests makes many events, and each reconcile observes Podman
 * afresh, so one reconcile after the burst is what is wanted.
 */
import type { Timers } from '../work-queue.js';
import { systemTimers } from '../work-queue.js';

/** How long a {@link Debouncer} waits. */
export interface DebounceOptions {
  /** Quiet time after the last item before the flush. */
  readonly waitMs: number;
  /** Longest a burst may postpone its flush, so that a file rewritten non-stop still triggers. */
  readonly maxWaitMs: number;
  readonly timers?: Timers;
}

/** Collects distinct items and hands them over once the burst is over (trailing debounce with a maximum wait). */
export class Debouncer<T> {
  private readonly items = new Set<T>();
  private readonly timers: Timers;
  private quietTimer: unknown = undefined;
  private maxTimer: unknown = undefined;

  constructor(
    private readonly flushTo: (items: T[]) => void,
    private readonly options: DebounceOptions,
  ) {
    this.timers = options.timers ?? systemTimers;
  }

  /** Adds an item to the current burst, restarting the quiet period. */
  add(item: T): void {
    this.items.add(item);
    if (this.quietTimer !== undefined) this.timers.clearTimeout(this.quietTimer);
    this.quietTimer = this.timers.setTimeout(() => this.flush(), this.options.waitMs);
    this.maxTimer ??= this.timers.setTimeout(() => this.flush(), Math.max(this.options.waitMs, this.options.maxWaitMs));
  }

  /** Hands over the pending items now, if there are any. */
  flush(): void {
    this.cancelTimers();
    if (this.items.size === 0) return;
    const items = [...this.items];
    this.items.clear();
    this.flushTo(items);
  }

  /** Drops the pending items. */
  cancel(): void {
    this.cancelTimers();
    this.items.clear();
  }

  private cancelTimers(): void {
    if (this.quietTimer !== undefined) this.timers.clearTimeout(this.quietTimer);
    if (this.maxTimer !== undefined) this.timers.clearTimeout(this.maxTimer);
    this.quietTimer = undefined;
    this.maxTimer = undefined;
  }
}
