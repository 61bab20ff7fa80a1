/**
 * The pure restart policy: the first restart at once, then backoff that grows between restarts,
 * a breaker that opens after `maxRestarts` in the window and stays open until recovery or a
 * new manifest.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HealthPolicy } from '../../../src/model/desired.js';
import type { RestartDecision, RestartState } from '../../../src/controller/health/restart-policy.js';
import { backoffDelay, decideRestart, describeLastError, initialRestartState, nextRestartState, shouldBeRunning } from '../../../src/controller/health/restart-policy.js';

const POLICY: HealthPolicy = { maxRestarts: 3, windowMs: 600_000, backoff: { initialMs: 1000, maxMs: 8000, multiplier: 2 } };

/**
 * A container that fails `failAfterMs` after every start, under a driver that restarts it
 * whenever the policy allows; returns restart times and the decisions seen, until `untilMs`.
 */
function simulate(policy: HealthPolicy, failAfterMs: number, untilMs: number): { restarts: number[]; decisions: RestartDecision[]; state: RestartState } {
  let state = initialRestartState('h');
  const restarts: number[] = [];
  const decisions: RestartDecision[] = [];
  let now = 0;
  let failsAt = failAfterMs;
  while (now <= untilMs) {
    if (now >= failsAt) state = nextRestartState(state, { kind: 'failing', at: now, reason: 'exited with code 1' });
    const decided = decideRestart(policy, state, now);
    state = decided.state;
    decisions.push(decided.decision);
    if (decided.decision.kind === 'restart') {
      restarts.push(now);
      state = nextRestartState(state, { kind: 'restarted', at: now });
      failsAt = now + failAfterMs;
    }
    now += 250;
  }
  return { restarts, decisions, state };
}

describe('restart policy', () => {
  it('backoff: the first restart is immediate, the second waits initialMs, then it multiplies, capped at maxMs', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(POLICY.backoff, n))).toEqual([0, 1000, 2000, 4000, 8000, 8000]);
    // The example of docs/manifest.md: at once, then 5s, 15s, 45s, ... capped at 10m.
    expect([1, 2, 3, 4, 8, 9].map((n) => backoffDelay({ initialMs: 5000, maxMs: 600_000, multiplier: 3 }, n))).toEqual([0, 5000, 15_000, 45_000, 600_000, 600_000]);
  });

  it('restarts at once on the first failure, then waits the backoff after each next failure; the delay grows with each restart', () => {
    const { restarts, decisions } = simulate({ ...POLICY, maxRestarts: 10 }, 500, 30_000);
    // Fails at 500: at once → 500. Fails at 1000: +1000 → 2000. Fails at 2500: +2000 → 4500. Fails at 5000: +4000 → 9000.
    // Fails at 9500: +8000 → 17500. Fails at 18000: +8000 (capped) → 26000. Fails at 26500: +8000 → 34500, past the end.
    expect(restarts).toEqual([500, 2000, 4500, 9000, 17_500, 26_000]);
    const restartDecisions = decisions.filter((d): d is Extract<RestartDecision, { kind: 'restart' }> => d.kind === 'restart');
    expect(restartDecisions.map((d) => [d.attempt, d.backoffMs])).toEqual([
      [1, 0],
      [2, 1000],
      [3, 2000],
      [4, 4000],
      [5, 8000],
      [6, 8000],
    ]);
    // Nothing waits before the first restart; the second is the first to wait.
    expect(decisions.slice(0, 3)).toEqual([{ kind: 'none' }, { kind: 'none' }, expect.objectContaining({ kind: 'restart', attempt: 1, backoffMs: 0 })]);
    expect(decisions.some((d) => d.kind === 'wait' && d.attempt === 1)).toBe(false);
    expect(decisions).toContainEqual({ kind: 'wait', until: 2000, attempt: 2, backoffMs: 1000 });
  });

  it('after maxRestarts in the window it is crash-looping: tripped once, and no restart ever after, even when the window has passed', () => {
    const { restarts, decisions, state } = simulate(POLICY, 500, 2 * 3_600_000);
    expect(restarts).toHaveLength(3);
    const looping = decisions.filter((d) => d.kind === 'crash-looping');
    expect(looping.filter((d) => d.kind === 'crash-looping' && d.tripped)).toHaveLength(1);
    expect(looping[0]).toMatchObject({ kind: 'crash-looping', tripped: true, restarts: 3, windowMs: 600_000, lastError: 'exited with code 1' });
    expect(state.crashLooping).toBe(true);
  });

  it('recovery closes the breaker with a fresh budget; a manifest change starts afresh; the same hash changes nothing', () => {
    let state = simulate(POLICY, 500, 60_000).state;
    expect(state.crashLooping).toBe(true);
    const recovered = nextRestartState(state, { kind: 'recovered', at: 70_000 });
    expect(recovered).toMatchObject({ crashLooping: false, restarts: [], failure: null });
    // A fresh budget: the next failure is restart number 1 again, so it is restarted at once.
    const failingAgain = nextRestartState(recovered, { kind: 'failing', at: 80_000, reason: 'unhealthy' });
    expect(decideRestart(POLICY, failingAgain, 80_000).decision).toEqual({ kind: 'restart', attempt: 1, backoffMs: 0, reason: 'unhealthy' });

    state = nextRestartState(state, { kind: 'failing', at: 70_000, reason: 'unhealthy' });
    expect(nextRestartState(state, { kind: 'manifest', configHash: 'h' })).toBe(state);
    expect(nextRestartState(state, { kind: 'manifest', configHash: 'h2' })).toEqual(initialRestartState('h2'));
  });

  it('recovery without an open breaker keeps the history, so a flapping container still trips it', () => {
    let state = initialRestartState('h');
    let now = 0;
    for (let i = 0; i < 3; i += 1) {
      state = nextRestartState(state, { kind: 'failing', at: now, reason: 'unhealthy' });
      now += 10_000;
      const decided = decideRestart(POLICY, state, now);
      expect(decided.decision.kind).toBe('restart');
      state = nextRestartState(decided.state, { kind: 'restarted', at: now });
      state = nextRestartState(state, { kind: 'recovered', at: now + 1000 });
    }
    state = nextRestartState(state, { kind: 'failing', at: now + 5000, reason: 'unhealthy' });
    expect(decideRestart(POLICY, state, now + 20_000).decision).toMatchObject({ kind: 'crash-looping', tripped: true, restarts: 3 });
  });

  it('a failed restart counts, and its error is what the alert says', () => {
    let state = nextRestartState(initialRestartState('h'), { kind: 'failing', at: 0, reason: 'exited with code 1' });
    state = nextRestartState(state, { kind: 'restarted', at: 1000, error: 'PODMAN-FAILED: podman start failed: boom' });
    state = nextRestartState(state, { kind: 'failing', at: 2000, reason: 'exited with code 143' });
    expect(state.restarts).toEqual([1000]);
    expect(describeLastError(state)).toBe('exited with code 143; the last restart failed: PODMAN-FAILED: podman start failed: boom');
    expect(describeLastError(nextRestartState(state, { kind: 'restarted', at: 3000 }))).toBe('exited with code 143');
  });

  it('maxRestarts 0 alerts at the first failure and never restarts', () => {
    const state = nextRestartState(initialRestartState('h'), { kind: 'failing', at: 0, reason: 'unhealthy' });
    expect(decideRestart({ ...POLICY, maxRestarts: 0 }, state, 0).decision).toMatchObject({ kind: 'crash-looping', tripped: true, restarts: 0 });
  });

  it('an exited container should run unless it is a one-shot that finished', () => {
    expect(shouldBeRunning({ restart: 'no' }, 0)).toBe(false);
    expect(shouldBeRunning({ restart: 'on-failure' }, 0)).toBe(false);
    expect(shouldBeRunning({ restart: 'no' }, 1)).toBe(true);
    expect(shouldBeRunning({ restart: 'always' }, 0)).toBe(true);
    expect(shouldBeRunning({ restart: 'unless-stopped' }, 137)).toBe(true);
  });

  const policyArb = fc.record({
    maxRestarts: fc.integer({ min: 0, max: 6 }),
    windowMs: fc.integer({ min: 1000, max: 120_000 }),
    backoff: fc.record({ initialMs: fc.integer({ min: 0, max: 5000 }), maxMs: fc.integer({ min: 0, max: 30_000 }), multiplier: fc.double({ min: 1, max: 4, noNaN: true }) }),
  });

  it('property: backoff never shrinks from one attempt to the next and never passes maxMs', () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 1, max: 50 }), (policy, attempt) => {
        const delay = backoffDelay(policy.backoff, attempt);
        expect(delay).toBeLessThanOrEqual(Math.max(0, policy.backoff.maxMs));
        expect(backoffDelay(policy.backoff, attempt + 1)).toBeGreaterThanOrEqual(delay);
      }),
    );
  });

  it('property: without recovery, no window holds more than maxRestarts restarts, and none follows the trip', () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 0, max: 5000 }), (policy, failAfterMs) => {
        const { restarts, decisions } = simulate(policy, failAfterMs, 300_000);
        for (const start of restarts) expect(restarts.filter((at) => at >= start && at < start + policy.windowMs).length).toBeLessThanOrEqual(policy.maxRestarts);
        const trip = decisions.findIndex((d) => d.kind === 'crash-looping');
        if (trip >= 0) expect(decisions.slice(trip).some((d) => d.kind === 'restart')).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('property: a restart waits at least its backoff after the failure was first seen', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 10_000 }), kind: fc.constantFrom('failing', 'recovered', 'tick') }), { maxLength: 60 }),
        (policy, steps) => {
          let state = initialRestartState('h');
          let now = 0;
          for (const step of steps) {
            now += step.gap;
            if (step.kind === 'failing') state = nextRestartState(state, { kind: 'failing', at: now, reason: 'x' });
            if (step.kind === 'recovered') state = nextRestartState(state, { kind: 'recovered', at: now });
            const since = state.failure?.since;
            const decided = decideRestart(policy, state, now);
            state = decided.state;
            if (decided.decision.kind === 'restart') {
              expect(since).toBeDefined();
              expect(now - since!).toBeGreaterThanOrEqual(decided.decision.backoffMs);
              state = nextRestartState(state, { kind: 'restarted', at: now });
            }
          }
        },
      ),
    );
  });
});
