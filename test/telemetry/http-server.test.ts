/**
 * The telemetry server on 127.0.0.1 with a free port: each route, its status codes and
 * content types, /metrics as valid exposition text, /events through the SSE hub, shutdown
 * with a stream still open.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/event-bus.js';
import { SseHub } from '../../src/events/sinks/sse-hub.js';
import type { TelemetryServer, TelemetryServerOptions } from '../../src/telemetry/http-server.js';
import { startTelemetryServer } from '../../src/telemetry/http-server.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { SseClient, reconcileStarted, restarted, waitFor } from '../events/event-fixtures.js';
import { parseExposition, valueOf } from './prometheus-text.js';

const running: TelemetryServer[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function start(overrides: Partial<TelemetryServerOptions> = {}) {
  const state = { ready: false, healthy: true };
  const metrics = new Metrics({ processMetrics: false });
  const sseHub = new SseHub();
  const server = await startTelemetryServer({
    port: 0,
    metrics,
    sseHub,
    status: () => ({ dev: [{ service: 'web', verdict: 'converged' }] }),
    ready: () => (state.ready ? { ready: true } : { ready: false, reason: 'the first reconcile of dev has not finished' }),
    healthy: () => state.healthy,
    ...overrides,
  });
  running.push(server);
  return { server, state, metrics, sseHub };
}

describe('startTelemetryServer', () => {
  it('listens on 127.0.0.1 by default', async () => {
    const { server } = await start();
    expect(server.address.address).toBe('127.0.0.1');
    expect(server.address.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.address.port}`);
  });

  it('serves /metrics as Prometheus text, and counters move between scrapes', async () => {
    const { server, metrics } = await start();
    const first = await fetch(`${server.url}/metrics`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const before = parseExposition(await first.text());
    expect(before.types.get('phoenix_reconciles_total')).toBe('counter');
    expect(before.types.get('phoenix_reconcile_duration_seconds')).toBe('histogram');
    expect(valueOf(before, 'phoenix_restarts_total', { service: 'web' })).toBeUndefined();

    metrics.observeEvent(restarted('web'));
    metrics.recordReconcile('dev', 'succeeded', 0.5);
    const after = parseExposition(await (await fetch(`${server.url}/metrics`)).text());
    expect(valueOf(after, 'phoenix_restarts_total', { environment: 'dev', service: 'web' })).toBe(1);
    expect(valueOf(after, 'phoenix_reconciles_total', { environment: 'dev', result: 'succeeded' })).toBe(1);
  });

  it('answers /healthz with 200 or 503', async () => {
    const { server, state } = await start();
    const ok = await fetch(`${server.url}/healthz`);
    expect([ok.status, await ok.text()]).toEqual([200, 'ok\n']);
    state.healthy = false;
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503);
  });

  it('answers /readyz with 503 until ready, then 200', async () => {
    const { server, state } = await start();
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toContain('first reconcile');
    state.ready = true;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('serves /status as JSON from the callback', async () => {
    const { server } = await start();
    const response = await fetch(`${server.url}/status`);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ dev: [{ service: 'web', verdict: 'converged' }] });
  });

  it('streams /events through the hub with the query filter, and closes with a stream open', async () => {
    const { server, sseHub } = await start();
    const bus = new EventBus();
    bus.subscribe({}, sseHub.handle);
    const sse = new SseClient();
    await sse.connect(`${server.url}/events?types=container.*`);
    await waitFor(() => sseHub.clientCount === 1, 5000, 'the client');
    const wanted = restarted('web');
    bus.publish(reconcileStarted());
    bus.publish(wanted);
    await waitFor(() => sse.events().length === 1, 5000, 'the event');
    expect(sse.events()).toEqual([wanted]);
    await running.pop()!.close();
    await waitFor(() => sseHub.clientCount === 0, 5000, 'the hub to let go of the client');
  });

  it('answers 404 for unknown paths, 405 for other methods, 500 when a callback throws', async () => {
    const errors: unknown[] = [];
    const { server } = await start({
      status: () => {
        throw new Error('status exploded');
      },
      onError: (error) => errors.push(error),
    });
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    const post = await fetch(`${server.url}/metrics`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET']);
    const failed = await fetch(`${server.url}/status`);
    expect([failed.status, await failed.text()]).toEqual([500, 'internal error\n']);
    expect(String(errors[0])).toContain('status exploded');
  });

  it('rejects when the port is taken', async () => {
    const { server } = await start();
    await expect(start({ port: server.address.port })).rejects.toThrow(/EADDRINUSE/);
  });
});
