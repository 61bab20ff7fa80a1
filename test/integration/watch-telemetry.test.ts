/**
 * Watch mode's outputs against real Podman and real HTTP on loopback: the JSONL event file and
 * webhooks with their filters, Prometheus /metrics, /healthz, /readyz, /status, the /events SSE
 * stream, and a canary secret that must appear in none of them nor in the logs.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, loopAfter, podman, service } from './support.js';
import { httpGet, metricSum, parsePrometheus, startWatch, waitAllRunning, waitForContainer, useWatchSuite } from './watch-support.js';

const suite = useWatchSuite();

/** A CloudEvent as the sinks deliver it. */
interface DeliveredEvent {
  readonly type: string;
  readonly subject?: string;
  readonly id: string;
  readonly data: Record<string, unknown>;
}

/** A webhook receiver on loopback that records every POSTed body. */
async function receiver(): Promise<{ url: string; received: DeliveredEvent[]; bodies: string[]; close: () => Promise<void> }> {
  const received: DeliveredEvent[] = [];
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      bodies.push(body);
      try {
        received.push(JSON.parse(body) as DeliveredEvent);
      } catch {
        // Recorded in bodies; the test fails on the parse below.
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An SSE client of /events: the frames received so far, until closed. */
function sseClient(url: string): { frames: { event: string; data: string }[]; raw: () => string; close: () => void; opened: Promise<void> } {
  const frames: { event: string; data: string }[] = [];
  let raw = '';
  let buffer = '';
  let request: http.ClientRequest;
  const opened = new Promise<void>((resolve, reject) => {
    request = http.get(url, (res) => {
      if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('text/event-stream')) reject(new Error(`/events answered ${res.statusCode} ${String(res.headers['content-type'])}`));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event !== undefined && data !== undefined) frames.push({ event, data });
        }
        resolve();
      });
      res.on('error', () => undefined);
    });
    request.on('error', () => undefined);
  });
  return { frames, raw: () => raw, close: () => request.destroy(), opened };
}

function readJsonl(file: string): DeliveredEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as DeliveredEvent);
}

describe.sequential('watch telemetry and event sinks', { timeout: 120_000 }, () => {
  it('events reach the JSONL file and webhooks through their filters; /metrics, /healthz, /readyz, /events work', async () => {
    const project = suite.project();
    const filtered = await receiver();
    const everything = await receiver();
    try {
      const eventsFile = path.join(project.dir, 'logs', 'events.jsonl');
      project.writeEnvironment({
        policy: {
          prune: false,
          health: { backoff: { initial: '500ms', max: '2s' } },
          events: {
            // Relative to the environment file.
            file: { path: '../logs/events.jsonl', types: ['container.*', 'action.*'] },
            webhooks: [{ url: filtered.url, services: ['watched'] }],
          },
        },
      });
      project.writeCompose({ services: { watched: service(), ignored: service() } });
      const watch = await startWatch(project, ['--webhook', everything.url], { waitReady: false });
      expect((await watch.get('/healthz')).status).toBe(200);
      const readyAt = await eventually('/readyz 200', 60_000, async () => ((await watch.get('/readyz')).status === 200 ? watch.events().length : undefined));
      // Ready only once the first reconcile had finished.
      expect(
        watch
          .events()
          .slice(0, readyAt)
          .some((e) => e.event === 'reconcile.succeeded'),
      ).toBe(true);
      expect((await watch.get('/nowhere')).status).toBe(404);
      const [watched, ignored] = [project.container('watched'), project.container('ignored')];
      const before = await waitAllRunning([watched, ignored], 30_000);

      const metricsBefore = await watch.get('/metrics');
      expect(metricsBefore.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      const m0 = parsePrometheus(metricsBefore.body);
      const sse = sseClient(`${watch.url}/events?types=container.*`);
      await sse.opened;

      await podman(['kill', watched, ignored]);
      for (const name of [watched, ignored]) await waitForContainer(name, 'running again', 30_000, (c) => c.running && c.startedAt !== before.get(name)!.startedAt);

      // The JSONL file: only container.* and action.* events, from the very first reconcile on.
      const fileEvents = await eventually('both restarts in the events file', 15_000, () => {
        const events = readJsonl(eventsFile);
        return Promise.resolve(events.filter((e) => e.type === 'io.phoenix.container.restarted').length >= 2 ? events : undefined);
      });
      for (const e of fileEvents) expect(e.type).toMatch(/^io\.phoenix\.(container|action)\./);
      expect(fileEvents.some((e) => e.type === 'io.phoenix.action.succeeded' && e.data.kind === 'container.create' && e.data.resource === watched)).toBe(true);
      expect(fileEvents.filter((e) => e.type === 'io.phoenix.container.restarted').map((e) => e.subject).sort()).toEqual(['ignored', 'watched']);
      // The kinds filtered out did happen (they are in the log), they just are not in the file.
      expect(watch.events('reconcile.succeeded').length).toBeGreaterThan(0);
      expect(watch.events('drift.detected').length).toBeGreaterThan(0);

      // The policy webhook: only events about `watched`; --webhook: everything.
      await eventually('the restart of watched at the filtered webhook', 15_000, () => Promise.resolve(filtered.received.some((e) => e.type === 'io.phoenix.container.restarted') ? true : undefined));
      await eventually('both restarts at the unfiltered webhook', 15_000, () => Promise.resolve(everything.received.filter((e) => e.type === 'io.phoenix.container.restarted').length >= 2 ? true : undefined));
      expect(filtered.bodies.length).toBe(filtered.received.length);
      expect(new Set(filtered.received.map((e) => e.subject))).toEqual(new Set(['watched']));
      expect(filtered.received.some((e) => e.type === 'io.phoenix.action.succeeded' && e.data.kind === 'container.create')).toBe(true);
      expect(everything.received.some((e) => e.type === 'io.phoenix.reconcile.succeeded')).toBe(true);
      expect(everything.received.some((e) => e.subject === 'ignored')).toBe(true);

      // /events: the restarts, as SSE frames that carry the CloudEvent.
      await eventually('a container.restarted frame on /events', 15_000, () => Promise.resolve(sse.frames.some((f) => f.event === 'io.phoenix.container.restarted') ? true : undefined));
      sse.close();
      for (const frame of sse.frames) {
        expect(frame.event).toMatch(/^io\.phoenix\.container\./);
        expect((JSON.parse(frame.data) as DeliveredEvent).type).toBe(frame.event);
      }

      // /metrics moved. The reconcile that follows a restart may end a moment after the restart's event: ask until it has.
      const reconcilesBefore = metricSum(m0, 'phoenix_reconciles_total', { environment: 'it', result: 'succeeded' });
      const m1 = await eventually('a reconcile after the restarts in /metrics', 15_000, async () => {
        const sample = parsePrometheus((await watch.get('/metrics')).body);
        return metricSum(sample, 'phoenix_reconciles_total', { environment: 'it', result: 'succeeded' }) > reconcilesBefore ? sample : undefined;
      });
      expect(metricSum(m1, 'phoenix_actions_total', { kind: 'container.start', outcome: 'succeeded' })).toBe(metricSum(m0, 'phoenix_actions_total', { kind: 'container.start', outcome: 'succeeded' }) + 2);
      expect(metricSum(m1, 'phoenix_restarts_total', { environment: 'it' })).toBe(2);
      expect(metricSum(m1, 'phoenix_last_successful_reconcile_timestamp_seconds', { environment: 'it' })).toBeGreaterThan(Date.now() / 1000 - 60);
      expect(metricSum(m1, 'phoenix_events_dropped_total')).toBe(0);

      expect(await watch.stop()).toBe(0);
      // Stopped: nothing listens any more.
      await expect(httpGet(`${watch.url}/healthz`, 2000)).rejects.toThrow();
    } finally {
      await filtered.close();
      await everything.close();
    }
  });

  it('an edit of policy.events replaces the sinks without restarting watch', async () => {
    const project = suite.project();
    const first = await receiver();
    const second = await receiver();
    try {
      const policy = (url: string): Record<string, unknown> => ({ prune: false, health: { backoff: { initial: '500ms', max: '2s' } }, events: { webhooks: [{ url, types: ['container.*'] }] } });
      project.writeEnvironment({ policy: policy(first.url) });
      project.writeCompose({ services: { app: service() } });
      const watch = await startWatch(project);
      const app = project.container('app');
      const before = await waitForContainer(app, 'running', 30_000, (c) => c.running);

      // Point the policy at the second receiver; wait for the reload's reconcile.
      const from = watch.events().length;
      project.writeEnvironment({ policy: policy(second.url) });
      await watch.waitForEvent('the reconcile of the edit', 15_000, (e) => e.event === 'reconcile.succeeded' && String(e.data.trigger).includes('manifest changed'), from);
      const firstCount = first.received.length;

      await podman(['kill', app]);
      await waitForContainer(app, 'running again', 30_000, (c) => c.running && c.startedAt !== before.startedAt);
      await eventually('the restart at the new webhook', 15_000, () => Promise.resolve(second.received.some((e) => e.type === 'io.phoenix.container.restarted') ? true : undefined));
      // The old sink got nothing after the edit, and the new one only what its filter lets through.
      expect(first.received.length).toBe(firstCount);
      for (const e of second.received) expect(e.type).toMatch(/^io\.phoenix\.container\./);
      expect(await watch.stop()).toBe(0);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('a canary secret value never appears in the logs, the events file, /metrics, /status or /events', async () => {
    const project = suite.project();
    const canaries = [`phxit-canary-${randomBytes(12).toString('hex')}`, `phxit-canary-${randomBytes(12).toString('hex')}`];
    const eventsFile = path.join(project.dir, 'events.jsonl');
    project.writeEnvironment({ policy: { prune: false, health: { backoff: { initial: '500ms', max: '2s' } }, events: { file: { path: '../events.jsonl', types: ['*'] } } } });
    const consumer = service({ secrets: ['token'], command: loopAfter('cp /run/secrets/token /tmp/seen') });
    project.writeCompose({ services: { consumer, other: service() }, secrets: { token: { file: './token.txt' } } });
    project.writeFile('environments/compose/token.txt', canaries[0]!);
    const watch = await startWatch(project, ['--log-level', 'debug']);
    const sse = sseClient(`${watch.url}/events`);
    await sse.opened;
    const name = project.container('consumer');
    const first = await waitForContainer(name, 'running', 30_000, (c) => c.running);
    expect(await podman(['exec', name, 'cat', '/tmp/seen'])).toBe(canaries[0]);

    // Rotate: the consumer is recreated with the new value; then kill it, for more output.
    const from = watch.events().length;
    project.writeFile('environments/compose/token.txt', canaries[1]!);
    const rotated = await waitForContainer(name, 'recreated', 30_000, (c) => c.running && c.id !== first.id);
    await watch.waitForEvent('secret.rotated', 15_000, (e) => e.event === 'secret.rotated', from);
    expect(await podman(['exec', name, 'cat', '/run/secrets/token'])).toBe(canaries[1]);
    await podman(['kill', name]);
    await waitForContainer(name, 'running again', 30_000, (c) => c.running && c.startedAt !== rotated.startedAt);
    await eventually('the restart in the events file', 15_000, () => Promise.resolve(readJsonl(eventsFile).some((e) => e.type === 'io.phoenix.container.restarted') ? true : undefined));

    const outputs: Record<string, string> = {
      '/metrics': (await watch.get('/metrics')).body,
      '/status': (await watch.get('/status')).body,
      'events file': readFileSync(eventsFile, 'utf8'),
      '/events': sse.raw(),
    };
    sse.close();
    expect(await watch.stop()).toBe(0);
    outputs.logs = watch.stdout();
    outputs.stderr = watch.stderr();
    expect(outputs.logs.split('\n').filter((l) => l.startsWith('{')).length).toBeGreaterThan(20);
    expect(outputs['events file']).toContain('io.phoenix.secret.rotated');
    expect(outputs['/events']).toContain('io.phoenix.secret.rotated');
    for (const [where, text] of Object.entries(outputs)) {
      for (const canary of canaries) expect(text.includes(canary), `${where} contains the secret`).toBe(false);
    }
  });
});
