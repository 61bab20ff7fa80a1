/**
 * SseHub behind a real node:http server on 127.0.0.1: headers, frames, per-client filters
 * from the query string, heartbeats (injected timers) and removal of departed clients.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventFilter } from '../../src/events/event-bus.js';
import { EventBus } from '../../src/events/event-bus.js';
import type { HeartbeatTimers } from '../../src/events/sinks/sse-hub.js';
import { SseHub, filterFromQuery } from '../../src/events/sinks/sse-hub.js';
import { SseClient, event, reconcileStarted, restarted, waitFor } from './event-fixtures.js';

/** Timers the test fires by hand. */
class ManualTimers implements HeartbeatTimers {
  callback: (() => void) | undefined;
  intervalMs = 0;
  cleared = 0;
  setInterval(callback: () => void, ms: number): unknown {
    this.callback = callback;
    this.intervalMs = ms;
    return 'handle';
  }
  clearInterval(): void {
    this.callback = undefined;
    this.cleared += 1;
  }
}

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(hub: SseHub, filter?: EventFilter): Promise<string> {
  const server: Server = createServer((req, res) => hub.attach(req, res, filter));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function client(url: string, hub: SseHub, expectedClients: number, headers: Record<string, string> = {}): Promise<SseClient> {
  const sse = new SseClient();
  await sse.connect(url, headers);
  cleanups.push(() => sse.close());
  await waitFor(() => hub.clientCount === expectedClients, 5000, 'the client to attach');
  return sse;
}

describe('filterFromQuery', () => {
  it('reads comma-separated and repeated parameters, ignoring empty ones', () => {
    expect(filterFromQuery(new URLSearchParams('types=container.*,service.*&environments=dev&services=web&services=db,'))).toEqual({
      types: ['container.*', 'service.*'],
      environments: ['dev'],
      services: ['web', 'db'],
    });
    expect(filterFromQuery(new URLSearchParams('types=&other=1'))).toEqual({});
  });
});

describe('SseHub', () => {
  it('streams matching events only, as id/event/data frames', async () => {
    const timers = new ManualTimers();
    const hub = new SseHub({ timers });
    const bus = new EventBus();
    bus.subscribe({}, hub.handle);
    const base = await serve(hub);
    const filtered = await client(`${base}/events?types=container.*,service.*&environments=dev&services=web`, hub, 1);
    const everything = await client(`${base}/events`, hub, 2);
    expect(filtered.status).toBe(200);
    expect(filtered.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(filtered.headers['cache-control']).toContain('no-cache');

    const wanted = [restarted('web', 'dev'), event('service.crash-looping', { restarts: 5, windowMs: 60_000, lastError: 'exit 1', container: 'app-dev-web-1', exitCode: 1, logLines: [] }, { service: 'web' })];
    const unwanted = [restarted('db', 'dev'), restarted('web', 'prod'), reconcileStarted('dev')];
    for (const e of [unwanted[0]!, wanted[0]!, unwanted[1]!, unwanted[2]!, wanted[1]!]) bus.publish(e);

    await waitFor(() => everything.events().length === 5, 5000, 'all five events');
    await waitFor(() => filtered.events().length === 2, 5000, 'the two matching events');
    expect(filtered.events()).toEqual(wanted);
    const frame = filtered.frames.find((f) => f.data !== undefined)!;
    expect(frame.id).toBe(wanted[0]!.id);
    expect(frame.event).toBe('io.phoenix.container.restarted');
    expect(filtered.frames[0]!.retry).toBe('3000');
  });

  it('takes an explicit filter over the query string', async () => {
    const hub = new SseHub({ timers: new ManualTimers() });
    const base = await serve(hub, { environments: ['prod'] });
    const sse = await client(`${base}/events?environments=dev`, hub, 1);
    const prod = restarted('web', 'prod');
    hub.handle(restarted('web', 'dev'));
    hub.handle(prod);
    await waitFor(() => sse.events().length === 1, 5000, 'the prod event');
    expect(sse.events()).toEqual([prod]);
  });

  it('sends heartbeats while clients are attached, and removes clients that leave', async () => {
    const timers = new ManualTimers();
    const hub = new SseHub({ timers, heartbeatMs: 15_000 });
    const base = await serve(hub);
    expect(timers.callback).toBeUndefined();
    const first = await client(`${base}/events`, hub, 1);
    const second = await client(`${base}/events`, hub, 2);
    expect(timers.intervalMs).toBe(15_000);
    timers.callback!();
    await waitFor(() => first.frames.some((f) => f.comment === 'ping') && second.frames.some((f) => f.comment === 'ping'), 5000, 'pings');

    first.close();
    await waitFor(() => hub.clientCount === 1, 5000, 'the first client to be removed');
    expect(timers.cleared).toBe(0);
    second.close();
    await waitFor(() => hub.clientCount === 0, 5000, 'the second client to be removed');
    expect(timers.cleared).toBe(1);
    // With nobody listening, an event costs nothing and breaks nothing.
    hub.handle(restarted('web'));
  });

  it('close() ends every stream', async () => {
    const hub = new SseHub({ timers: new ManualTimers() });
    const base = await serve(hub);
    const sse = await client(`${base}/events`, hub, 1);
    hub.close();
    expect(hub.clientCount).toBe(0);
    await waitFor(() => sse.ended, 5000, 'the stream to end');
  });

  it('replays the events a reconnecting client missed (Last-Event-ID), filtered, before the live ones', async () => {
    const hub = new SseHub({ timers: new ManualTimers() });
    const base = await serve(hub);
    const first = await client(`${base}/events?services=web`, hub, 1);
    const seen = restarted('web');
    hub.handle(seen);
    await waitFor(() => first.events().length === 1, 5000, 'the first event');
    const lastEventId = first.frames.find((f) => f.data !== undefined)!.id!;
    expect(lastEventId).toBe(seen.id);
    first.close();
    await waitFor(() => hub.clientCount === 0, 5000, 'the client to leave');

    // While it is away: two for web, one for db (filtered out on replay too).
    const missed = [restarted('web'), restarted('db'), restarted('web')];
    for (const e of missed) hub.handle(e);
    const again = await client(`${base}/events?services=web`, hub, 1, { 'Last-Event-ID': lastEventId });
    const live = restarted('web');
    hub.handle(live);
    await waitFor(() => again.events().length === 3, 5000, 'the missed events and the live one');
    expect(again.events().map((e) => e.id)).toEqual([missed[0]!.id, missed[2]!.id, live.id]);
    // Every event frame carries its id, replayed or live.
    expect(again.frames.filter((f) => f.data !== undefined).map((f) => f.id)).toEqual([missed[0]!.id, missed[2]!.id, live.id]);
    expect(again.frames.some((f) => f.event === 'reset')).toBe(false);
  });

  it('sends a reset, with the newest id to resume from, when the missed events fell out of the ring', async () => {
    const hub = new SseHub({ timers: new ManualTimers(), replayEvents: 3 });
    const base = await serve(hub);
    const gone = restarted('web');
    const kept = [restarted('web'), restarted('web'), restarted('web')];
    for (const e of [gone, ...kept]) hub.handle(e);
    // The query parameter stands in for the header (a client that cannot set headers).
    const sse = await client(`${base}/events?lastEventId=${gone.id}`, hub, 1);
    await waitFor(() => sse.frames.some((f) => f.event === 'reset'), 5000, 'the reset frame');
    const reset = sse.frames.find((f) => f.event === 'reset')!;
    expect(reset.id).toBe(kept[2]!.id);
    expect(JSON.parse(reset.data!)).toMatchObject({ lastEventId: gone.id, kept: 3 });
    expect(sse.events().filter((e) => e.type !== undefined)).toEqual([]);
    sse.close();
    await waitFor(() => hub.clientCount === 0, 5000, 'the client to leave');
    // Resuming from the reset's id: nothing is missing any more.
    const resumed = await client(`${base}/events`, hub, 1, { 'Last-Event-ID': reset.id! });
    const next = restarted('web');
    hub.handle(next);
    await waitFor(() => resumed.events().length === 1, 5000, 'the next event');
    expect(resumed.events()).toEqual([next]);
    expect(resumed.frames.some((f) => f.event === 'reset')).toBe(false);
  });

  it('starts with the newest matching events when asked for a backlog, and with none otherwise', async () => {
    const hub = new SseHub({ timers: new ManualTimers() });
    const base = await serve(hub);
    const events = [restarted('web'), restarted('db'), restarted('web'), restarted('web')];
    for (const e of events) hub.handle(e);
    const backlog = await client(`${base}/events?services=web&backlog=2`, hub, 1);
    await waitFor(() => backlog.events().length === 2, 5000, 'the backlog');
    expect(backlog.events().map((e) => e.id)).toEqual([events[2]!.id, events[3]!.id]);
    const plain = await client(`${base}/events`, hub, 2);
    const live = restarted('db');
    hub.handle(live);
    await waitFor(() => plain.events().length === 1, 5000, 'the live event');
    expect(plain.events()).toEqual([live]);
  });
});
