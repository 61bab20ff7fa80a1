/**
 * A virtual clock for executor tests: `sleep` only registers a timer, and `run` advances time
 * to the next timer whenever the code under test has nothing else to do, so that a two-minute
 * wait takes no real time and every timing is exact.
 */
export class FakeClock {
  private time = 0;
  private sequence = 0;
  private readonly timers: { at: number; order: number; fire: () => void }[] = [];

  readonly now = (): number => this.time;

  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        const index = this.timers.indexOf(timer);
        if (index >= 0) this.timers.splice(index, 1);
        reject(signal?.reason);
      };
      const timer = {
        at: this.time + Math.max(0, ms),
        order: this.sequence++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.timers.push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });

  /** Drives `promise` to its end on virtual time; fails on a deadlock or past `limitMs`. */
  async run<T>(promise: Promise<T>, limitMs = 3_600_000): Promise<T> {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (settled) return promise;
      if (this.timers.length === 0) throw new Error(`deadlock at t=${this.time}: no timer pending and the promise is unsettled`);
      this.timers.sort((a, b) => a.at - b.at || a.order - b.order);
      const next = this.timers[0]!.at;
      if (next > limitMs) throw new Error(`virtual time limit passed (${next} ms)`);
      this.time = next;
      while (this.timers.length > 0 && this.timers[0]!.at === next) this.timers.shift()!.fire();
    }
  }
}
