/**
 * The pure health state machine: Podman 4.3's rules, checked on examples and as properties
 * against a reference model written the obvious way.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CheckResult, HealthRules } from '../../../src/controller/health/health-state.js';
import { foldHealth, healthTransition, initialHealthState, nextCheckDelay, nextHealthState } from '../../../src/controller/health/health-state.js';

const START = 1_000_000;

/** Results at increasing times from START, each a gap and a verdict. */
const resultsArb = fc
  .array(fc.record({ gap: fc.integer({ min: 0, max: 20_000 }), healthy: fc.boolean(), output: fc.string({ maxLength: 8 }) }), { maxLength: 40 })
  .map((steps) => {
    let at = START;
    return steps.map(({ gap, healthy, output }): CheckResult => {
      at += gap;
      return { at, healthy, output };
    });
  });
const rulesArb = fc.record({ retries: fc.integer({ min: 0, max: 6 }), startPeriodMs: fc.integer({ min: 0, max: 60_000 }) });

/** The reference: failures outside the start period since the last success. */
function countedFailuresSinceSuccess(rules: HealthRules, results: readonly CheckResult[]): number {
  const lastSuccess = results.map((r) => r.healthy).lastIndexOf(true);
  return results.slice(lastSuccess + 1).filter((r) => r.at - START >= rules.startPeriodMs).length;
}

describe('health state machine', () => {
  it('starts as starting; a success makes it healthy; `retries` failures in a row after the start period make it unhealthy', () => {
    const rules = { retries: 3, startPeriodMs: 10_000 };
    const fail = (at: number): CheckResult => ({ at: START + at, healthy: false, output: `fail@${at}` });
    expect(foldHealth(rules, START, []).status).toBe('starting');
    // Four failures within the start period do not count.
    expect(foldHealth(rules, START, [fail(0), fail(2000), fail(4000), fail(9999)])).toMatchObject({ status: 'starting', failingStreak: 0, lastOutput: 'fail@9999' });
    const three = [fail(0), fail(10_000), fail(11_000), fail(12_000)];
    expect(foldHealth(rules, START, three.slice(0, 3)).status).toBe('starting');
    expect(foldHealth(rules, START, three)).toMatchObject({ status: 'unhealthy', failingStreak: 3, lastOutput: 'fail@12000', lastCheckAt: START + 12_000 });
    const recovered = foldHealth(rules, START, [...three, { at: START + 13_000, healthy: true, output: 'ok' }]);
    expect(recovered).toMatchObject({ status: 'healthy', failingStreak: 0, lastOutput: 'ok' });
  });

  it('a healthy container that fails fewer than `retries` times stays healthy', () => {
    const rules = { retries: 2, startPeriodMs: 0 };
    const state = foldHealth(rules, START, [
      { at: START, healthy: true, output: 'ok' },
      { at: START + 1, healthy: false, output: 'no' },
    ]);
    expect(state).toMatchObject({ status: 'healthy', failingStreak: 1, lastOutput: 'no' });
  });

  it('retries below 1 count as 1', () => {
    expect(foldHealth({ retries: 0, startPeriodMs: 0 }, START, [{ at: START, healthy: false, output: '' }]).status).toBe('unhealthy');
  });

  it('reports transitions into healthy and unhealthy only', () => {
    const rules = { retries: 1, startPeriodMs: 0 };
    const starting = initialHealthState(START);
    const healthy = nextHealthState(rules, starting, { at: START, healthy: true, output: '' });
    const unhealthy = nextHealthState(rules, healthy, { at: START + 1, healthy: false, output: '' });
    expect(healthTransition(starting, healthy)).toBe('became-healthy');
    expect(healthTransition(healthy, healthy)).toBeNull();
    expect(healthTransition(healthy, unhealthy)).toBe('became-unhealthy');
    expect(healthTransition(unhealthy, nextHealthState(rules, unhealthy, { at: START + 2, healthy: false, output: '' }))).toBeNull();
  });

  it('property: never unhealthy while every check ran within the start period', () => {
    fc.assert(
      fc.property(rulesArb, resultsArb, (rules, results) => {
        const within = results.filter((r) => r.at - START < rules.startPeriodMs);
        expect(foldHealth(rules, START, within).status).not.toBe('unhealthy');
      }),
    );
  });

  it('property: unhealthy iff at least `retries` counted failures since the last success; healthy iff a success and fewer', () => {
    fc.assert(
      fc.property(rulesArb, resultsArb, (rules, results) => {
        const state = foldHealth(rules, START, results);
        const counted = countedFailuresSinceSuccess(rules, results);
        const retries = Math.max(1, rules.retries);
        const everHealthy = results.some((r) => r.healthy);
        expect(state.failingStreak).toBe(counted);
        expect(state.status === 'unhealthy').toBe(counted >= retries);
        expect(state.status === 'healthy').toBe(everHealthy && counted < retries);
        expect(state.lastOutput).toBe(results.at(-1)?.output ?? null);
      }),
    );
  });

  it('property: the next check comes within the interval, on the start interval during the start period', () => {
    fc.assert(
      fc.property(
        fc.record({ intervalMs: fc.integer({ min: 1, max: 60_000 }), startIntervalMs: fc.integer({ min: 0, max: 60_000 }), startPeriodMs: fc.integer({ min: 0, max: 60_000 }) }),
        fc.integer({ min: 0, max: 120_000 }),
        (spec, elapsed) => {
          const delay = nextCheckDelay(spec, START, START + elapsed);
          expect(delay).toBeGreaterThan(0);
          expect(delay).toBeLessThanOrEqual(spec.intervalMs);
          if (elapsed >= spec.startPeriodMs || spec.startIntervalMs === 0) expect(delay).toBe(spec.intervalMs);
          else expect(delay).toBe(Math.min(spec.intervalMs, spec.startIntervalMs));
        },
      ),
    );
  });
});
