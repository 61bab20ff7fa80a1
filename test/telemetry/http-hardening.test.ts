/**
 * HTTP hardening of watch's endpoints (issue 11): the Host header is checked (DNS rebinding),
 * SSE type filters are matched without a backtracking regex, SSE clients are capped, and a
 * listen address beyond the host is recognised.
 */
import { request } from 'node:http';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/event-bus.js';
import { SseHub } from '../../src/events/sinks/sse-hub.js';
import { compileTypePattern, matchesTypePattern, typeMatches } from '../../src/events/type-pattern.js';
import { isLoopback } from '../../src/telemetry/host-check.js';
import type { TelemetryServer, TelemetryServerOptions } from '../../src/telemetry/http-server.js';
import { startTelemetryServer } from '../../src/telemetry/http-server.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { reconcileStarted } from '../events/event-fixtures.js';

const running: TelemetryServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function start(overrides: Partial<TelemetryServerOptions> = {}, sseHub = new SseHub()) {
  const server = await startTelemetryServer({
    port: 0,
    metrics: new Metrics({ processMetrics: false }),
    sseHub,
    status: () => ({ dev: [{ service: 'web', verdict: 'converged' }] }),
    ready: () => ({ ready: true }),
    healthy: () => true,
    ...overrides,
  });
  running.push(server);
  return server;
}

/** GETs a path with a given Host header (fetch may not set one); resolves status and body, or the headers of a stream. */
function get(server: TelemetryServer, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.address.port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      if ((res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        resolve({ status: res.statusCode ?? 0, body: '' });
        return;
      }
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the Host header is checked (DNS rebinding)', () => {
  it('a rebinding name is refused with 403 on every route; the address, localhost and configured names are served', async () => {
    const server = await start({ allowedHosts: ['phoenix.internal'] });
    const port = server.address.port;
    for (const path of ['/status', '/metrics', '/events', '/healthz']) {
      const refused = await get(server, path, `evil.example:${port}`);
      expect(refused.status, path).toBe(403);
      expect(refused.body).not.toContain('converged');
    }
    expect((await get(server, '/status', `127.0.0.1:${port}`)).status).toBe(200);
    expect((await get(server, '/status', `localhost:${port}`)).status).toBe(200);
    expect((await get(server, '/status', `[::1]:${port}`)).status).toBe(200);
    expect((await get(server, '/status', `Phoenix.Internal:${port}`)).status).toBe(200);
    expect((await get(server, '/status', 'phoenix.internal.evil.example')).status).toBe(403);
  });

  it('a listen address beyond the host is told apart from a loopback one', () => {
    for (const host of ['127.0.0.1', '127.0.0.53', '::1', '[::1]', 'localhost']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'phoenix.example']) expect(isLoopback(host), host).toBe(false);
  });
});

describe('SSE', () => {
  it('caps the number of clients: one more gets 503 with retry-after', async () => {
    const hub = new SseHub({ maxClients: 2 });
    const server = await start({}, hub);
    const host = `127.0.0.1:${server.address.port}`;
    expect((await get(server, '/events', host)).status).toBe(200);
    expect((await get(server, '/events', host)).status).toBe(200);
    const third = await get(server, '/events', host);
    expect(third.status).toBe(503);
    expect(third.body).toContain('too many event streams (2)');
    expect(hub.clientCount).toBe(2);
  });

  it('refuses oversized filters with 400', async () => {
    const server = await start();
    const host = `127.0.0.1:${server.address.port}`;
    expect((await get(server, `/events?types=${'a'.repeat(201)}`, host)).status).toBe(400);
    expect((await get(server, `/events?types=${Array.from({ length: 65 }, (_, i) => `t${i}`).join(',')}`, host)).status).toBe(400);
  });

  it('/events?types=**************Z does not stall publishing', async () => {
    const hub = new SseHub();
    const server = await start({}, hub);
    const bus = new EventBus();
    bus.subscribe({}, hub.handle);
    await get(server, `/events?types=${'*'.repeat(40)}Z`, `127.0.0.1:${server.address.port}`);
    const started = performance.now();
    for (let i = 0; i < 200; i++) bus.publish(reconcileStarted());
    // The regex form took 9-15 s per event at 14 stars; linear matching takes microseconds.
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('type patterns are matched without backtracking', () => {
  /** The reference: the regex the matcher replaced, for short inputs only. */
  const reference = (pattern: string, kind: string): boolean => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(kind);

  it('agrees with the glob semantics on generated patterns and kinds', () => {
    const alphabet = fc.constantFrom('a', 'b', '.', '*');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 8 }), fc.array(fc.constantFrom('a', 'b', '.'), { maxLength: 10 }), (p, k) => {
        const pattern = p.join('');
        const kind = k.join('');
        expect(typeMatches(pattern, kind)).toBe(reference(pattern, kind));
      }),
      { numRuns: 3000 },
    );
  });

  it('examples: container.*, *.failed, *, exact kinds', () => {
    expect(typeMatches('container.*', 'container.died')).toBe(true);
    expect(typeMatches('container.*', 'service.crash-looping')).toBe(false);
    expect(typeMatches('*.failed', 'reconcile.failed')).toBe(true);
    expect(typeMatches('*', 'anything')).toBe(true);
    expect(typeMatches('security.denied', 'security.denied')).toBe(true);
    expect(typeMatches('a*a', 'a')).toBe(false);
  });

  it('a pathological pattern against a long kind costs time linear in their sizes', () => {
    const pattern = compileTypePattern(`${'*a'.repeat(100)}Z`);
    const kind = 'a'.repeat(10_000);
    const started = performance.now();
    for (let i = 0; i < 100; i++) expect(matchesTypePattern(pattern, kind)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
