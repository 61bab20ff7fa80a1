/**
 * JsonlFileSink on real files in a temporary directory: one parseable line per event, the
 * bus filter decides what is written, size rotation keeps `keep` files, gzip works.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/event-bus.js';
import type { PhoenixEvent } from '../../src/events/event-types.js';
import { JsonlFileSink } from '../../src/events/sinks/jsonl-file-sink.js';
import { reconcileStarted, restarted } from './event-fixtures.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phoenix-jsonl-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function parseLines(text: string): PhoenixEvent[] {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as PhoenixEvent);
}

describe('JsonlFileSink', () => {
  it('writes each event as one JSON line and flushes on close', async () => {
    const path = join(dir, 'nested', 'events.jsonl');
    const sink = new JsonlFileSink({ path });
    const events = [restarted('web'), reconcileStarted(), restarted('db')];
    events.forEach(sink.handle);
    await sink.close();
    expect(parseLines(await readFile(path, 'utf8'))).toEqual(events);
  });

  it('writes only what the bus filter lets through', async () => {
    const path = join(dir, 'events.jsonl');
    const sink = new JsonlFileSink({ path });
    const bus = new EventBus();
    bus.subscribe({ types: ['container.*'], environments: ['dev'] }, sink.handle);
    const wanted = restarted('web', 'dev');
    bus.publish(reconcileStarted('dev'));
    bus.publish(wanted);
    bus.publish(restarted('web', 'prod'));
    await sink.close();
    expect(parseLines(await readFile(path, 'utf8'))).toEqual([wanted]);
  });

  it('rotates by size and keeps only `keep` rotated files, lines intact and in order', async () => {
    const path = join(dir, 'events.jsonl');
    const lineBytes = Buffer.byteLength(`${JSON.stringify(restarted('web'))}\n`);
    // About two lines per file; 12 events need ~6 files, so rotation must delete some.
    const sink = new JsonlFileSink({ path, maxBytes: lineBytes * 2, keep: 2 });
    const events = Array.from({ length: 12 }, () => restarted('web'));
    events.forEach(sink.handle);
    await sink.close();

    expect((await readdir(dir)).sort()).toEqual(['events.jsonl', 'events.jsonl.1', 'events.jsonl.2']);
    const oldestFirst = [`${path}.2`, `${path}.1`, path];
    const kept = (await Promise.all(oldestFirst.map((file) => readFile(file, 'utf8')))).flatMap((text) => (text === '' ? [] : parseLines(text)));
    for (const file of oldestFirst.slice(0, 2)) expect((await readFile(file)).length).toBeGreaterThanOrEqual(lineBytes * 2);
    // What is kept is the newest events, contiguous and in order.
    expect(kept).toEqual(events.slice(events.length - kept.length));
    expect(kept.length).toBeGreaterThanOrEqual(4);
  });

  it('gzips rotated files when asked', async () => {
    const path = join(dir, 'events.jsonl');
    const first = restarted('web');
    const sink = new JsonlFileSink({ path, maxBytes: 10, keep: 3, gzip: true });
    sink.handle(first);
    sink.handle(restarted('db'));
    await sink.close();
    expect(await readdir(dir)).toContain('events.jsonl.2.gz');
    expect(parseLines(gunzipSync(await readFile(`${path}.2.gz`)).toString('utf8'))).toEqual([first]);
  });

  it('drops and counts events handed over after close', async () => {
    const dropped: string[] = [];
    const sink = new JsonlFileSink({ path: join(dir, 'events.jsonl'), onDrop: (_event, reason) => dropped.push(reason) });
    await sink.close();
    sink.handle(restarted('web'));
    expect(sink.dropped).toBe(1);
    expect(dropped).toEqual(['closed']);
    await sink.close(); // idempotent
  });
});
