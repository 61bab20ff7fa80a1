/**
 * Live events over Server-Sent Events: each HTTP client of `/events` gets the events that
 * pass its filter as `id:`/`event:`/`data:` frames. SSE rather than WebSockets because it is
 * plain HTTP: `curl -N`, browsers' EventSource and editor extensions read it with no library.
 * A client that reconnects with `Last-Event-ID` first gets the events it missed, from a
 * bounded ring of the newest ones, or a `reset` frame when they fell out of it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventFilter } from '../event-bus.js';
import { matchesFilter } from '../event-bus.js';
import { MAX_TYPE_PATTERN_LENGTH } from '../type-pattern.js';
import type { PhoenixEvent } from '../event-types.js';
import type { RingEntry } from './event-ring.js';
import { EventRing } from './event-ring.js';

/** The timer functions the hub uses for heartbeats; injectable so tests need not wait 15 s. */
export interface HeartbeatTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Options of the SSE hub. */
export interface SseHubOptions {
  /**
   * Time between `: ping` comments, in ms (default 15 s): proxies and load balancers close
   * connections that stay silent, and a write is how a vanished client is noticed.
   */
  readonly heartbeatMs?: number;
  /** Default: the global setInterval/clearInterval, unref'd so they never hold the process. */
  readonly timers?: HeartbeatTimers;
  /**
   * Bytes a client may leave unread before it is disconnected (default 1 MiB): one stalled
   * reader must not make the controller buffer events for ever. EventSource reconnects.
   */
  readonly maxBufferedBytes?: number;
  /** Reconnection delay suggested to clients (the `retry:` field), in ms (default 3 s). */
  readonly retryMs?: number;
  /** Clients attached at once (default 32); one more gets 503, so that open streams cannot exhaust the controller. */
  readonly maxClients?: number;
  /** Events kept for clients that reconnect with `Last-Event-ID` (default 1000). */
  readonly replayEvents?: number;
  /** Bytes of events kept for them (default 1 MiB: a replay never exceeds what a client may leave unread). */
  readonly replayBytes?: number;
}

/** The `event:` name of the frame that tells a reconnecting client its missed events are gone: it should read /status again. */
export const RESET_EVENT = 'reset';

/** Longest `Last-Event-ID` looked up (event ids are UUIDs); a longer one is unknown. */
const MAX_EVENT_ID_LENGTH = 200;

/** Filter values a client may give per parameter; each costs a match per event. */
export const MAX_FILTER_VALUES = 64;

const systemTimers: HeartbeatTimers = {
  setInterval: (callback, ms) => setInterval(callback, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/**
 * Reads an EventFilter from a query string: `types`, `environments` and `services`, each a
 * comma-separated list and/or repeated (`?types=container.*,service.*&environments=dev`).
 * An absent or empty parameter matches everything.
 */
export function filterFromQuery(params: URLSearchParams): EventFilter {
  const list = (name: string): string[] | undefined => {
    const values = params
      .getAll(name)
      .flatMap((value) => value.split(','))
      .map((value) => value.trim())
      .filter((value) => value !== '');
    return values.length === 0 ? undefined : values;
  };
  const types = list('types');
  const environments = list('environments');
  const services = list('services');
  return {
    ...(types === undefined ? {} : { types }),
    ...(environments === undefined ? {} : { environments }),
    ...(services === undefined ? {} : { services }),
  };
}

/**
 * The frame that tells a client the events after `lastEventId` are no longer kept. Its `id:` is
 * the newest event's (empty when none is kept), so that the client's next reconnect asks from
 * there instead of hitting the same gap again.
 */
export function resetFrame(lastEventId: string, newestId: string | null, kept: number): string {
  const data = { lastEventId, kept, message: `the events after ${lastEventId} are no longer kept (the newest ${kept} are); read /status again for the current state` };
  return `id: ${newestId ?? ''}\nevent: ${RESET_EVENT}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** One event as an SSE frame. JSON has no raw newlines, so `data:` is always one line. */
export function sseFrame(event: PhoenixEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

interface Client {
  readonly res: ServerResponse;
  readonly filter: EventFilter;
}

/**
 * Fans events out to SSE clients. Subscribe `hub.handle` on the bus (usually with an empty
 * filter: each client filters for itself), and route `/events` requests to `attach`.
 */
export class SseHub {
  private readonly clients = new Set<Client>();
  private readonly heartbeatMs: number;
  private readonly timers: HeartbeatTimers;
  private readonly maxBufferedBytes: number;
  private readonly retryMs: number;
  private readonly maxClients: number;
  private heartbeat: unknown;
  private readonly ring: EventRing;

  /** Creates a hub with no clients; the heartbeat runs only while clients are attached. */
  constructor(options: SseHubOptions = {}) {
    this.ring = new EventRing({ ...(options.replayEvents === undefined ? {} : { maxEvents: options.replayEvents }), ...(options.replayBytes === undefined ? {} : { maxBytes: options.replayBytes }) });
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.timers = options.timers ?? systemTimers;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    this.retryMs = options.retryMs ?? 3000;
    this.maxClients = options.maxClients ?? 32;
  }

  /** Clients attached now. */
  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Turns the response into an event stream for this client, until the connection closes.
   * The filter defaults to the one in the request's query string (see filterFromQuery).
   * `Last-Event-ID` (the header an EventSource sends when it reconnects, or the query
   * parameter `lastEventId`) replays the matching events after that one first, or sends a
   * `reset` frame when it is no longer kept; `backlog=N` starts with the newest N matching
   * events instead (a page's first look).
   */
  attach(req: IncomingMessage, res: ServerResponse, filter?: EventFilter): void {
    const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const wanted = filter ?? filterFromQuery(params);
    const oversized = [wanted.types, wanted.environments, wanted.services].some((values) => (values?.length ?? 0) > MAX_FILTER_VALUES) || (wanted.types ?? []).some((t) => t.length > MAX_TYPE_PATTERN_LENGTH);
    if (oversized) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`filter too large: at most ${MAX_FILTER_VALUES} values a parameter, type patterns of at most ${MAX_TYPE_PATTERN_LENGTH} characters\n`);
      return;
    }
    if (this.clients.size >= this.maxClients) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': String(Math.ceil(this.retryMs / 1000)) });
      res.end(`too many event streams (${this.maxClients}); try again later\n`);
      return;
    }
    const client: Client = { res, filter: wanted };
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx buffers responses unless told not to, which would hold events back.
      'x-accel-buffering': 'no',
    });
    // Sent at once so that the client sees the stream open before the first event.
    res.write(`retry: ${this.retryMs}\n\n`);
    // Written before the client joins, in the same turn: no live event can come between.
    res.write(this.catchUp(req, params, wanted));
    this.clients.add(client);
    const remove = (): void => this.remove(client);
    res.once('close', remove);
    res.once('error', remove);
    if (this.clients.size === 1) this.heartbeat = this.timers.setInterval(() => this.broadcast(': ping\n\n', () => true), this.heartbeatMs);
  }

  /** Keeps the event for replay and sends it to every client whose filter it passes. Bound, for `bus.subscribe`. */
  readonly handle = (event: PhoenixEvent): void => {
    const frame = sseFrame(event);
    this.ring.push({ event, frame });
    if (this.clients.size === 0) return;
    this.broadcast(frame, (client) => matchesFilter(event, client.filter));
  };

  /** What a new client gets before the live events: the events it missed, a reset, its backlog, or nothing. */
  private catchUp(req: IncomingMessage, params: URLSearchParams, filter: EventFilter): string {
    const header = req.headers['last-event-id'];
    const lastEventId = (typeof header === 'string' ? header : params.get('lastEventId') ?? '').trim();
    const frames = (entries: readonly RingEntry[]): string =>
      entries
        .filter((entry) => matchesFilter(entry.event, filter))
        .map((entry) => entry.frame)
        .join('');
    if (lastEventId !== '') {
      const missed = lastEventId.length > MAX_EVENT_ID_LENGTH ? null : this.ring.after(lastEventId);
      return missed === null ? resetFrame(lastEventId.slice(0, MAX_EVENT_ID_LENGTH), this.ring.newestId, this.ring.size) : frames(missed);
    }
    const backlog = Number(params.get('backlog') ?? '0');
    if (!Number.isInteger(backlog) || backlog <= 0) return '';
    return frames(this.ring.newest(backlog, (entry) => matchesFilter(entry.event, filter)));
  }

  /** Ends every client's stream and stops the heartbeat (at shutdown). */
  close(): void {
    for (const client of [...this.clients]) {
      this.remove(client);
      client.res.end();
    }
  }

  private broadcast(frame: string, wants: (client: Client) => boolean): void {
    // A copy: removing a slow client while iterating must not skip the next one.
    for (const client of [...this.clients]) {
      if (!wants(client)) continue;
      if (client.res.writableLength > this.maxBufferedBytes) {
        this.remove(client);
        client.res.destroy();
        continue;
      }
      client.res.write(frame);
    }
  }

  private remove(client: Client): void {
    if (!this.clients.delete(client)) return;
    if (this.clients.size === 0 && this.heartbeat !== undefined) {
      this.timers.clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }
}
