/**
 * The `/api/*` routes of the telemetry server on 127.0.0.1 with a real HTTP client: the token
 * and same-origin checks, methods, bodies and answers. The controller behind them is a TEST
 * DOUBLE (RecordingHandlers) that records what reached it: a refused request must reach nothing.
 * The real controller and Podman are in test/integration/watch-api.test.ts.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { SseHub } from '../../src/events/sinks/sse-hub.js';
import type { ApiHandlers, Requester } from '../../src/telemetry/api-routes.js';
import type { TelemetryServer } from '../../src/telemetry/http-server.js';
import { startTelemetryServer } from '../../src/telemetry/http-server.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { originRefusal } from '../../src/telemetry/request-guard.js';

const TOKEN = 'k'.repeat(43);

/** A TEST DOUBLE of the controller's handlers: records each call, answers a fixed document. */
class RecordingHandlers implements ApiHandlers {
  readonly token = TOKEN;
  readonly calls: string[] = [];
  requester: Requester | null = null;
  logs(environment: string, service: string, tail: number): Promise<never> {
    this.calls.push(`logs ${environment} ${service} ${tail}`);
    return Promise.resolve({ environment, service, tail, containers: [], lines: [], truncated: false } as never);
  }
  restart(environment: string, service: string, requester: Requester): Promise<never> {
    this.calls.push(`restart ${environment} ${service}`);
    this.requester = requester;
    return Promise.resolve({ environment, service, requestId: 'r1', ok: true, actions: 2, durationMs: 5, error: null } as never);
  }
}

const running: TelemetryServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function start(): Promise<{ server: TelemetryServer; handlers: RecordingHandlers }> {
  const handlers = new RecordingHandlers();
  const server = await startTelemetryServer({ port: 0, metrics: new Metrics({ processMetrics: false }), sseHub: new SseHub(), status: () => ({}), ready: () => ({ ready: true }), healthy: () => true, api: handlers });
  running.push(server);
  return { server, handlers };
}

function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; json: { error?: { code: string } } & Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: body.startsWith('{') ? (JSON.parse(body) as never) : ({} as never) }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const auth = { authorization: `Bearer ${TOKEN}` };
const json = { 'content-type': 'application/json' };
const body = JSON.stringify({ environment: 'dev', service: 'web' });

describe('/api/restart', () => {
  it('acts only with the token, from no origin or its own, as JSON', async () => {
    const { server, handlers } = await start();
    const url = `${server.url}/api/restart`;
    const own = server.url;
    const refused: [Promise<{ status: number; json: { error?: { code: string } } }>, number, string][] = [
      [send(url, { method: 'POST', headers: json, body }), 401, 'PHX-API-UNAUTHORIZED'],
      [send(url, { method: 'POST', headers: { ...json, authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }, body }), 401, 'PHX-API-UNAUTHORIZED'],
      [send(`${url}?token=${TOKEN}`, { method: 'POST', headers: json, body }), 401, 'PHX-API-UNAUTHORIZED'],
      [send(url, { method: 'POST', headers: { ...json, ...auth, origin: 'null' }, body }), 403, 'PHX-API-ORIGIN-REFUSED'],
      [send(url, { method: 'POST', headers: { ...json, ...auth, origin: own.replace(/:\d+$/, ':1') }, body }), 403, 'PHX-API-ORIGIN-REFUSED'],
      [send(url, { method: 'POST', headers: { ...json, ...auth, origin: 'http://evil.example' }, body }), 403, 'PHX-API-ORIGIN-REFUSED'],
      [send(url, { method: 'POST', headers: { ...json, ...auth, 'sec-fetch-site': 'same-site' }, body }), 403, 'PHX-API-ORIGIN-REFUSED'],
      [send(url, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } }), 405, 'PHX-API-METHOD'],
      [send(url, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body }), 415, 'PHX-API-BAD-REQUEST'],
      [send(url, { method: 'POST', headers: { ...json, ...auth }, body: '{"environment":' }), 400, 'PHX-API-BAD-REQUEST'],
      [send(url, { method: 'POST', headers: { ...json, ...auth }, body: JSON.stringify({ environment: 'dev', service: '../../x' }) }), 400, 'PHX-API-BAD-REQUEST'],
      [send(url, { method: 'POST', headers: { ...json, ...auth }, body: JSON.stringify({ environment: 'dev', service: 'web', pad: 'x'.repeat(5000) }) }), 413, 'PHX-API-BAD-REQUEST'],
    ];
    for (const [answer, status, code] of refused) {
      const { status: got, json: parsed } = await answer;
      expect([got, parsed.error?.code]).toEqual([status, code]);
    }
    expect(handlers.calls).toEqual([]);

    const plain = await send(url, { method: 'POST', headers: { ...json, ...auth, 'user-agent': 'curl/8' }, body });
    expect(plain.status).toBe(200);
    expect(plain.json).toMatchObject({ ok: true, requestId: 'r1' });
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
    const fromPage = await send(url, { method: 'POST', headers: { ...json, ...auth, origin: own, 'sec-fetch-site': 'same-origin' }, body });
    expect(fromPage.status).toBe(200);
    expect(handlers.calls).toEqual(['restart dev web', 'restart dev web']);
    expect(handlers.requester?.address).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});

describe('/api/logs', () => {
  it('takes GET with the token, a valid tail, and leaves other routes as they were', async () => {
    const { server, handlers } = await start();
    expect((await send(`${server.url}/api/logs?environment=dev&service=web`)).status).toBe(401);
    expect((await send(`${server.url}/api/logs?environment=dev&service=web&tail=0`, { headers: auth })).status).toBe(400);
    expect((await send(`${server.url}/api/logs?environment=dev&service=web`, { method: 'POST', headers: auth })).status).toBe(405);
    const answer = await send(`${server.url}/api/logs?environment=dev&service=web&tail=5`, { headers: auth });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ environment: 'dev', service: 'web', tail: 5 });
    expect((await send(`${server.url}/api/logs?environment=dev&service=web`, { headers: auth })).json).toMatchObject({ tail: 200 });
    expect(handlers.calls).toEqual(['logs dev web 5', 'logs dev web 200']);
    expect((await send(`${server.url}/api/nothing`, { headers: auth })).status).toBe(404);
    // Everything else still takes GET only.
    expect((await send(`${server.url}/status`, { method: 'POST' })).status).toBe(405);
  });
});

describe('originRefusal', () => {
  const req = (headers: Record<string, string>): http.IncomingMessage => ({ headers }) as unknown as http.IncomingMessage;
  it('accepts no Origin, and the Host header\'s own origin over http or https (a proxy ending TLS)', () => {
    expect(originRefusal(req({ host: '127.0.0.1:9464' }))).toBeNull();
    expect(originRefusal(req({ host: '127.0.0.1:9464', origin: 'http://127.0.0.1:9464' }))).toBeNull();
    expect(originRefusal(req({ host: 'phoenix.internal', origin: 'https://phoenix.internal' }))).toBeNull();
    expect(originRefusal(req({ host: 'localhost:9464', origin: 'http://LOCALHOST:9464', 'sec-fetch-site': 'same-origin' }))).toBeNull();
  });
  it('refuses another host, port or scheme, an opaque origin, and a cross-site fetch', () => {
    expect(originRefusal(req({ host: '127.0.0.1:9464', origin: 'http://localhost:9464' }))).toMatch(/not this server's/);
    expect(originRefusal(req({ host: '127.0.0.1:9464', origin: 'file://' }))).toMatch(/not this server's/);
    expect(originRefusal(req({ host: '127.0.0.1:9464', origin: 'null' }))).toMatch(/not this server's/);
    expect(originRefusal(req({ origin: 'http://127.0.0.1:9464' }))).toMatch(/not this server's/);
    expect(originRefusal(req({ host: '127.0.0.1:9464', 'sec-fetch-site': 'cross-site' }))).toMatch(/another site/);
  });
});
