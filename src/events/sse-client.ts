/**
 * The client side of watch's `/events` (sse-hub.ts): one GET that stays open, its
 * Server-Sent Events frames parsed into events. `phoenix events -f` follows a running watch
 * with it; plain node:http, as the server is.
 */
import http from 'node:http';
import type { EventFilter } from './event-bus.js';
import { parseEventLine } from './event-log.js';
import type { PhoenixEvent } from './event-types.js';

/** The `/events` URL of a watch at `base` (`http://host:port`), with the filter the server applies itself. */
export function eventsUrl(base: string, filter: EventFilter): string {
  const url = new URL('/events', base);
  if (filter.types !== undefined && filter.types.length > 0) url.searchParams.set('types', filter.types.join(','));
  if (filter.environments !== undefined && filter.environments.length > 0) url.searchParams.set('environments', filter.environments.join(','));
  if (filter.services !== undefined && filter.services.length > 0) url.searchParams.set('services', filter.services.join(','));
  return url.toString();
}

/** The base URL of a telemetry address: a wildcard host is reached on loopback. */
export function telemetryBase(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/**
 * Splits an SSE byte stream into the `data:` of each frame (a blank line ends a frame; several
 * `data:` lines join with newlines; comments and other fields are ignored).
 */
export class SseFrameParser {
  private buffer = '';
  private data: string[] = [];

  /** Feeds a chunk; returns the data of every frame it completed. */
  push(chunk: string): string[] {
    this.buffer += chunk;
    const frames: string[] = [];
    let newline = this.buffer.search(/\r?\n|\r/);
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline);
      const width = this.buffer.startsWith('\r\n', newline) ? 2 : 1;
      this.buffer = this.buffer.slice(newline + width);
      if (line === '') {
        if (this.data.length > 0) frames.push(this.data.join('\n'));
        this.data = [];
      } else if (line.startsWith('data:')) {
        this.data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      }
      newline = this.buffer.search(/\r?\n|\r/);
    }
    return frames;
  }
}

/** Why a stream could not be had or ended. */
export class EventStreamError extends Error {}

/**
 * Opens `url` and hands over every event of the stream until the server ends it (resolves)
 * or `signal` aborts (resolves). Rejects with EventStreamError when nothing answers, or the
 * answer is not an event stream. `onOpen` is told once the stream is open.
 */
export function followEventStream(url: string, onEvent: (event: PhoenixEvent) => void, signal: AbortSignal, onOpen: () => void = () => undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return resolve();
    const request = http.get(url, { headers: { accept: 'text/event-stream' }, signal }, (response) => {
      const type = String(response.headers['content-type'] ?? '');
      if (response.statusCode !== 200 || !type.startsWith('text/event-stream')) {
        response.resume();
        reject(new EventStreamError(`${url} answered ${response.statusCode ?? '?'} ${type}, not an event stream (is it a Phoenix watch?)`));
        return;
      }
      onOpen();
      const parser = new SseFrameParser();
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        for (const data of parser.push(chunk)) {
          const event = parseEventLine(data);
          if (event !== null) onEvent(event);
        }
      });
      response.on('end', () => resolve());
      response.on('error', () => resolve());
      response.on('close', () => resolve());
    });
    request.on('error', (error) => {
      if (signal.aborted) resolve();
      else reject(new EventStreamError(`nothing answers at ${url} (${(error as NodeJS.ErrnoException).code ?? error.message})`));
    });
  });
}
