import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReconcileOutcome } from '../../src/controller/work-queue.js';
import { WorkQueue } from '../../src/controller/work-queue.js';
import { FakeTimers, settle } from './triggers/fake-timers.js';

type Command =
  | { readonly kind: 'add'; readonly key: string; readonly skipBackoff: boolean }
  | { readonly kind: 'finish'; readonly pick: number; readonly outcome: ReconcileOutcome | 'throw' }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'forget'; readonly key: string };

const KEYS = ['dev', 'staging', 'prod', 'qa'];

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), key: fc.constantFrom(...KEYS), skipBackoff: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(), outcome: fc.constantFrom<ReconcileOutcome | 'throw'>('ok', 'error', 'throw') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 5000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('forget' as const), key: fc.constantFrom(...KEYS) }) },
);

describe('WorkQueue properties', () => {
  it('never runs a key concurrently with itself, respects the concurrency, and runs every key after its last add', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 60 }), fc.integer({ min: 1, max: 3 }), async (commands, concurrency) => {
        const timers = new FakeTimers();
        // A logical clock over adds, forgets and run starts: "after" means a later tick.
        let tick = 0;
        const lastAdd = new Map<string, number>();
        const lastForget = new Map<string, number>();
        const starts = new Map<string, number[]>();
        const running: { key: string; finish: (outcome: ReconcileOutcome | 'throw') => void }[] = [];
        const violations: string[] = [];
        const queue = new WorkQueue({
          concurrency,
          timers,
          now: timers.now,
          backoff: { initialMs: 100, maxMs: 2000, multiplier: 3 },
          worker: (key) => {
            if (running.some((run) => run.key === key)) violations.push(`${key} ran twice at once`);
            if (running.length >= concurrency) violations.push(`more than ${concurrency} runs at once`);
            starts.set(key, [...(starts.get(key) ?? []), ++tick]);
            return new Promise<ReconcileOutcome>((resolve, reject) => {
              const run = {
                key,
                finish: (outcome: ReconcileOutcome | 'throw') => {
                  running.splice(running.indexOf(run), 1);
                  if (outcome === 'throw') reject(new Error('worker failed'));
                  else resolve(outcome);
                },
              };
              running.push(run);
            });
          },
        });

        for (const step of commands) {
          switch (step.kind) {
            case 'add':
              lastAdd.set(step.key, ++tick);
              queue.add(step.key, `reason ${tick}`, { skipBackoff: step.skipBackoff });
              break;
            case 'finish':
              if (running.length > 0) running[step.pick % running.length]!.finish(step.outcome);
              break;
            case 'advance':
              await timers.advance(step.ms);
              break;
            case 'forget':
              lastForget.set(step.key, ++tick);
              queue.forget(step.key);
              break;
          }
          await settle();
        }
        // Let everything succeed from now on, until nothing is left to do.
        for (let round = 0; round < 200; round++) {
          while (running.length > 0) running[0]!.finish('ok');
          await timers.advance(2000);
          const stats = queue.stats();
          if (running.length === 0 && stats.queued === 0 && stats.backingOff === 0 && stats.running === 0) break;
        }
        expect(violations).toEqual([]);
        expect(queue.stats()).toEqual({ queued: 0, backingOff: 0, running: 0 });
        for (const [key, added] of lastAdd) {
          if ((lastForget.get(key) ?? -1) > added) continue;
          const ranAfter = (starts.get(key) ?? []).some((start) => start > added);
          expect(ranAfter, `${key} added at tick ${added} never ran afterwards`).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
