/**
 * Events and small helpers for the sink and telemetry tests: real events built with
 * makeEvent, a bounded wait, and an HTTP server on 127.0.0.1 that records what it gets.
 */
import { once } from 'node:events';
import type { ClientRequest, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventOrigin } from '../../src/events/event-bus.js';
import { makeEvent } from '../../src/events/event-bus.js';
import type { EventKind, EventPayloads, PhoenixEvent } from '../../src/events/event-types.js';

let sequence = 0;

/** An event with a predictable id (`evt-<n>`) and time. */
export function event<K extends EventKind>(kind: K, data: EventPayloads[K], origin: Partial<EventOrigin> = {}): PhoenixEvent {
  sequence += 1;
  return makeEvent(kind, { project: 'phoenix-hydra', environment: 'dev', ...origin }, data, `evt-${sequence}`, new Date(Date.UTC(2025, 0, 1, 0, 0, sequence % 60)));
}

/** A container.restarted event of the given service and environment. */
export function restarted(service: string, environment = 'dev'): PhoenixEvent {
  return event('container.restarted', { container: `phoenix-hydra_${service}_1`, reason: 'unhealthy', attempt: 1, backoffMs: 1000 }, { service, environment });
}

/** A reconcile.started event: not a container event, for filters to exclude. */
export function reconcileStarted(environment = 'dev'): PhoenixEvent {
  return event('reconcile.started', { trigger: 'timer' }, { environment });
}

/** Polls until the condition holds; fails after `timeoutMs`, so a test never hangs. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** What the recording server received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** Decides the answer to the n-th request (0-based); 'hang' never answers. */
export type Responder = (index: number, request: ReceivedRequest) => number | 'hang';

/** A local HTTP server (127.0.0.1, a free port) that records requests and answers as told. */
export class RecordingServer {
  readonly requests: ReceivedRequest[] = [];
  private readonly hanging: ServerResponse[] = [];
  private server: Server | undefined;

  constructor(private responder: Responder = () => 200) {}

  /** Changes how later requests are answered. */
  respond(responder: Responder): void {
    this.responder = responder;
  }

  /** Starts listening; returns the URL to POST to. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: ReceivedRequest = { method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        const index = this.requests.length;
        this.requests.push(request);
        const answer = this.responder(index, request);
        if (answer === 'hang') this.hanging.push(res);
        else res.writeHead(answer).end();
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Answers every hanging request with the status. */
  release(status = 200): void {
    for (const res of this.hanging.splice(0)) res.writeHead(status).end();
  }

  /** The events received, parsed from the bodies. */
  events(): PhoenixEvent[] {
    return this.requests.map((request) => JSON.parse(request.body) as PhoenixEvent);
  }

  /** Stops, cutting open connections. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  }
}

/** One Server-Sent-Events frame as a client sees it. */
export interface SseFrame {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly comment?: string;
  readonly retry?: string;
}

function parseFrame(block: string): SseFrame {
  const frame: Record<string, string> = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) frame['comment'] = line.slice(1).trim();
    else {
      const colon = line.indexOf(':');
      frame[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
    }
  }
  return frame;
}

/** An SSE client on node:http: connects, collects frames, disconnects. */
export class SseClient {
  readonly frames: SseFrame[] = [];
  status = 0;
  /** The server ended the stream. */
  ended = false;
  headers: IncomingMessage['headers'] = {};
  private buffer = '';
  private request: ClientRequest | undefined;

  /** Connects (with extra request headers, e.g. `Last-Event-ID`) and resolves once the response headers arrived. */
  async connect(url: string, headers: Record<string, string> = {}): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.request = request(url, { headers }, (res) => {
        this.status = res.statusCode ?? 0;
        this.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          this.buffer += chunk;
          let end = this.buffer.indexOf('\n\n');
          while (end !== -1) {
            this.frames.push(parseFrame(this.buffer.slice(0, end)));
            this.buffer = this.buffer.slice(end + 2);
            end = this.buffer.indexOf('\n\n');
          }
        });
        res.on('end', () => {
          this.ended = true;
        });
        res.on('error', () => undefined);
        resolve();
      });
      this.request.on('error', reject);
      this.request.end();
    });
  }

  /** The events received (frames with data), parsed. */
  events(): PhoenixEvent[] {
    return this.frames.filter((frame) => frame.data !== undefined).map((frame) => JSON.parse(frame.data!) as PhoenixEvent);
  }

  /** Drops the connection, as a browser tab closing would. */
  close(): void {
    this.request?.destroy();
  }
}
