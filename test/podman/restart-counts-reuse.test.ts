/**
 * RestartCounts reads Podman's restart count only for containers whose count may have changed
 * (pure: the reader is a counting fake; the real inspects are in test/podman/podman-cli.test.ts).
 * Watch observed 1,000 containers with 1,000 inspect requests per reconcile before.
 */
import { describe, expect, it } from 'vitest';
import type { ObservedContainer, ObservedState } from '../../src/model/observed.js';
import { EMPTY_OBSERVED } from '../../src/model/observed.js';
import { RestartCounts, SETTLED_MS } from '../../src/podman/restart-counts.js';

const NOW = Date.parse('2026-12-05T00:00:00Z');
const OLD_START = new Date(NOW - 60_000).toISOString();

function container(i: number, overrides: Partial<ObservedContainer> = {}): ObservedContainer {
  return { id: `id-${i}`, name: `p-s${i}-1`, labels: { 'io.phoenix.project': 'p' }, state: 'running', exitCode: null, image: 'img', imageId: 'sha256:img', startedAt: OLD_START, health: 'none', restartCount: 0, ...overrides };
}

function stateOf(containers: ObservedContainer[]): ObservedState {
  return { ...EMPTY_OBSERVED, containers };
}

/** A reader that answers `counts` (default 0) and records every name it was asked for. */
function countingReader(counts: Record<string, number> = {}) {
  const asked: string[][] = [];
  const read = (names: readonly string[]) => {
    asked.push([...names]);
    return Promise.resolve(new Map(names.map((n) => [n, counts[n] ?? 0])));
  };
  return { asked, read };
}

const owned = (c: ObservedContainer): boolean => c.labels['io.phoenix.project'] === 'p';

describe('RestartCounts', () => {
  it('reads every container once, then none while the list shows them as they were', async () => {
    const cache = new RestartCounts();
    const containers = Array.from({ length: 1000 }, (_, i) => container(i));
    const reader = countingReader({ 'p-s7-1': 3 });
    const first = await cache.fill(stateOf(containers), owned, NOW, reader.read);
    expect(reader.asked.flat()).toHaveLength(1000);
    expect(first.containers.find((c) => c.name === 'p-s7-1')?.restartCount).toBe(3);
    const second = await cache.fill(stateOf(containers), owned, NOW + 10_000, reader.read);
    expect(reader.asked).toHaveLength(1); // no second read at all
    expect(second.containers.find((c) => c.name === 'p-s7-1')?.restartCount).toBe(3);
  });

  it('reads again a container that started again, changed state or is new, and forgets removed ones', async () => {
    const cache = new RestartCounts();
    const reader = countingReader();
    await cache.fill(stateOf([container(1), container(2), container(3)]), owned, NOW, reader.read);
    const restarted = container(1, { startedAt: new Date(NOW - 5000).toISOString() });
    const exited = container(2, { state: 'exited', exitCode: 1 });
    const fresh = container(4);
    const counts = countingReader({ 'p-s1-1': 1, 'p-s2-1': 0, 'p-s4-1': 0 });
    const after = await cache.fill(stateOf([restarted, exited, fresh]), owned, NOW + 10_000, counts.read);
    expect(counts.asked).toEqual([['p-s1-1', 'p-s2-1', 'p-s4-1']]);
    expect(after.containers.find((c) => c.name === 'p-s1-1')?.restartCount).toBe(1);
    // container 3 was removed: when a container with its id shows up again it is read again.
    const back = countingReader();
    await cache.fill(stateOf([restarted, exited, fresh, container(3)]), owned, NOW + 20_000, back.read);
    expect(back.asked).toEqual([['p-s3-1']]);
  });

  it(`keeps reading a container started less than ${SETTLED_MS} ms before the list (a second start within the same listed second would look the same)`, async () => {
    const cache = new RestartCounts();
    const recent = container(1, { startedAt: new Date(NOW - 500).toISOString() });
    const reader = countingReader({ 'p-s1-1': 1 });
    await cache.fill(stateOf([recent]), owned, NOW, reader.read);
    const again = await cache.fill(stateOf([recent]), owned, NOW, reader.read);
    expect(reader.asked).toEqual([['p-s1-1'], ['p-s1-1']]);
    expect(again.containers[0]?.restartCount).toBe(1);
    // Once settled, it is kept.
    await cache.fill(stateOf([recent]), owned, NOW + SETTLED_MS, reader.read);
    await cache.fill(stateOf([recent]), owned, NOW + SETTLED_MS + 1, reader.read);
    expect(reader.asked).toHaveLength(3);
  });

  it('leaves other projects alone and keeps the counts it knew when a read fails', async () => {
    const cache = new RestartCounts();
    const foreign = container(9, { labels: { 'io.phoenix.project': 'other' } });
    const reader = countingReader({ 'p-s1-1': 2 });
    await cache.fill(stateOf([container(1), foreign]), owned, NOW, reader.read);
    expect(reader.asked).toEqual([['p-s1-1']]);
    const failing = (): Promise<null> => Promise.resolve(null);
    const state = await cache.fill(stateOf([container(1), container(5)]), owned, NOW + 1000, failing);
    expect(state.containers.map((c) => c.restartCount)).toEqual([2, 0]);
  });
});
