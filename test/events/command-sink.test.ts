/** The command sink with real processes (sh from the host): stdin, environment, filter, timeout kill, concurrency bound. */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventBus, makeEvent } from '../../src/events/event-bus.js';
import type { PhoenixEvent } from '../../src/events/event-types.js';
import type { CommandOutcome } from '../../src/events/sinks/command-sink.js';
import { CommandSink } from '../../src/events/sinks/command-sink.js';

const died = (id: string, exitCode = 3): PhoenixEvent => makeEvent('container.died', { project: 'shop', environment: 'dev', service: 'web' }, { container: 'shop-dev-web-1', exitCode }, id, new Date(0));
const healthy = (id: string): PhoenixEvent => makeEvent('container.healthy', { project: 'shop', environment: 'dev', service: 'web' }, { container: 'shop-dev-web-1' }, id, new Date(0));

function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = (): void => (condition() ? resolve() : Date.now() > deadline ? reject(new Error('timed out waiting')) : void setTimeout(tick, 20));
    tick();
  });
}

describe('CommandSink', () => {
  it('hands the event as JSON on stdin, with a minimal environment, and reports the outcome', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'phoenix-command-sink-'));
    const outcomes: CommandOutcome[] = [];
    process.env.PHOENIX_TEST_SECRET_IN_ENV = 'do-not-pass-me';
    try {
      const sink = new CommandSink({ argv: ['sh', '-c', 'cat > "$0/event.json"; env > "$0/env.txt"; exit 4', dir], onOutcome: (o) => outcomes.push(o) });
      sink.handle(died('e1'));
      await sink.close();
    } finally {
      delete process.env.PHOENIX_TEST_SECRET_IN_ENV;
    }
    expect(JSON.parse(readFileSync(path.join(dir, 'event.json'), 'utf8'))).toMatchObject({ id: 'e1', type: 'io.phoenix.container.died', data: { exitCode: 3 } });
    const env = readFileSync(path.join(dir, 'env.txt'), 'utf8');
    expect(env).toContain('PHOENIX_EVENT_TYPE=io.phoenix.container.died');
    expect(env).toContain('PHOENIX_SERVICE=web');
    expect(env).not.toContain('do-not-pass-me');
    expect(outcomes).toEqual([expect.objectContaining({ eventId: 'e1', exitCode: 4, signal: null, timedOut: false, spawnError: null })]);
  });

  it('receives only the events its filter passes on the bus (type and severity)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'phoenix-command-sink-'));
    const outcomes: CommandOutcome[] = [];
    const sink = new CommandSink({ argv: ['sh', '-c', 'cat >> "$0/events.jsonl"', dir], onOutcome: (o) => outcomes.push(o) });
    const bus = new EventBus();
    bus.subscribe({ types: ['container.*'], severities: ['medium', 'high', 'critical'] }, sink.handle);
    bus.publish(died('wanted'));
    bus.publish(healthy('info-only'));
    bus.publish(makeEvent('drift.detected', { project: 'shop', environment: 'dev' }, { actions: 1, summary: 's', changes: [] }, 'other-type', new Date(0)));
    await until(() => outcomes.length === 1);
    await sink.close();
    expect(outcomes.map((o) => o.eventId)).toEqual(['wanted']);
  });

  it('kills a command (and what it started) that outlives its timeout', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'phoenix-command-sink-'));
    const outcomes: CommandOutcome[] = [];
    const sink = new CommandSink({ argv: ['sh', '-c', 'sleep 30 & wait; touch "$0/finished"', dir], timeoutMs: 300, onOutcome: (o) => outcomes.push(o) });
    const started = Date.now();
    sink.handle(died('slow'));
    await sink.close();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(outcomes).toEqual([expect.objectContaining({ eventId: 'slow', timedOut: true, exitCode: null, signal: 'SIGKILL' })]);
    expect(existsSync(path.join(dir, 'finished'))).toBe(false);
  });

  it('runs at most maxConcurrent at once, queues the rest in order, and drops past the queue bound', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'phoenix-command-sink-'));
    const outcomes: CommandOutcome[] = [];
    const dropped: string[] = [];
    // Each run records how many runs are in progress (marker files) while it sleeps.
    const script = 'id=$(cat | sed -n "s/.*\\"id\\":\\"\\([^\\"]*\\)\\".*/\\1/p"); touch "$0/run-$id"; ls "$0" | grep -c "^run-" >> "$0/counts"; sleep 0.3; rm "$0/run-$id"';
    const sink = new CommandSink({ argv: ['sh', '-c', script, dir], maxConcurrent: 2, maxQueue: 3, onOutcome: (o) => outcomes.push(o), onDrop: (e, reason) => dropped.push(`${e.id}:${reason}`) });
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) sink.handle(died(id));
    expect(sink.active).toBe(2);
    expect(sink.queued).toBe(3);
    expect(dropped).toEqual(['f:queue-full']);
    await until(() => outcomes.length === 5);
    await sink.close();
    const counts = readFileSync(path.join(dir, 'counts'), 'utf8').trim().split('\n').map(Number);
    expect(counts).toHaveLength(5);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);
    expect(outcomes.every((o) => o.exitCode === 0)).toBe(true);
  });

  it('reports a command that cannot start', async () => {
    const outcomes: CommandOutcome[] = [];
    const sink = new CommandSink({ argv: ['/nonexistent/phoenix-hook'], onOutcome: (o) => outcomes.push(o) });
    sink.handle(died('x'));
    await sink.close();
    expect(outcomes).toEqual([expect.objectContaining({ eventId: 'x', exitCode: null, spawnError: expect.stringContaining('ENOENT') })]);
  });
});
