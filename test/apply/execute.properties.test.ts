import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Action } from '../../src/plan/actions.js';
import { harness } from './harness.js';
import { act, planOf } from './plan-fixtures.js';

interface GeneratedRun {
  /** Plan order (shuffled: the executor must not rely on it). */
  readonly actions: readonly Action[];
  readonly failing: ReadonlySet<number>;
  readonly delays: ReadonlyMap<number, number>;
  readonly concurrency: number;
}

/** Random DAGs of network.create actions (action i may depend on any j < i), random failures and durations. */
const runArb: fc.Arbitrary<GeneratedRun> = fc
  .integer({ min: 1, max: 12 })
  .chain((size) => {
    const ids = Array.from({ length: size }, (_, i) => i + 1);
    return fc.record({
      dependsOn: fc.tuple(...ids.map((id) => fc.subarray(ids.slice(0, id - 1)))),
      failing: fc.subarray(ids),
      delays: fc.tuple(...ids.map(() => fc.integer({ min: 0, max: 4 }))),
      concurrency: fc.integer({ min: 1, max: 6 }),
      order: fc.shuffledSubarray(ids, { minLength: size, maxLength: size }),
    });
  })
  .map(({ dependsOn, failing, delays, concurrency, order }) => ({
    actions: order.map((id) => act.networkCreate(id, `n${id}`, dependsOn[id - 1]!)),
    failing: new Set(failing),
    delays: new Map(delays.map((delay, index) => [index + 1, delay * 10])),
    concurrency,
  }));

function transitiveDependencies(actions: readonly Action[]): Map<number, Set<number>> {
  const byId = new Map(actions.map((action) => [action.id, action]));
  const closure = new Map<number, Set<number>>();
  const visit = (id: number): Set<number> => {
    const known = closure.get(id);
    if (known !== undefined) return known;
    const all = new Set<number>();
    for (const dependency of byId.get(id)!.dependsOn) {
      all.add(dependency);
      for (const deeper of visit(dependency)) all.add(deeper);
    }
    closure.set(id, all);
    return all;
  };
  for (const action of actions) visit(action.id);
  return closure;
}

describe('execute: properties over random DAG plans', () => {
  it('runs an action only after all its dependencies succeeded, and skips it iff a transitive dependency failed', async () => {
    await fc.assert(
      fc.asyncProperty(runArb, async ({ actions, failing, delays, concurrency }) => {
        const h = harness();
        for (const [id, ms] of delays) h.podman.delay('createNetwork', `n${id}`, ms);
        for (const id of failing) h.podman.failOn('createNetwork', `n${id}`);
        const report = await h.run(planOf(actions), { concurrency });

        const succeededAt = new Map<number, number>();
        const started = new Map<number, number>();
        h.events.forEach((event, index) => {
          const at = h.eventTimes[index]!;
          if (event.type === 'action.started') {
            expect(started.has(event.action.id)).toBe(false);
            started.set(event.action.id, at);
            for (const dependency of event.action.dependsOn) expect(succeededAt.has(dependency)).toBe(true);
          }
          if (event.type === 'action.succeeded') succeededAt.set(event.action.id, at);
        });

        const closure = transitiveDependencies(actions);
        const status = new Map(report.actions.map((outcome) => [outcome.id, outcome.status]));
        expect(report.actions.map((outcome) => outcome.id)).toEqual(actions.map((action) => action.id));
        for (const action of actions) {
          const blocked = [...closure.get(action.id)!].some((dependency) => status.get(dependency) === 'failed');
          expect(status.get(action.id) === 'skipped').toBe(blocked);
          expect(started.has(action.id)).toBe(!blocked);
          if (!blocked) expect(status.get(action.id)).toBe(failing.has(action.id) ? 'failed' : 'succeeded');
        }
        expect(h.podman.maxInFlight).toBeLessThanOrEqual(concurrency);
        expect(report.ok).toBe(report.counts.succeeded === actions.length);

        // With a slot for everyone, each action starts the moment its last dependency succeeds.
        if (concurrency >= actions.length) {
          for (const action of actions) {
            if (!started.has(action.id)) continue;
            const ready = Math.max(0, ...action.dependsOn.map((dependency) => succeededAt.get(dependency)!));
            expect(started.get(action.id)).toBe(ready);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
