/**
 * The `logs -f` follower against a TEST DOUBLE of the Podman module's inspector (not Podman:
 * test/integration/logs-follow.test.ts runs the same across a real recreate). The double holds
 * a list of containers the test edits and one log stream per container that the test feeds
 * and ends, as `podman logs -f` ends when its container stops.
 */
import { describe, expect, it } from 'vitest';
import type { FollowNotice, LogSlot } from '../src/cli/log-follower.js';
import { followLogs, pickContainer, timeNanos } from '../src/cli/log-follower.js';
import { noticeLine } from '../src/cli/logs-command.js';
import { parseLogSince } from '../src/cli/log-since.js';
import type { LogLine, LogOptions, ServiceContainer } from '../src/podman/podman-client.js';
import { PodmanError } from '../src/podman/podman-error.js';

interface Stream {
  readonly id: string;
  readonly options: LogOptions;
  emit(text: string, time: string): void;
  end(): void;
}

class InspectorDouble {
  containers: ServiceContainer[] = [];
  readonly streams: Stream[] = [];
  lists = 0;
  /** Ids whose next stream fails as a container removed under it. */
  readonly vanish = new Set<string>();

  listServiceContainers(): Promise<ServiceContainer[]> {
    this.lists += 1;
    return Promise.resolve(this.containers.map((c) => ({ ...c })));
  }

  streamLogs(names: readonly string[], options: LogOptions, onLine: (line: LogLine) => void, signal?: AbortSignal): Promise<void> {
    const id = names[0]!;
    if (this.vanish.delete(id)) return Promise.reject(new PodmanError('PODMAN-NO-SUCH-OBJECT', `no container with name or ID "${id}" found`));
    return new Promise((resolve) => {
      const stream: Stream = { id, options, emit: (text, time) => onLine({ container: id, stream: 'stdout', time, text }), end: resolve };
      this.streams.push(stream);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }
}

function container(id: string, extra: Partial<ServiceContainer> = {}): ServiceContainer {
  return { id, name: 'p-e-web-1', service: 'web', replica: 1, running: true, createdMs: 1000, startedAt: '2026-12-04T10:00:00.000Z', ...extra };
}

const SLOT: LogSlot = { service: 'web', replica: 1, label: 'p-e-web-1' };

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function start(podman: InspectorDouble, extra: { tail?: number; since?: string; goneAfterMs?: number } = {}) {
  const lines: string[] = [];
  const notices: FollowNotice[] = [];
  const controller = new AbortController();
  let finished = false;
  const done = followLogs({
    podman,
    project: 'p',
    environment: 'e',
    slots: [SLOT],
    onLine: (slot, line) => lines.push(`${slot.label} ${line.text}`),
    onNotice: (notice) => notices.push(notice),
    signal: controller.signal,
    pollMs: 5,
    goneAfterMs: extra.goneAfterMs ?? 50,
    ...(extra.tail === undefined ? {} : { tail: extra.tail }),
    ...(extra.since === undefined ? {} : { since: extra.since }),
  }).finally(() => (finished = true));
  return { lines, notices, controller, done, finished: () => finished };
}

describe('logs -f follows a replica across recreates', () => {
  it('a recreate: the old stream ends, the new container is found by labels and followed from its first line, a marker between', async () => {
    const podman = new InspectorDouble();
    podman.containers = [container('aaa111')];
    const run = start(podman, { tail: 5, since: '2026-12-04T09:00:00.000Z' });
    await until('the first stream', () => podman.streams.length === 1);
    expect(podman.streams[0]!.options).toEqual({ follow: true, tail: 5, since: '2026-12-04T09:00:00.000Z' });
    podman.streams[0]!.emit('old line', '2026-12-04T10:00:01.000000001Z');
    // The recreate: the replacement is created under <name>-next, the original stops.
    podman.containers = [container('aaa111', { running: false }), container('bbb222', { name: 'p-e-web-1-next', running: false, createdMs: 1000, startedAt: null })];
    podman.streams[0]!.end();
    await until('the stream of the replacement', () => podman.streams.length === 2);
    expect(podman.streams[1]!.id).toBe('bbb222');
    // A new container is shown from its beginning: no tail, no since.
    expect(podman.streams[1]!.options).toEqual({ follow: true });
    // Created, not started: its stream ends at once; the follower waits for it to run.
    podman.containers = [container('bbb222', { running: false, startedAt: null })];
    podman.streams[1]!.end();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(podman.streams).toHaveLength(2);
    podman.containers = [container('bbb222', { startedAt: '2026-12-04T10:00:05.000Z' })];
    await until('the stream of the started replacement', () => podman.streams.length === 3);
    podman.streams[2]!.emit('new line', '2026-12-04T10:00:05.100000000Z');
    expect(run.lines).toEqual(['p-e-web-1 old line', 'p-e-web-1 new line']);
    expect(run.notices.map((n) => n.kind)).toEqual(['recreated']);
    expect(noticeLine(run.notices[0]!)).toBe('--- p-e-web-1 recreated (aaa111 → bbb222) ---');
    expect(run.finished()).toBe(false);
    run.controller.abort();
    await run.done;
  });

  it('the same container restarted: one marker, and the resumed stream starts at the last line shown without repeating it', async () => {
    const podman = new InspectorDouble();
    podman.containers = [container('aaa111')];
    const run = start(podman);
    await until('the first stream', () => podman.streams.length === 1);
    podman.streams[0]!.emit('one', '2026-12-04T10:00:01.000000001Z');
    podman.containers = [container('aaa111', { running: false })];
    podman.streams[0]!.end();
    await until('the stopped marker', () => run.notices.length === 1);
    podman.containers = [container('aaa111', { startedAt: '2026-12-04T10:00:09.000Z' })];
    await until('the resumed stream', () => podman.streams.length === 2);
    expect(podman.streams[1]!.options).toEqual({ follow: true, since: '2026-12-04T10:00:01.000000001Z' });
    // Podman's --since includes the line at that very time: it is not shown twice.
    podman.streams[1]!.emit('one', '2026-12-04T10:00:01.000000001Z');
    podman.streams[1]!.emit('two', '2026-12-04T10:00:09.500000000Z');
    expect(run.lines).toEqual(['p-e-web-1 one', 'p-e-web-1 two']);
    expect(run.notices.map((n) => noticeLine(n))).toEqual(['--- p-e-web-1 stopped (aaa111); following on when it starts again ---', '--- p-e-web-1 started again (aaa111) ---']);
    run.controller.abort();
    await run.done;
  });

  it('a container removed under its stream (a recreate in progress) is looked for again, not an error', async () => {
    const podman = new InspectorDouble();
    podman.containers = [container('aaa111')];
    const run = start(podman);
    await until('the first stream', () => podman.streams.length === 1);
    podman.containers = [container('bbb222', { createdMs: 2000 })];
    podman.vanish.add('bbb222');
    podman.streams[0]!.end();
    // The first try at bbb222 fails as removed; the next one streams it.
    await until('the stream of bbb222', () => podman.streams.length === 2);
    expect(podman.streams[1]!.id).toBe('bbb222');
    expect(run.finished()).toBe(false);
    run.controller.abort();
    await run.done;
  });

  it('a service removed for good: a "gone" marker after the grace period, and the follow ends by itself', async () => {
    const podman = new InspectorDouble();
    podman.containers = [container('aaa111')];
    const run = start(podman, { goneAfterMs: 40 });
    await until('the first stream', () => podman.streams.length === 1);
    podman.containers = [];
    podman.streams[0]!.end();
    await run.done;
    expect(run.notices.map((n) => n.kind)).toEqual(['gone']);
    expect(noticeLine(run.notices[0]!)).toMatch(/^--- p-e-web-1 removed: no container of service web replica 1 for 0.04 s ---$/);
  });

  it('a slot empty for less than the grace period (removed, then created again) is followed on', async () => {
    const podman = new InspectorDouble();
    podman.containers = [container('aaa111')];
    const run = start(podman, { goneAfterMs: 500 });
    await until('the first stream', () => podman.streams.length === 1);
    podman.containers = [];
    podman.streams[0]!.end();
    await new Promise((resolve) => setTimeout(resolve, 30));
    podman.containers = [container('ccc333', { createdMs: 3000 })];
    await until('the stream of ccc333', () => podman.streams.length === 2);
    expect(run.notices.map((n) => n.kind)).toEqual(['recreated']);
    run.controller.abort();
    await run.done;
  });

  it('other Podman failures end the follow with the error', async () => {
    const podman = new InspectorDouble();
    podman.containers = [container('aaa111')];
    podman.streamLogs = () => Promise.reject(new PodmanError('PODMAN-TIMEOUT', 'podman logs did not answer'));
    const run = start(podman);
    await expect(run.done).rejects.toThrow('podman logs did not answer');
  });
});

describe('pickContainer', () => {
  it('prefers a running container, then the newest, then one that is not the current one', () => {
    const old = container('old', { running: false, createdMs: 1000 });
    const next = container('next', { running: false, createdMs: 1000, startedAt: null });
    expect(pickContainer([old, next], 'old')!.id).toBe('next');
    expect(pickContainer([old, container('run', { createdMs: 500 })], 'old')!.id).toBe('run');
    expect(pickContainer([old, container('newer', { running: false, createdMs: 2000 })], null)!.id).toBe('newer');
    expect(pickContainer([], null)).toBeNull();
  });
});

describe('timeNanos', () => {
  it('orders RFC 3339 times to the nanosecond, zones included', () => {
    expect(timeNanos('2026-12-04T18:51:16.192840532Z')! < timeNanos('2026-12-04T18:51:16.192840533Z')!).toBe(true);
    expect(timeNanos('2026-12-04T19:51:16.5+01:00')).toBe(timeNanos('2026-12-04T18:51:16.500000000Z'));
    expect(timeNanos('yesterday')).toBeNull();
  });
});

describe('logs --since', () => {
  const NOW = Date.parse('2026-12-04T12:00:00.000Z');
  it('takes a duration before now, a time, a date or Unix seconds, as an RFC 3339 time', () => {
    expect(parseLogSince('10m', NOW)).toBe('2026-12-04T11:50:00.000Z');
    expect(parseLogSince('1h30m', NOW)).toBe('2026-12-04T10:30:00.000Z');
    expect(parseLogSince('2026-12-04T08:00:00Z', NOW)).toBe('2026-12-04T08:00:00.000Z');
    expect(parseLogSince('2026-12-04T09:00:00+01:00', NOW)).toBe('2026-12-04T08:00:00.000Z');
    expect(parseLogSince('2026-12-04T08:00', NOW)).toBe('2026-12-04T08:00:00.000Z');
    expect(parseLogSince('2026-12-04', NOW)).toBe('2026-12-04T00:00:00.000Z');
    expect(parseLogSince('1796407200', NOW)).toBe('2026-12-04T18:00:00.000Z');
  });

  it('refuses what is neither', () => {
    for (const bad of ['', 'yesterday', '10 minutes', '2026-13-45', '-5m', '2026-12-04T25:00:00Z']) expect(parseLogSince(bad, NOW), bad).toBeNull();
  });
});
