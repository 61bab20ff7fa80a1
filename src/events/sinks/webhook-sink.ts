/**
 * Pushes events to an HTTP endpoint as CloudEvents in structured mode (one event per POST,
 * `application/cloudevents+json`), which chat bridges, n8n and event routers accept as is.
 *
 * Delivery is best effort by design: the controller must never block on, or run out of
 * memory because of, a slow receiver. Events wait in a bounded queue and go out one at a
 * time, in order; each POST is retried with exponential backoff; an event that cannot be
 * delivered is dropped and counted, so that the loss shows on /metrics.
 */
import type { IPolicy, IRetryContext, ICancellationContext } from 'cockatiel';
import { ExponentialBackoff, TimeoutStrategy, handleWhen, retry, timeout, wrap } from 'cockatiel';
import type { PhoenixEvent } from '../event-types.js';

/** Why an event was dropped instead of delivered. */
export type WebhookDropReason =
  /** The queue held `maxQueue` events already. */
  | 'queue-full'
  /** Every attempt failed with a network error, a timeout or a retryable status. */
  | 'retries-exhausted'
  /** The receiver answered with a status that retrying cannot fix (e.g. 400, 404). */
  | 'rejected'
  /** The sink was closed before the event went out. */
  | 'closed';

/** Options of the webhook sink. */
export interface WebhookSinkOptions {
  /** Where to POST. Credentials belong in `headers`, not in the URL, which errors may show. */
  readonly url: string | URL;
  /** Extra request headers, e.g. an Authorization header. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Events waiting at most (default 1000); the one in flight is not counted. */
  readonly maxQueue?: number;
  /** POSTs per event at most, the first included (default 5). */
  readonly maxAttempts?: number;
  /** Time allowed for one POST, answer included, in ms (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** First backoff delay in ms (default 500); it grows exponentially, with jitter. */
  readonly initialDelayMs?: number;
  /** Longest backoff delay in ms (default 30 s). */
  readonly maxDelayMs?: number;
  /** Told of each dropped event (for `phoenix_events_dropped_total` and the log). */
  readonly onDrop?: (event: PhoenixEvent, reason: WebhookDropReason, error?: unknown) => void;
}

/** A POST that did not succeed; `retryable` says whether another attempt may help. */
export class WebhookDeliveryError extends Error {
  /** @param status the HTTP status, or null when there was no answer */
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WebhookDeliveryError';
  }
}

/** Statuses that say "try again later"; any other failure status will not change. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** A queued event; a wrapper so that the same event queued twice is two entries. */
interface Entry {
  readonly event: PhoenixEvent;
}

/** Delivers events to one webhook URL. Subscribe `sink.handle` on the bus with a filter. */
export class WebhookSink {
  /** Events dropped so far, whatever the reason. */
  dropped = 0;
  /** Events the receiver accepted (2xx). */
  delivered = 0;
  private readonly url: string;
  private readonly headers: Headers;
  private readonly maxQueue: number;
  private readonly requestTimeoutMs: number;
  private readonly policy: IPolicy<IRetryContext & ICancellationContext>;
  private readonly queue: Entry[] = [];
  /** Aborted by close() at its deadline: cancels the POST in flight and stops retrying. */
  private readonly shutdown = new AbortController();
  private inFlight: Entry | undefined;
  /** The running pump, for close() to wait on; `running` says whether it is still going. */
  private pumping: Promise<void> = Promise.resolve();
  private running = false;
  private closed = false;

  /** Validates the options; nothing is sent until the first event. */
  constructor(private readonly options: WebhookSinkOptions) {
    this.url = new URL(options.url).href;
    this.headers = new Headers(options.headers);
    // set(), not a spread: it replaces a Content-Type given in any letter case.
    this.headers.set('content-type', 'application/cloudevents+json; charset=utf-8');
    this.maxQueue = positive('maxQueue', options.maxQueue ?? 1000);
    this.requestTimeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs ?? 10_000);
    const maxAttempts = positive('maxAttempts', options.maxAttempts ?? 5);
    const retryPolicy = retry(
      handleWhen((error) => !(error instanceof WebhookDeliveryError) || error.retryable),
      // cockatiel counts retries after the first call; our option counts every POST.
      { maxAttempts: maxAttempts - 1, backoff: new ExponentialBackoff({ initialDelay: options.initialDelayMs ?? 500, maxDelay: options.maxDelayMs ?? 30_000 }) },
    ).dangerouslyUnref(); // a pending backoff must not keep a stopping process alive
    // Inside the retry, so that each attempt has its own time limit. Cooperative: fetch
    // honours the signal, and the socket is released instead of left running.
    const timeoutPolicy = timeout(this.requestTimeoutMs, TimeoutStrategy.Cooperative).dangerouslyUnref();
    this.policy = wrap(retryPolicy, timeoutPolicy);
  }

  /** Events waiting to be sent (not counting the one in flight). */
  get queued(): number {
    return this.queue.length;
  }

  /** Queues one event, or drops it when the queue is full. Bound, for `bus.subscribe`. */
  readonly handle = (event: PhoenixEvent): void => {
    if (this.closed) return this.drop({ event }, 'closed');
    if (this.queue.length >= this.maxQueue) return this.drop({ event }, 'queue-full');
    this.queue.push({ event });
    if (!this.running) {
      this.running = true;
      this.pumping = this.pump();
    }
  };

  /**
   * Stops accepting events and waits for the queue to drain, at most `deadlineMs` (default
   * 5 s). At the deadline the POST in flight is cancelled and what is left is dropped
   * (reason 'closed'), so shutdown never hangs on a dead receiver.
   */
  async close(deadlineMs = 5000): Promise<void> {
    this.closed = true;
    if (this.running) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), deadlineMs);
      });
      const outcome = await Promise.race([this.pumping.then(() => 'drained' as const), deadline]);
      clearTimeout(timer);
      if (outcome === 'drained') return;
    }
    this.shutdown.abort();
    for (const entry of this.queue.splice(0)) this.drop(entry, 'closed');
    // The abandoned POST may still settle later; clearing inFlight keeps it from counting twice.
    const abandoned = this.inFlight;
    this.inFlight = undefined;
    if (abandoned !== undefined) this.drop(abandoned, 'closed');
  }

  /** Sends queued events one at a time, so that the receiver sees them in order. */
  private async pump(): Promise<void> {
    try {
      while (!this.shutdown.signal.aborted) {
        const entry = this.queue.shift();
        if (entry === undefined) break;
        this.inFlight = entry;
        try {
          await this.policy.execute(({ signal }) => this.post(entry.event, signal), this.shutdown.signal);
          if (this.inFlight === entry) this.delivered += 1;
        } catch (error) {
          if (this.inFlight === entry) this.drop(entry, this.reasonFor(error), error);
        } finally {
          if (this.inFlight === entry) this.inFlight = undefined;
        }
      }
    } finally {
      // Cleared synchronously as the loop ends: an event queued after this starts a new pump.
      this.running = false;
    }
  }

  private async post(event: PhoenixEvent, signal: AbortSignal): Promise<void> {
    let response: Response;
    try {
      // redirect 'manual': following a redirect would turn the POST into a GET elsewhere.
      response = await fetch(this.url, { method: 'POST', headers: this.headers, body: JSON.stringify(event), signal, redirect: 'manual' });
      // Read the answer to the end so that the connection goes back to the pool.
      await response.arrayBuffer();
    } catch (error) {
      const timedOut = signal.aborted && !this.shutdown.signal.aborted;
      const message = timedOut ? `no answer within ${this.requestTimeoutMs} ms` : `request failed: ${error instanceof Error ? error.message : String(error)}`;
      throw new WebhookDeliveryError(`POST of event ${event.id} to the webhook: ${message}`, null, true, { cause: error });
    }
    if (response.status >= 200 && response.status < 300) return;
    throw new WebhookDeliveryError(`POST of event ${event.id} to the webhook: HTTP ${response.status}`, response.status, isRetryableStatus(response.status));
  }

  private reasonFor(error: unknown): WebhookDropReason {
    if (this.shutdown.signal.aborted) return 'closed';
    return error instanceof WebhookDeliveryError && !error.retryable ? 'rejected' : 'retries-exhausted';
  }

  private drop(entry: Entry, reason: WebhookDropReason, error?: unknown): void {
    this.dropped += 1;
    this.options.onDrop?.(entry.event, reason, error);
  }
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, not ${value}`);
  return value;
}
