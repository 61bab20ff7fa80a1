/**
 * The page's pure parts (src/page/browser/ without the DOM): durations, the state shown for a
 * container that died after /status last looked, and the one-line event descriptions.
 */
import { describe, expect, it } from 'vitest';
import type { PhoenixEvent } from '../../src/events/event-types.js';
import { deathsFrom, shownState } from '../../src/page/browser/container-state.js';
import { describeEvent, kindOf } from '../../src/page/browser/describe-event.js';
import { formatDuration, since } from '../../src/page/browser/format.js';

function died(container: string, time: string, exitCode: number | null = 137): PhoenixEvent {
  return { specversion: '1.0', id: `${container}-${time}`, source: 'phoenix://p/dev', type: 'io.phoenix.container.died', time, datacontenttype: 'application/json', severity: 'medium', project: 'p', environment: 'dev', data: { container, exitCode } };
}

describe('formatDuration and since', () => {
  it('write at most two units, from seconds to days', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(45_900)).toBe('45s');
    expect(formatDuration(12 * 60_000 + 3000)).toBe('12m 3s');
    expect(formatDuration(5 * 3_600_000 + 2 * 60_000 + 59_000)).toBe('5h 2m');
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe('3d 4h');
    expect(formatDuration(-5000)).toBe('0s');
    expect(since('2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:01:30Z'))).toBe('1m 30s');
    expect(since(null, 0)).toBeNull();
    expect(since('not a time', 0)).toBeNull();
  });
});

describe('shownState', () => {
  const running = { name: 'web-1', state: 'running', startedAt: '2026-01-01T00:00:00.123456789Z', exitCode: 0 };
  it('shows a container as exited while /status still shows it running from before its death', () => {
    const deaths = deathsFrom([died('web-1', '2026-01-01T00:05:00Z')]);
    expect(shownState(running, deaths)).toEqual({ state: 'exited', exitCode: 137 });
    expect(shownState({ ...running, startedAt: null }, deaths).state).toBe('exited');
  });
  it('shows what /status says once it shows a start after the death, or another state, or no death', () => {
    const deaths = deathsFrom([died('web-1', '2026-01-01T00:05:00Z'), died('web-1', '2025-12-31T00:00:00Z')]);
    expect(shownState({ ...running, startedAt: '2026-01-01T00:05:01.5Z' }, deaths)).toEqual({ state: 'running', exitCode: 0 });
    expect(shownState({ ...running, state: 'exited', exitCode: 1 }, deaths)).toEqual({ state: 'exited', exitCode: 1 });
    expect(shownState({ ...running, name: 'worker-1' }, deaths).state).toBe('running');
    // A reconcile that finished after the death observed Podman since: /status is believed.
    expect(shownState(running, deaths, '2026-01-01T00:05:02Z').state).toBe('running');
    expect(shownState(running, deaths, '2026-01-01T00:04:59Z').state).toBe('exited');
    // The newest death counts, whatever the order of the list.
    expect(deaths.get('web-1')?.time).toBe('2026-01-01T00:05:00Z');
  });
});

describe('describeEvent', () => {
  it('says what happened in one line, and falls back to the data for kinds without a line', () => {
    const event = died('web-1', '2026-01-01T00:05:00Z');
    expect(kindOf(event)).toBe('container.died');
    expect(describeEvent(event)).toBe('web-1 died (exit 137)');
    expect(describeEvent(died('web-1', '2026-01-01T00:05:00Z', null))).toBe('web-1 died');
    const other = { ...event, type: 'io.phoenix.security.drift', data: { container: 'web-1', privileges: ['privileged'] } } as PhoenixEvent;
    expect(describeEvent(other)).toBe('container=web-1');
  });
});
