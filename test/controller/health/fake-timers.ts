/**
 * Virtual time for the health monitors' tests: nothing fires until `advance` moves time, and
 * every pending promise continuation runs after each timer (a real setImmediate drains them).
 * Time is epoch milliseconds, starting at a fixed date.
 */
import type { Timers } from '../../../src/controller/health/timers.js';

interface Timer {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
}

/** The fixed start of virtual time. */
export const T0 = Date.parse('2026-01-01T00:00:00.000Z');

export class FakeTimers implements Timers {
  private time = T0;
  private sequence = 0;
  private readonly timers = new Map<number, Timer>();

  readonly now = (): number => this.time;

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.sequence++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), order: id, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Timers not yet fired. */
  pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in order and settling promises after each. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      const due = [...this.timers.entries()].filter(([, timer]) => timer.at <= end).sort(([, a], [, b]) => a.at - b.at || a.order - b.order)[0];
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
    }
    this.time = end;
    await settle();
  }
}

/** Lets every queued promise continuation run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}
