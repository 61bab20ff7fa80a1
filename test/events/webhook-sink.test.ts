/**
 * WebhookSink against a real HTTP server on 127.0.0.1: order, headers, retries with backoff,
 * and every way an event is dropped and counted. Backoff delays are a few ms to stay fast.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PhoenixEvent } from '../../src/events/event-types.js';
import type { WebhookDropReason, WebhookSinkOptions } from '../../src/events/sinks/webhook-sink.js';
import { WebhookSink } from '../../src/events/sinks/webhook-sink.js';
import { RecordingServer, restarted, waitFor } from './event-fixtures.js';

const FAST = { initialDelayMs: 2, maxDelayMs: 10, requestTimeoutMs: 2000 } as const;

const servers: RecordingServer[] = [];
const sinks: WebhookSink[] = [];

afterEach(async () => {
  await Promise.all(sinks.splice(0).map((sink) => sink.close(100)));
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function setUp(responder: ConstructorParameters<typeof RecordingServer>[0], options: Partial<WebhookSinkOptions> = {}) {
  const server = new RecordingServer(responder);
  servers.push(server);
  const url = await server.start();
  const drops: { event: PhoenixEvent; reason: WebhookDropReason; error: unknown }[] = [];
  const sink = new WebhookSink({ url, ...FAST, ...options, onDrop: (event, reason, error) => drops.push({ event, reason, error }) });
  sinks.push(sink);
  return { server, sink, drops, url };
}

describe('WebhookSink', () => {
  it('POSTs every event as a structured CloudEvent, in order', async () => {
    const { server, sink } = await setUp(() => 200, { headers: { authorization: 'Bearer test' } });
    const events = Array.from({ length: 25 }, (_, i) => restarted(`svc-${i}`));
    events.forEach(sink.handle);
    await sink.close(5000);
    expect(server.events()).toEqual(events);
    expect(sink.delivered).toBe(25);
    expect(sink.dropped).toBe(0);
    const request = server.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    expect(request.headers['authorization']).toBe('Bearer test');
  });

  it('retries after 500s, then delivers, keeping the order', async () => {
    // The first event fails twice, the second once.
    const statuses = [500, 503, 200, 502, 200];
    const { server, sink } = await setUp((index) => statuses[index] ?? 200);
    const events = [restarted('web'), restarted('db'), restarted('cache')];
    events.forEach(sink.handle);
    await waitFor(() => sink.delivered === 3, 5000, 'three deliveries');
    expect(server.events().map((e) => e.id)).toEqual([events[0]!.id, events[0]!.id, events[0]!.id, events[1]!.id, events[1]!.id, events[2]!.id]);
    expect(sink.dropped).toBe(0);
  });

  it('drops and counts an event whose retries are exhausted, then goes on', async () => {
    const { server, sink, drops } = await setUp((index) => (index < 3 ? 500 : 200), { maxAttempts: 3 });
    const [doomed, next] = [restarted('web'), restarted('db')];
    sink.handle(doomed!);
    sink.handle(next!);
    await waitFor(() => sink.delivered === 1, 5000, 'the second event');
    expect(server.requests).toHaveLength(4);
    expect(sink.dropped).toBe(1);
    expect(drops.map((d) => [d.event.id, d.reason])).toEqual([[doomed!.id, 'retries-exhausted']]);
    expect(String(drops[0]!.error)).toContain('HTTP 500');
  });

  it('drops without retrying when the receiver rejects the event (4xx)', async () => {
    const { server, sink, drops } = await setUp(() => 400);
    sink.handle(restarted('web'));
    await waitFor(() => sink.dropped === 1, 5000, 'the drop');
    expect(server.requests).toHaveLength(1);
    expect(drops[0]!.reason).toBe('rejected');
  });

  it('drops and counts when the receiver is down', async () => {
    const { server, sink, drops } = await setUp(() => 200, { maxAttempts: 2 });
    await server.stop(); // nothing listens on that port any more: connection refused
    sink.handle(restarted('web'));
    sink.handle(restarted('db'));
    await waitFor(() => sink.dropped === 2, 5000, 'two drops');
    expect(drops.map((d) => d.reason)).toEqual(['retries-exhausted', 'retries-exhausted']);
    expect(String(drops[0]!.error)).toContain('request failed');
  });

  it('gives each attempt its own timeout', async () => {
    const { server, sink, drops } = await setUp(() => 'hang', { maxAttempts: 2, requestTimeoutMs: 50 });
    sink.handle(restarted('web'));
    await waitFor(() => sink.dropped === 1, 5000, 'the drop');
    expect(server.requests).toHaveLength(2);
    expect(String(drops[0]!.error)).toContain('no answer within 50 ms');
  });

  it('drops and counts events that find the queue full', async () => {
    const { server, sink, drops } = await setUp(() => 'hang', { maxQueue: 3 });
    const events = Array.from({ length: 10 }, (_, i) => restarted(`svc-${i}`));
    events.forEach(sink.handle);
    // One in flight, three queued, six dropped.
    expect(sink.queued).toBe(3);
    expect(sink.dropped).toBe(6);
    expect(drops.map((d) => d.reason)).toEqual(Array(6).fill('queue-full'));
    expect(drops.map((d) => d.event.id)).toEqual(events.slice(4).map((e) => e.id));
    await waitFor(() => server.requests.length === 1, 5000, 'the first request');
    server.respond(() => 200);
    server.release(200);
    await waitFor(() => sink.delivered === 4, 5000, 'four deliveries');
    expect(server.events().map((e) => e.id)).toEqual(events.slice(0, 4).map((e) => e.id));
  });

  it('close() gives up at its deadline, dropping what is left', async () => {
    const { sink, drops } = await setUp(() => 'hang');
    [restarted('web'), restarted('db'), restarted('cache')].forEach(sink.handle);
    const started = Date.now();
    await sink.close(100);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(sink.dropped).toBe(3);
    expect(drops.map((d) => d.reason)).toEqual(['closed', 'closed', 'closed']);
    sink.handle(restarted('late'));
    expect(sink.dropped).toBe(4);
    // The abandoned request settles later without being counted again.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sink.dropped).toBe(4);
  });
});
