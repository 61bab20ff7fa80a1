/**
 * The controller's keyed work queue (client-go's rate-limiting workqueue, reduced to what
 * Phoenix needs). A key is an environment name; a trigger only says "this environment may be
 * out of date", so adding a key that already waits merges its reasons instead of queueing a
 * second reconcile. One key never runs twice at once; a key added while it runs runs once more
 * afterwards, so no trigger is lost; a failed reconcile is retried after an exponential
 * backoff of its own.
 */
import type { IBackoff } from 'cockatiel';
import { ExponentialBackoff } from 'cockatiel';

/** What one reconcile of a key reports back; a thrown error counts as `'error'`. */
export type ReconcileOutcome = 'ok' | 'error';

/**
 * Reconciles one key. `reasons` are every trigger merged since the last run (never empty);
 * `signal` aborts when the queue shuts down without draining.
 */
export type ReconcileWorker = (key: string, reasons: readonly string[], signal: AbortSignal) => Promise<ReconcileOutcome>;

/** Timers the queue and the triggers schedule with; injectable so that tests run on fake time. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's own timers. Looked up on each call, so that test doubles installed later still apply. */
export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Retry delays of a failing key: `initialMs`, then × `multiplier` per failure, never above `maxMs`. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
}

/** One second doubling up to five minutes: quick on a blip, gentle on a Podman that is down. */
export const DEFAULT_QUEUE_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 5 * 60_000, multiplier: 2 };

/** Reconciles of distinct keys run in parallel up to this; Podman serialises on its locks, so more gains little (PODMAN.md). */
export const DEFAULT_CONCURRENCY = 2;

/** Observations for logs and metrics; none of them may throw. */
export interface WorkQueueHooks {
  readonly onStart?: (key: string, reasons: readonly string[]) => void;
  readonly onFinish?: (key: string, outcome: ReconcileOutcome, durationMs: number) => void;
  /** A failed key will run again after `delayMs`; `failures` counts consecutive failures. */
  readonly onRetry?: (key: string, delayMs: number, failures: number) => void;
  /** The worker threw instead of returning `'error'`. */
  readonly onWorkerError?: (key: string, error: unknown) => void;
}

/** How a {@link WorkQueue} runs: the worker, how many keys at once, the retry backoff, time. */
export interface WorkQueueOptions {
  readonly worker: ReconcileWorker;
  /** Keys reconciled at once (each key itself at most once at a time); default {@link DEFAULT_CONCURRENCY}. */
  readonly concurrency?: number;
  readonly backoff?: Partial<BackoffOptions>;
  readonly timers?: Timers;
  /** Monotonic milliseconds, for run durations. */
  readonly now?: () => number;
  readonly hooks?: WorkQueueHooks;
}

/** How one `add` is treated. */
export interface AddOptions {
  /**
   * Run without waiting out a failed key's backoff (a manifest edit: the user may just have
   * fixed what failed). By default a key in backoff keeps waiting, so that a crash-looping
   * container's events cannot hammer a failing reconcile.
   */
  readonly skipBackoff?: boolean;
}

/** Counts for gauges and tests. */
export interface WorkQueueStats {
  /** Keys ready to run, waiting only for a free worker. */
  readonly queued: number;
  /** Keys waiting out a backoff after a failure. */
  readonly backingOff: number;
  readonly running: number;
}

type Phase = 'idle' | 'queued' | 'backing-off' | 'running';

interface KeyState {
  phase: Phase;
  /** Reasons for the next run (while running: those that arrived during the run). */
  readonly reasons: Set<string>;
  /** An add during the run asked to skip the backoff. */
  skipBackoff: boolean;
  /** forget() during the run: a failure of that run is not retried. */
  forgotten: boolean;
  timer: unknown;
  backoff: IBackoff<unknown> | undefined;
  failures: number;
}

/**
 * cockatiel's ExponentialBackoff with a generator that honours the multiplier (its own
 * noJitterGenerator always doubles) and adds no jitter, so that delays are exact in tests.
 */
function exponentialBackoff(options: BackoffOptions): ExponentialBackoff<number> {
  return new ExponentialBackoff<number>({
    initialDelay: options.initialMs,
    maxDelay: options.maxMs,
    exponent: options.multiplier,
    generator: (attempt = 0, o) => [Math.min(o.maxDelay, o.initialDelay * o.exponent ** attempt), attempt + 1],
  });
}

/** A keyed, deduplicating, rate-limited work queue for reconciles. */
export class WorkQueue {
  private readonly worker: ReconcileWorker;
  private readonly concurrency: number;
  private readonly backoff: ExponentialBackoff<number>;
  private readonly timers: Timers;
  private readonly now: () => number;
  private readonly hooks: WorkQueueHooks;
  private readonly keys = new Map<string, KeyState>();
  /** Ready keys in the order they became ready (a Set: O(1) removal on forget). */
  private readonly ready = new Set<string>();
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private pumpScheduled = false;
  private closed = false;

  constructor(options: WorkQueueOptions) {
    this.worker = options.worker;
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
    this.backoff = exponentialBackoff({ ...DEFAULT_QUEUE_BACKOFF, ...options.backoff });
    this.timers = options.timers ?? systemTimers;
    this.now = options.now ?? (() => performance.now());
    this.hooks = options.hooks ?? {};
  }

  /**
   * Asks for a reconcile of `key` because of `reason`. Returns false once the queue is shut
   * down. The run starts on a later microtask, so that adds made together coalesce.
   */
  add(key: string, reason: string, options: AddOptions = {}): boolean {
    if (this.closed) return false;
    let state = this.keys.get(key);
    if (state === undefined) {
      state = { phase: 'idle', reasons: new Set(), skipBackoff: false, forgotten: false, timer: undefined, backoff: undefined, failures: 0 };
      this.keys.set(key, state);
    }
    state.reasons.add(reason);
    state.forgotten = false;
    switch (state.phase) {
      case 'idle':
        this.enqueue(key, state);
        break;
      case 'backing-off':
        if (options.skipBackoff === true) {
          this.timers.clearTimeout(state.timer);
          this.enqueue(key, state);
        }
        break;
      case 'running':
        // The pending reasons make it run again when the current run ends.
        if (options.skipBackoff === true) state.skipBackoff = true;
        break;
      case 'queued':
        break;
    }
    return true;
  }

  /**
   * Stops tracking `key` (its environment is gone): drops its waiting work and its failure
   * history. A run in progress is left to finish (it is not aborted), but is not retried.
   */
  forget(key: string): void {
    const state = this.keys.get(key);
    if (state === undefined) return;
    if (state.phase === 'running') {
      state.reasons.clear();
      state.skipBackoff = false;
      state.forgotten = true;
      state.backoff = undefined;
      state.failures = 0;
      return;
    }
    if (state.phase === 'backing-off') this.timers.clearTimeout(state.timer);
    this.ready.delete(key);
    this.keys.delete(key);
  }

  /** Keys ready and waiting for a worker: the queue-depth gauge (client-go's `workqueue_depth`). */
  depth(): number {
    return this.ready.size;
  }

  /** Queued, backing-off and running counts. */
  stats(): WorkQueueStats {
    let backingOff = 0;
    for (const state of this.keys.values()) if (state.phase === 'backing-off') backingOff++;
    return { queued: this.ready.size, backingOff, running: this.running.size };
  }

  /** Consecutive failures of `key` (0 after a success or a forget). */
  failures(key: string): number {
    return this.keys.get(key)?.failures ?? 0;
  }

  /**
   * Stops taking work: further adds are refused, waiting and backing-off keys are dropped
   * (a restarted controller reconciles everything anyway). With `drain` the runs in progress
   * finish; without, their signal aborts. Resolves when no run is left.
   */
  async shutdown(options: { readonly drain: boolean }): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const [key, state] of this.keys) {
        if (state.phase === 'backing-off') this.timers.clearTimeout(state.timer);
        if (state.phase !== 'running') this.keys.delete(key);
      }
      this.ready.clear();
      if (!options.drain) for (const run of this.running.values()) run.controller.abort(new Error('the work queue is shutting down'));
    }
    await Promise.all([...this.running.values()].map((run) => run.done));
  }

  private enqueue(key: string, state: KeyState): void {
    state.phase = 'queued';
    state.timer = undefined;
    this.ready.add(key);
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.concurrency) {
      const next = this.ready.values().next();
      if (next.done === true) return;
      const key = next.value;
      this.ready.delete(key);
      const state = this.keys.get(key);
      if (state !== undefined) this.start(key, state);
    }
  }

  private start(key: string, state: KeyState): void {
    const reasons = [...state.reasons];
    state.reasons.clear();
    state.skipBackoff = false;
    state.phase = 'running';
    const controller = new AbortController();
    const startedAt = this.now();
    this.hooks.onStart?.(key, reasons);
    const done = Promise.resolve()
      .then(() => this.worker(key, reasons, controller.signal))
      .then(
        (outcome): ReconcileOutcome => (outcome === 'ok' ? 'ok' : 'error'),
        (error: unknown): ReconcileOutcome => {
          this.hooks.onWorkerError?.(key, error);
          return 'error';
        },
      )
      .then((outcome) => {
        this.running.delete(key);
        this.hooks.onFinish?.(key, outcome, this.now() - startedAt);
        this.finish(key, state, outcome, reasons);
        this.schedulePump();
      });
    this.running.set(key, { controller, done });
  }

  private finish(key: string, state: KeyState, outcome: ReconcileOutcome, reasons: readonly string[]): void {
    if (this.closed) {
      this.keys.delete(key);
      return;
    }
    if (outcome === 'ok' || (state.forgotten && state.reasons.size === 0)) {
      state.backoff = undefined;
      state.failures = 0;
      state.forgotten = false;
      if (state.reasons.size > 0) this.enqueue(key, state);
      else {
        state.phase = 'idle';
        this.keys.delete(key);
      }
      return;
    }
    // The retry keeps the failed run's reasons, so that its log still says why it runs.
    for (const reason of reasons) state.reasons.add(reason);
    state.failures++;
    state.backoff = state.backoff === undefined ? this.backoff.next() : state.backoff.next(undefined);
    if (state.skipBackoff) {
      this.enqueue(key, state);
      return;
    }
    const delayMs = state.backoff.duration;
    state.phase = 'backing-off';
    this.hooks.onRetry?.(key, delayMs, state.failures);
    state.timer = this.timers.setTimeout(() => {
      if (!this.closed && this.keys.get(key) === state && state.phase === 'backing-off') this.enqueue(key, state);
    }, delayMs);
  }
}
