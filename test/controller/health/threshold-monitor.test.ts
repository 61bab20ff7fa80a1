/**
 * The threshold monitor on virtual time, with a test double for `podman stats` (not Podman;
 * the real one is in test/podman/podman-stats.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/events/event-bus.js';
import type { PhoenixEvent } from '../../../src/events/event-types.js';
import { ThresholdMonitor } from '../../../src/controller/health/threshold-monitor.js';
import type { CallOptions } from '../../../src/podman/podman-client.js';
import type { ContainerStats, StatsSource } from '../../../src/podman/podman-stats.js';
import { FakeTimers } from './fake-timers.js';
import { desired, service } from './health-fixtures.js';

const MiB = 1024 ** 2;

/** TEST DOUBLE of `podman stats`: answers what the test set, records each call's names. */
class StatsTestDouble implements StatsSource {
  readonly calls: (readonly string[])[] = [];
  readonly usage = new Map<string, { memoryBytes: number; cpuTimeNs: number }>();
  failure: Error | null = null;

  async stats(names: readonly string[], _options?: CallOptions): Promise<readonly ContainerStats[]> {
    this.calls.push(names);
    if (this.failure !== null) throw this.failure;
    return names.flatMap((name) => {
      const u = this.usage.get(name);
      return u === undefined ? [] : [{ name, cpuPercent: 0, cpuTimeNs: u.cpuTimeNs, memoryBytes: u.memoryBytes, memoryLimitBytes: 512 * MiB }];
    });
  }
}

let timers: FakeTimers;
let stats: StatsTestDouble;
let events: PhoenixEvent[];
let monitor: ThresholdMonitor;

beforeEach(() => {
  timers = new FakeTimers();
  stats = new StatsTestDouble();
  events = [];
  const bus = new EventBus();
  bus.subscribe({}, (event) => events.push(event));
  monitor = new ThresholdMonitor({ stats, bus, timers, intervalMs: 10_000 });
});
afterEach(async () => {
  await monitor.stop();
});

const thresholds = (sustainedMs = 30_000) => ({ sustainedMs, cpuPercent: null, memoryBytes: null, services: { db: { memoryBytes: 400 * MiB }, web: { cpuPercent: 80 } } });

describe('ThresholdMonitor', () => {
  it('samples every thresholded container in one call per round, and alerts on memory held over the limit, with a recommendation', async () => {
    stats.usage.set('app-test-db-1', { memoryBytes: 450 * MiB, cpuTimeNs: 0 });
    stats.usage.set('app-test-web-1', { memoryBytes: 10 * MiB, cpuTimeNs: 0 });
    monitor.update(desired([service('db', { memoryBytes: 512 * MiB }), service('web'), service('cache')], { thresholds: thresholds() }));
    await timers.advance(25_000);
    expect(stats.calls).toEqual([
      ['app-test-db-1', 'app-test-web-1'],
      ['app-test-db-1', 'app-test-web-1'],
      ['app-test-db-1', 'app-test-web-1'],
    ]);
    expect(events).toEqual([]);
    await timers.advance(5000);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'io.phoenix.threshold.alert',
      subject: 'db',
      severity: 'high',
      data: { container: 'app-test-db-1', metric: 'memory', value: 450 * MiB, limit: 400 * MiB, sustainedMs: 30_000, recommendation: expect.stringContaining('raise deploy.resources.limits.memory') },
    });
    expect(monitor.statusOf('db')).toEqual([{ service: 'db', container: 'app-test-db-1', metric: 'memory', phase: 'alerting', limit: 400 * MiB, value: 450 * MiB, alertedAt: timers.now() }]);
  });

  it('measures CPU between samples from CPU time, not Podman’s average since start', async () => {
    monitor.update(desired([service('web')], { thresholds: thresholds(20_000) }));
    let cpuTimeNs = 0;
    for (let i = 0; i < 5; i += 1) {
      stats.usage.set('app-test-web-1', { memoryBytes: 0, cpuTimeNs });
      await timers.advance(10_000);
      // 9.5 s of CPU in every 10 s: 95% of a core.
      cpuTimeNs += 9.5e9;
    }
    const alert = events.find((e) => e.type === 'io.phoenix.threshold.alert');
    expect(alert?.data).toMatchObject({ metric: 'cpu', limit: 80, recommendation: expect.stringContaining('deploy.resources.limits.cpus') });
    expect((alert?.data as { value: number }).value).toBeCloseTo(95);
  });

  it('resolves once the value has stayed clearly under the limit, and does not flap around it', async () => {
    monitor.update(desired([service('db')], { thresholds: thresholds(20_000) }));
    const memory = [450, 450, 450, 390, 410, 395, 380, 350, 350, 350, 350];
    for (const mib of memory) {
      stats.usage.set('app-test-db-1', { memoryBytes: mib * MiB, cpuTimeNs: 0 });
      await timers.advance(10_000);
    }
    expect(events.map((e) => e.type)).toEqual(['io.phoenix.threshold.alert', 'io.phoenix.threshold.resolved']);
    expect(events[1]?.data).toEqual({ container: 'app-test-db-1', metric: 'memory', value: 350 * MiB, limit: 400 * MiB });
  });

  it('resolves an alert whose limit is removed; a failed round is reported and sampling goes on', async () => {
    const errors: string[] = [];
    await monitor.stop();
    const bus = new EventBus();
    bus.subscribe({}, (event) => events.push(event));
    monitor = new ThresholdMonitor({ stats, bus, timers, intervalMs: 10_000, onError: (_e, context) => errors.push(context) });
    stats.usage.set('app-test-db-1', { memoryBytes: 500 * MiB, cpuTimeNs: 0 });
    monitor.update(desired([service('db')], { thresholds: thresholds(0) }));
    await timers.advance(1);
    expect(events.map((e) => e.type)).toEqual(['io.phoenix.threshold.alert']);
    stats.failure = new Error('podman stats failed');
    await timers.advance(10_000);
    expect(errors).toEqual(['sampling container resource usage']);
    stats.failure = null;
    monitor.update(desired([service('db')], { thresholds: { ...thresholds(0), services: {} } }));
    expect(events.map((e) => e.type)).toEqual(['io.phoenix.threshold.alert', 'io.phoenix.threshold.resolved']);
    expect(events[1]?.data).toMatchObject({ container: 'app-test-db-1', metric: 'memory', limit: 400 * MiB });
    const calls = stats.calls.length;
    await timers.advance(10_000);
    // Nothing is thresholded any more: no podman stats at all.
    expect(stats.calls.length).toBe(calls);
  });
});
