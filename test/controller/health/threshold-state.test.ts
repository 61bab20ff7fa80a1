/**
 * The pure threshold state machine: sustained crossings alert, hysteresis keeps a value that
 * hovers around the limit from flapping.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ThresholdState } from '../../../src/controller/health/threshold-state.js';
import { OK_THRESHOLD, clearLevel, cpuPercentBetween, nextThresholdState, thresholdsFor } from '../../../src/controller/health/threshold-state.js';
import { formatBytes, formatDuration, thresholdRecommendation } from '../../../src/controller/health/threshold-recommendation.js';

type Change = 'alert' | 'resolved' | null;

function run(limit: number, sustainedMs: number, samples: readonly { at: number; value: number }[], hysteresis = 0.1): { changes: Change[]; state: ThresholdState } {
  let state = OK_THRESHOLD;
  const changes: Change[] = [];
  for (const sample of samples) {
    const next = nextThresholdState(limit, sustainedMs, state, sample, hysteresis);
    state = next.state;
    changes.push(next.change);
  }
  return { changes, state };
}

const every = (ms: number, values: readonly number[]): { at: number; value: number }[] => values.map((value, i) => ({ at: i * ms, value }));

describe('threshold state machine', () => {
  it('alerts only once the value has stayed over the limit for the sustained period', () => {
    const { changes } = run(80, 30_000, every(10_000, [90, 95, 90, 91, 99]));
    expect(changes).toEqual([null, null, null, 'alert', null]);
  });

  it('a dip under the limit before the period ends starts the count again', () => {
    expect(run(80, 30_000, every(10_000, [90, 95, 70, 90, 90, 90, 90])).changes).toEqual([null, null, null, null, null, null, 'alert']);
  });

  it('resolves only once the value has stayed under the clear level as long; between the limit and the clear level it keeps alerting', () => {
    // Limit 80, clear level 72.
    const { changes, state } = run(80, 20_000, every(10_000, [90, 90, 90, 75, 78, 75, 70, 60, 50]));
    expect(changes).toEqual([null, null, 'alert', null, null, null, null, null, 'resolved']);
    expect(state).toEqual({ ...OK_THRESHOLD, lastValue: 50 });
  });

  it('property: alerts and resolutions alternate, an alert first', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 80 }), fc.integer({ min: 0, max: 50_000 }), (values, sustainedMs) => {
        const changes = run(100, sustainedMs, every(5000, values)).changes.filter((c) => c !== null);
        changes.forEach((change, i) => expect(change).toBe(i % 2 === 0 ? 'alert' : 'resolved'));
      }),
    );
  });

  it('property: an alert means every sample of the last sustained period was over the limit; a resolution, under the clear level', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 80 }), fc.integer({ min: 1, max: 50_000 }), (values, sustainedMs) => {
        const samples = every(5000, values);
        const { changes } = run(100, sustainedMs, samples);
        changes.forEach((change, i) => {
          if (change === null) return;
          const at = samples[i]!.at;
          const window = samples.filter((s) => s.at >= at - sustainedMs && s.at <= at);
          // There must be a sample at least sustainedMs before: a single spike never alerts.
          expect(samples.some((s) => s.at <= at - sustainedMs)).toBe(true);
          if (change === 'alert') expect(window.every((s) => s.value > 100)).toBe(true);
          else expect(window.every((s) => s.value < clearLevel(100))).toBe(true);
        });
      }),
    );
  });

  it('property: a value hovering within the hysteresis band never flaps', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 90.01, max: 110, noNaN: true }), { minLength: 1, maxLength: 80 }), (values) => {
        const { changes } = run(100, 10_000, every(5000, [150, 150, 150, ...values]));
        expect(changes.filter((c) => c !== null)).toEqual(['alert']);
      }),
    );
  });

  it('computes CPU from CPU time between samples, and says nothing without an earlier sample or after a restart', () => {
    expect(cpuPercentBetween({ at: 0, cpuTimeNs: 0 }, { at: 1000, cpuTimeNs: 1_500_000_000 })).toBe(150);
    expect(cpuPercentBetween(null, { at: 1000, cpuTimeNs: 5 })).toBeNull();
    expect(cpuPercentBetween({ at: 0, cpuTimeNs: 9e9 }, { at: 1000, cpuTimeNs: 1e6 })).toBeNull();
    expect(cpuPercentBetween({ at: 1000, cpuTimeNs: 0 }, { at: 1000, cpuTimeNs: 1 })).toBeNull();
  });

  it('takes a service’s overrides over the environment-wide limits; null switches a limit off', () => {
    const policy = { cpuPercent: 90, memoryBytes: null, sustainedMs: 60_000, services: { db: { memoryBytes: 1e9 }, batch: { cpuPercent: null } } };
    expect(thresholdsFor(policy, 'web')).toEqual({ cpuPercent: 90, memoryBytes: null, sustainedMs: 60_000 });
    expect(thresholdsFor(policy, 'db')).toEqual({ cpuPercent: 90, memoryBytes: 1e9, sustainedMs: 60_000 });
    expect(thresholdsFor(policy, 'batch')).toBeNull();
  });

  it('recommends in the manifest’s terms', () => {
    const memory = thresholdRecommendation({ container: 'app-test-db-1', metric: 'memory', value: 480 * 1024 ** 2, limit: 400 * 1024 ** 2, sustainedMs: 120_000, memoryLimitBytes: 512 * 1024 ** 2, cpus: null });
    expect(memory).toBe(
      'Memory of app-test-db-1 has stayed above 400 MiB for 2 min (now 480 MiB; that is 94% of its 512 MiB limit, at which the kernel kills it). ' +
        'If the service needs that much, raise deploy.resources.limits.memory (and this threshold); if its usage keeps growing, look for a leak (`podman stats app-test-db-1`, its logs).',
    );
    const cpu = thresholdRecommendation({ container: 'w', metric: 'cpu', value: 97.4, limit: 80, sustainedMs: 30_000, memoryLimitBytes: null, cpus: 1 });
    expect(cpu).toContain('raise deploy.resources.limits.cpus or add replicas');
    expect(cpu).toContain('above 80% for 30 s (now 97%; its limit is 1 CPU)');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatDuration(90 * 60_000)).toBe('1.5 h');
  });
});
