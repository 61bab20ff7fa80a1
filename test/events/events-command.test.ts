/**
 * `phoenix events`, in-process on real files and a real telemetry server: the event log is
 * written by the real JSONL file sink from the bus, the live stream served by the real SSE hub
 * behind startTelemetryServer (what watch runs). No Podman: events are published on the bus.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventLine, parseSeverities, summarise } from '../../src/cli/events-command.js';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { EventBus } from '../../src/events/event-bus.js';
import { EventLogTail, parseEventLine, readRecentEvents } from '../../src/events/event-log.js';
import type { PhoenixEvent } from '../../src/events/event-types.js';
import { JsonlFileSink } from '../../src/events/sinks/jsonl-file-sink.js';
import { SseHub } from '../../src/events/sinks/sse-hub.js';
import { SseFrameParser, eventsUrl, followEventStream, telemetryBase } from '../../src/events/sse-client.js';
import { startTelemetryServer } from '../../src/telemetry/http-server.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { event, restarted, waitFor } from './event-fixtures.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'phoenix-events-test-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A folder with environments/dev.yaml (project phoenix-hydra) whose policy.events.file is `events.jsonl`, when `withLog`. */
function workspace(withLog = true): { dir: string; log: string } {
  const dir = mkdtempSync(path.join(tmp, 'ws-'));
  mkdirSync(path.join(dir, 'environments'));
  const policy = withLog ? 'policy:\n  events:\n    file:\n      path: ../events.jsonl\n' : '';
  writeFileSync(path.join(dir, 'environments', 'dev.yaml'), `project: phoenix-hydra\ncompose: [compose.yaml]\n${policy}`);
  writeFileSync(path.join(dir, 'environments', 'compose.yaml'), 'services:\n  web:\n    image: busybox:1\n');
  return { dir, log: path.join(dir, 'events.jsonl') };
}

function run(dir: string, argv: readonly string[], signal?: AbortSignal) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    env: { HOME: tmp },
    cwd: dir,
    interactive: false,
    confirm: () => Promise.resolve(false),
    ...(signal === undefined ? {} : { signal }),
  };
  const done = main(['events', '--env', 'dev', '--state-dir', path.join(dir, 'state'), ...argv], io);
  return { done, stdout: () => stdout, stderr: () => stderr };
}

/** Publishes events through a bus with the real JSONL sink on `log`, and closes it (flushed). */
async function writeLog(log: string, events: readonly PhoenixEvent[]): Promise<void> {
  const bus = new EventBus();
  const sink = new JsonlFileSink({ path: log });
  bus.subscribe({}, sink.handle);
  for (const e of events) bus.publish(e);
  await sink.close();
}

const died = (service: string, environment = 'dev'): PhoenixEvent => event('container.died', { container: `phoenix-hydra-dev-${service}-1`, exitCode: 137 }, { service, environment });
const failed = (): PhoenixEvent => event('reconcile.failed', { trigger: 'timer', error: { code: 'PODMAN-TIMEOUT', message: 'podman ps did not answer', remediation: 'look at podman' }, durationMs: 10, verdict: null });
const crashLoop = (service: string): PhoenixEvent => event('service.crash-looping', { restarts: 5, windowMs: 600_000, lastError: 'exit 1', container: `phoenix-hydra-dev-${service}-1`, exitCode: 1, logLines: ['boom'] }, { service });

describe('phoenix events: the recent events from the event log', () => {
  it('prints the last events of the environment, filtered by type pattern, severity and service; --json prints the CloudEvents', async () => {
    const { dir, log } = workspace();
    const events = [restarted('web'), died('db'), failed(), restarted('web', 'prod'), crashLoop('web'), died('web')];
    await writeLog(log, events);
    appendFileSync(log, '{"cut short by a cra\n');

    const all = run(dir, []);
    expect(await all.done).toBe(0);
    const lines = all.stdout().trim().split('\n');
    // prod's event is another environment's: left out.
    expect(lines.map((l) => l.split(/\s+/)[2])).toEqual(['container.restarted', 'container.died', 'reconcile.failed', 'service.crash-looping', 'container.died']);
    expect(lines[2]).toBe(eventLine(events[2]!, false));
    expect(lines[2]).toMatch(/ high {5}reconcile\.failed {9}- {12}trigger=timer error\.code=PODMAN-TIMEOUT error\.message="podman ps did not answer" error\.remediation="look at podman" durationMs=10 verdict=null$/);
    expect(all.stderr()).toContain('1 line(s) of the log are not events and were skipped');

    const containers = run(dir, ['--type', 'container.*', '--service', 'web']);
    expect(await containers.done).toBe(0);
    expect(containers.stdout().trim().split('\n').map((l) => l.split(/\s+/)[2])).toEqual(['container.restarted', 'container.died']);

    const serious = run(dir, ['--severity', 'high+', '--json']);
    expect(await serious.done).toBe(0);
    const parsed = serious.stdout().trim().split('\n').map((l) => JSON.parse(l) as PhoenixEvent);
    expect(parsed.map((e) => e.id)).toEqual([events[2]!.id, events[4]!.id]);
    expect(parsed[1]).toEqual(events[4]);

    const globbed = run(dir, ['--type', '*.failed,service.*']);
    expect(await globbed.done).toBe(0);
    expect(globbed.stdout().trim().split('\n').map((l) => l.split(/\s+/)[2])).toEqual(['reconcile.failed', 'service.crash-looping']);

    const last = run(dir, ['--tail', '2']);
    expect(await last.done).toBe(0);
    expect(last.stdout().trim().split('\n').map((l) => l.split(/\s+/)[2])).toEqual(['service.crash-looping', 'container.died']);
    // The fixtures are dated 2025: none is within the last hour.
    const recent = run(dir, ['--since', '1h']);
    expect(await recent.done).toBe(0);
    expect(recent.stdout()).toBe('');
  });

  it('reads the newest rotated file before the live one', async () => {
    const { log } = workspace();
    const older = restarted('web');
    const newer = died('web');
    await writeLog(`${log}.1`, [older]);
    await writeLog(log, [newer]);
    expect(readRecentEvents(log, (e) => e.environment === 'dev', 10).events.map((e) => e.id)).toEqual([older.id, newer.id]);
  });

  it('without an event log and without -f: PHX-EVENTS-NO-LOG, exit 1; a log not written yet: nothing, exit 0', async () => {
    const none = run(workspace(false).dir, []);
    expect(await none.done).toBe(1);
    expect(none.stderr()).toContain('error PHX-EVENTS-NO-LOG environment dev keeps no event log (policy.events.file)');
    const notYet = run(workspace().dir, []);
    expect(await notYet.done).toBe(0);
    expect(notYet.stdout()).toBe('');
    expect(notYet.stderr()).toContain('no events yet');
  });

  it('refuses bad filters with what it takes, exit 1', async () => {
    const { dir } = workspace();
    const badType = run(dir, ['--type', 'container.(died|restarted)']);
    expect(await badType.done).toBe(1);
    expect(badType.stderr()).toContain('--type takes an event kind or a pattern with *');
    const badSeverity = run(dir, ['--severity', 'urgent']);
    expect(await badSeverity.done).toBe(1);
    expect(badSeverity.stderr()).toContain('--severity takes info, low, medium, high, critical');
    expect(parseSeverities(['medium+'])).toEqual(['medium', 'high', 'critical']);
    expect(parseSeverities(['info', 'critical'])).toEqual(['info', 'critical']);
  });
});

describe('phoenix events -f: the live stream of a running watch, and the log', () => {
  it("follows the watch's /events (SSE), each event once though the log carries it too, filtered, until interrupted (exit 0)", async () => {
    const { dir, log } = workspace();
    const before = restarted('web');
    await writeLog(log, [before]);
    // What watch runs: the bus, the JSONL sink on the log, the SSE hub behind the telemetry server.
    const bus = new EventBus();
    const sink = new JsonlFileSink({ path: log });
    const hub = new SseHub();
    bus.subscribe({}, sink.handle);
    bus.subscribe({}, hub.handle);
    const server = await startTelemetryServer({ host: '127.0.0.1', port: 0, metrics: new Metrics({ processMetrics: false }), sseHub: hub, status: () => ({}), ready: () => ({ ready: true }), healthy: () => true });
    const controller = new AbortController();
    try {
      const follow = run(dir, ['-f', '--url', server.url, '--type', 'container.*'], controller.signal);
      await waitFor(() => hub.clientCount === 1, 5000, 'the follower to connect');
      await waitFor(() => follow.stdout().includes(before.id) || follow.stdout().includes('container.restarted'), 5000, 'the recent event');
      const live = [died('web'), failed(), died('db', 'prod'), restarted('db')];
      for (const e of live) bus.publish(e);
      await waitFor(() => follow.stdout().trim().split('\n').length >= 3, 5000, 'the live events');
      // Let the log poll run at least twice: the same events in the log must not print again.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const kinds = follow.stdout().trim().split('\n').map((l) => `${l.split(/\s+/)[2]} ${l.split(/\s+/)[3]}`);
      expect(kinds).toEqual(['container.restarted web', 'container.died web', 'container.restarted db']);
      expect(follow.stderr()).toContain(`following the watch at ${server.url}/events`);
      controller.abort();
      expect(await follow.done).toBe(0);
    } finally {
      controller.abort();
      await server.close();
      await sink.close();
    }
  });

  it('with no watch answering, says so and follows the log alone', async () => {
    const { dir, log } = workspace();
    await writeLog(log, []);
    const controller = new AbortController();
    // A port nothing listens on: the telemetry server of a watch that is not running.
    const closed = await startTelemetryServer({ host: '127.0.0.1', port: 0, metrics: new Metrics({ processMetrics: false }), sseHub: new SseHub(), status: () => ({}), ready: () => ({ ready: true }), healthy: () => true });
    const url = closed.url;
    await closed.close();
    const follow = run(dir, ['-f', '--url', url], controller.signal);
    await waitFor(() => follow.stderr().includes('is phoenix watch running?'), 5000, 'the note');
    const appended = died('web');
    await writeLog(log, [appended]);
    await waitFor(() => follow.stdout().includes('container.died'), 5000, 'the appended event');
    controller.abort();
    expect(await follow.done).toBe(0);
  });
});

describe('event log and stream pieces', () => {
  it('parseEventLine takes CloudEvents of Phoenix only', () => {
    const e = died('web');
    expect(parseEventLine(JSON.stringify(e))).toEqual(e);
    expect(parseEventLine('{"specversion":"1.0","id":"x","type":"com.other.thing","time":"t","severity":"info","environment":"dev","project":"p","data":{}}')).toBeNull();
    expect(parseEventLine('not json')).toBeNull();
    expect(parseEventLine(JSON.stringify({ ...e, severity: 'urgent' }))).toBeNull();
  });

  it('EventLogTail: appended lines only, a partial line when complete, and a rotation from the start of the new file', () => {
    const { log } = workspace();
    writeFileSync(log, `${JSON.stringify(died('old'))}\n`);
    const tail = new EventLogTail(log);
    expect(tail.poll().events).toEqual([]);
    const [a, b, c] = [died('a'), died('b'), died('c')];
    const lineB = JSON.stringify(b);
    appendFileSync(log, `${JSON.stringify(a)}\n${lineB.slice(0, 10)}`);
    expect(tail.poll().events).toEqual([a]);
    appendFileSync(log, `${lineB.slice(10)}\n`);
    expect(tail.poll().events).toEqual([b]);
    // Rotated: a new, shorter file.
    rmSync(log);
    writeFileSync(log, `${JSON.stringify(c)}\n`);
    expect(tail.poll().events).toEqual([c]);
  });

  it('SseFrameParser joins data lines and splits frames across chunks; urls and bases', () => {
    const parser = new SseFrameParser();
    expect(parser.push('retry: 3000\n\nid: 1\nevent: x\ndata: {"a"')).toEqual([]);
    expect(parser.push(':1}\n\n: ping\n\ndata: one\r\ndata: two\r\n\r\n')).toEqual(['{"a":1}', 'one\ntwo']);
    expect(eventsUrl('http://127.0.0.1:9464', { types: ['container.*'], environments: ['dev'], services: ['web', 'db'] })).toBe('http://127.0.0.1:9464/events?types=container.*&environments=dev&services=web%2Cdb');
    expect(telemetryBase('0.0.0.0', 9464)).toBe('http://127.0.0.1:9464');
    expect(telemetryBase('::1', 9464)).toBe('http://[::1]:9464');
  });

  it('followEventStream rejects when the address is not an event stream', async () => {
    const server = await startTelemetryServer({ host: '127.0.0.1', port: 0, metrics: new Metrics({ processMetrics: false }), sseHub: new SseHub(), status: () => ({}), ready: () => ({ ready: true }), healthy: () => true });
    try {
      await expect(followEventStream(`${server.url}/status`, () => undefined, new AbortController().signal)).rejects.toThrow('not an event stream');
    } finally {
      await server.close();
    }
  });

  it('summarise: scalars as key=value, quoted when they need it, lists counted, objects one level deep', () => {
    expect(summarise({ container: 'web-1', exitCode: null, reason: 'health check failed', logLines: ['a', 'b'], error: { code: 'X' } })).toBe('container=web-1 exitCode=null reason="health check failed" logLines=[2 items] error.code=X');
  });
});
