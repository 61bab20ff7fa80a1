import { describe, expect, it } from 'vitest';
import type { ReconcileOutcome, WorkQueueOptions } from '../../src/controller/work-queue.js';
import { WorkQueue } from '../../src/controller/work-queue.js';
import { FakeTimers, settle } from './triggers/fake-timers.js';

interface Call {
  readonly key: string;
  readonly reasons: readonly string[];
  readonly signal: AbortSignal;
  finish(outcome: ReconcileOutcome): void;
  fail(error: Error): void;
}

/** A queue whose worker waits until the test finishes each call. */
function harness(options: Partial<WorkQueueOptions> = {}) {
  const timers = new FakeTimers();
  const calls: Call[] = [];
  const retries: { key: string; delayMs: number; failures: number }[] = [];
  const workerErrors: unknown[] = [];
  const queue = new WorkQueue({
    worker: (key, reasons, signal) =>
      new Promise<ReconcileOutcome>((resolve, reject) => {
        calls.push({ key, reasons, signal, finish: resolve, fail: reject });
      }),
    timers,
    now: timers.now,
    hooks: { onRetry: (key, delayMs, failures) => retries.push({ key, delayMs, failures }), onWorkerError: (_key, error) => workerErrors.push(error) },
    ...options,
  });
  const last = (key: string): Call => {
    const call = calls.filter((c) => c.key === key).at(-1);
    if (call === undefined) throw new Error(`${key} never ran`);
    return call;
  };
  return { timers, calls, retries, workerErrors, queue, last };
}

describe('WorkQueue', () => {
  it('runs a key once for adds made together, with every reason', async () => {
    const { queue, calls } = harness();
    queue.add('dev', 'file changed');
    queue.add('dev', 'container died');
    queue.add('dev', 'file changed');
    await settle();
    expect(calls.map((c) => [c.key, c.reasons])).toEqual([['dev', ['file changed', 'container died']]]);
  });

  it('merges the reasons of a key that waits for a worker instead of queueing it twice', async () => {
    const { queue, calls, last } = harness({ concurrency: 1 });
    queue.add('a', 'one');
    await settle();
    queue.add('b', 'two');
    queue.add('b', 'three');
    expect(queue.depth()).toBe(1);
    last('a').finish('ok');
    await settle();
    expect(calls.map((c) => c.key)).toEqual(['a', 'b']);
    expect(last('b').reasons).toEqual(['two', 'three']);
    expect(queue.depth()).toBe(0);
  });

  it('never runs a key twice at once, and runs it once more after an add during its run', async () => {
    const { queue, calls, last } = harness();
    queue.add('dev', 'start');
    await settle();
    queue.add('dev', 'container died');
    queue.add('dev', 'resync');
    await settle();
    expect(calls).toHaveLength(1);
    expect(queue.depth()).toBe(0);
    last('dev').finish('ok');
    await settle();
    expect(calls).toHaveLength(2);
    expect(last('dev').reasons).toEqual(['container died', 'resync']);
    last('dev').finish('ok');
    await settle();
    expect(calls).toHaveLength(2);
  });

  it('runs distinct keys in parallel up to the concurrency, the rest in order', async () => {
    const { queue, calls, last } = harness({ concurrency: 2 });
    for (const key of ['a', 'b', 'c', 'd']) queue.add(key, 'start');
    await settle();
    expect(calls.map((c) => c.key)).toEqual(['a', 'b']);
    expect(queue.stats()).toEqual({ queued: 2, backingOff: 0, running: 2 });
    last('b').finish('ok');
    await settle();
    expect(calls.map((c) => c.key)).toEqual(['a', 'b', 'c']);
    expect(queue.depth()).toBe(1);
  });

  it('retries a failed key after a backoff that grows to its maximum, and resets on success', async () => {
    const { queue, calls, last, retries, timers } = harness({ backoff: { initialMs: 1000, maxMs: 5000, multiplier: 2 } });
    queue.add('dev', 'start');
    await settle();
    const failOnce = async (): Promise<void> => {
      last('dev').finish('error');
      await settle();
    };
    await failOnce();
    expect(retries.at(-1)).toEqual({ key: 'dev', delayMs: 1000, failures: 1 });
    expect(queue.stats()).toEqual({ queued: 0, backingOff: 1, running: 0 });
    await timers.advance(999);
    expect(calls).toHaveLength(1);
    await timers.advance(1);
    expect(calls).toHaveLength(2);
    expect(last('dev').reasons).toEqual(['start']);
    for (const expected of [2000, 4000, 5000, 5000]) {
      await failOnce();
      expect(retries.at(-1)?.delayMs).toBe(expected);
      await timers.advance(expected);
    }
    expect(queue.failures('dev')).toBe(5);
    last('dev').finish('ok');
    await settle();
    expect(queue.failures('dev')).toBe(0);
    queue.add('dev', 'again');
    await settle();
    await failOnce();
    expect(retries.at(-1)).toEqual({ key: 'dev', delayMs: 1000, failures: 1 });
  });

  it('treats a worker that throws as a failure', async () => {
    const { queue, last, retries, workerErrors } = harness();
    queue.add('dev', 'start');
    await settle();
    last('dev').fail(new Error('boom'));
    await settle();
    expect(retries).toHaveLength(1);
    expect(workerErrors).toHaveLength(1);
  });

  it('keeps a failing key waiting on new adds, unless asked to skip the backoff', async () => {
    const { queue, calls, last, timers } = harness();
    queue.add('dev', 'start');
    await settle();
    last('dev').finish('error');
    await settle();
    queue.add('dev', 'container died');
    await settle();
    expect(calls).toHaveLength(1);
    queue.add('dev', 'manifest changed', { skipBackoff: true });
    await settle();
    expect(calls).toHaveLength(2);
    expect(last('dev').reasons).toEqual(['start', 'container died', 'manifest changed']);
    expect(timers.pending()).toBe(0);
  });

  it('retries at once a failed run during which an add asked to skip the backoff', async () => {
    const { queue, calls, last } = harness();
    queue.add('dev', 'start');
    await settle();
    queue.add('dev', 'manifest changed', { skipBackoff: true });
    last('dev').finish('error');
    await settle();
    expect(calls).toHaveLength(2);
    expect(last('dev').reasons).toEqual(['manifest changed', 'start']);
  });

  it('forgets a key: drops its waiting work and its backoff, and does not retry its current run', async () => {
    const { queue, calls, last, timers } = harness({ concurrency: 1 });
    queue.add('a', 'start');
    queue.add('b', 'start');
    await settle();
    queue.forget('b');
    expect(queue.depth()).toBe(0);
    queue.add('a', 'again');
    queue.forget('a');
    last('a').finish('error');
    await settle();
    await timers.advance(60_000);
    expect(calls.map((c) => c.key)).toEqual(['a']);
    expect(queue.stats()).toEqual({ queued: 0, backingOff: 0, running: 0 });

    queue.add('c', 'start');
    await settle();
    last('c').finish('error');
    await settle();
    queue.forget('c');
    expect(timers.pending()).toBe(0);
    expect(queue.failures('c')).toBe(0);
  });

  it('shuts down with drain: refuses adds, drops waiting keys, lets the runs in progress finish', async () => {
    const { queue, calls, last, timers } = harness({ concurrency: 1 });
    queue.add('a', 'start');
    queue.add('b', 'start');
    await settle();
    queue.add('a', 'again');
    let stopped = false;
    const stopping = queue.shutdown({ drain: true }).then(() => (stopped = true));
    expect(queue.add('c', 'late')).toBe(false);
    await settle();
    expect(stopped).toBe(false);
    expect(last('a').signal.aborted).toBe(false);
    last('a').finish('ok');
    await stopping;
    await timers.advance(60_000);
    expect(calls.map((c) => c.key)).toEqual(['a']);
    expect(queue.depth()).toBe(0);
  });

  it('shuts down without drain: aborts the runs in progress and waits for them to return', async () => {
    const { queue, last, timers } = harness();
    queue.add('a', 'start');
    queue.add('b', 'start');
    await settle();
    last('b').finish('error');
    await settle();
    expect(timers.pending()).toBe(1);
    const running = last('a');
    let stopped = false;
    const stopping = queue.shutdown({ drain: false }).then(() => (stopped = true));
    expect(running.signal.aborted).toBe(true);
    expect(timers.pending()).toBe(0);
    await settle();
    expect(stopped).toBe(false);
    running.finish('error');
    await stopping;
    expect(queue.stats()).toEqual({ queued: 0, backingOff: 0, running: 0 });
  });
});
