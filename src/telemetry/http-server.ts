/**
 * The controller's own HTTP endpoint: Prometheus scrapes /metrics, Kubernetes-style probes
 * (and systemd, and scripts) ask /healthz and /readyz, people and editors read /status and
 * follow /events. Plain node:http: a handful of GET routes need no framework.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SseHub } from '../events/sinks/sse-hub.js';
import { servePage } from '../page/page-route.js';
import type { ApiHandlers } from './api-routes.js';
import { apiRoute } from './api-routes.js';
import { hostAllowed } from './host-check.js';
import type { Metrics } from './metrics.js';

/** What the telemetry server serves, and where. */
export interface TelemetryServerOptions {
  /**
   * Default 127.0.0.1: /status and /events describe the whole deployment, so exposing them
   * beyond the host must be a decision (`0.0.0.0`), not a default.
   */
  readonly host?: string;
  /** Default 9464 (OpenTelemetry's Prometheus exporter uses it too); 0 picks a free one. */
  readonly port?: number;
  readonly metrics: Metrics;
  readonly sseHub: SseHub;
  /** The body of /status, serialised as JSON (e.g. ServiceReport[] per environment). */
  readonly status: () => unknown;
  /** Whether the controller is ready (/readyz 200), or why not (503 with the reason). */
  readonly ready: () => Readiness;
  /** False when the controller is wedged (e.g. its loop stopped) and should be restarted. */
  readonly healthy: () => boolean;
  /** Told when a route fails (a callback threw); the client gets a bare 500. */
  readonly onError?: (error: unknown) => void;
  /**
   * Host names (besides IP literals and localhost) requests may name in their Host header
   * (`policy.telemetry.allowed_hosts`); any other gets 403, which stops DNS rebinding.
   */
  readonly allowedHosts?: readonly string[];
  /** The token-guarded `/api/*` routes (api-routes.ts); without them, `/api/*` is 404. */
  readonly api?: ApiHandlers;
}

/** What /readyz answers: ready, or not with the reason (one line a problem). */
export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string };

/** A running telemetry server. */
export interface TelemetryServer {
  /** Where it listens (the actual port when 0 was asked). */
  readonly address: AddressInfo;
  /** `http://host:port`, for logs and tests. */
  readonly url: string;
  /** Stops listening and ends open connections, /events streams included. */
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

function probe(res: ServerResponse, ok: boolean, failure: string): void {
  send(res, ok ? 200 : 503, 'text/plain; charset=utf-8', ok ? 'ok\n' : `${failure}\n`);
}

async function route(options: TelemetryServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!hostAllowed(req.headers.host, options.allowedHosts ?? [])) {
    return send(res, 403, 'text/plain; charset=utf-8', 'host not allowed: name this server by its address, localhost, or a name in policy.telemetry.allowed_hosts\n');
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  // The API checks its own methods, token and origin; it is the only place that takes a POST.
  if (url.pathname.startsWith('/api/') && options.api !== undefined && (await apiRoute(options.api, req, res, url))) return;
  if (req.method !== 'GET') {
    res.setHeader('allow', 'GET');
    return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  }
  switch (url.pathname) {
    case '/metrics':
      return send(res, 200, options.metrics.contentType, await options.metrics.render());
    case '/healthz':
      return probe(res, options.healthy(), 'unhealthy');
    case '/readyz': {
      const readiness = options.ready();
      return probe(res, readiness.ready, readiness.ready ? '' : `not ready: ${readiness.reason}`);
    }
    case '/status':
      return send(res, 200, 'application/json; charset=utf-8', `${JSON.stringify(options.status(), null, 2)}\n`);
    case '/events':
      return options.sseHub.attach(req, res, undefined);
    default:
      // The live status page: `/` and its files under /page/ (src/page/).
      if (await servePage(res, url.pathname)) return;
      return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  }
}

/** Starts listening; resolves once the port is bound (rejects if it cannot be). */
export async function startTelemetryServer(options: TelemetryServerOptions): Promise<TelemetryServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    route(options, req, res).catch((error: unknown) => {
      // The details go to the log (through the redactor), not to an unauthenticated client.
      options.onError?.(error);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9464, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    address,
    url: `http://${urlHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        // SSE streams never end by themselves; without this, close() would wait for ever.
        server.closeAllConnections();
      }),
  };
}
