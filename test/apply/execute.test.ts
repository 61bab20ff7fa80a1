import { describe, expect, it } from 'vitest';
import { execute, systemClock } from '../../src/apply/execute.js';
import { ExecutionError } from '../../src/apply/execution-error.js';
import { outcomeOf } from '../../src/apply/report.js';
import { FakePodmanError } from './fake-podman.js';
import { harness } from './harness.js';
import { act, intent, planOf, secret } from './plan-fixtures.js';

describe('execute: order and concurrency', () => {
  it('never has more than `concurrency` actions in flight, and runs independent ones side by side', async () => {
    const h = harness();
    h.podman.delay('createNetwork', '*', 100);
    const plan = planOf(Array.from({ length: 8 }, (_, i) => act.networkCreate(i + 1, `n${i + 1}`)));
    const report = await h.run(plan, { concurrency: 3 });
    expect(report.ok).toBe(true);
    expect(h.podman.maxInFlight).toBe(3);
    // 8 actions of 100 ms, 3 at a time: three rounds.
    expect(h.clock.now()).toBe(300);
    expect(h.podman.callsTo('createNetwork').map((call) => call.startedAt)).toEqual([0, 0, 0, 100, 100, 100, 200, 200]);
  });

  it('runs 4 at a time by default', async () => {
    const h = harness();
    h.podman.delay('createNetwork', '*', 100);
    const report = await h.run(planOf(Array.from({ length: 6 }, (_, i) => act.networkCreate(i + 1, `n${i + 1}`))));
    expect(report.counts.succeeded).toBe(6);
    expect(h.podman.maxInFlight).toBe(4);
    expect(h.clock.now()).toBe(200);
  });

  it('starts an action only once all its dependencies succeeded, and as soon as they did', async () => {
    const h = harness();
    h.podman.delay('createNetwork', 'slow', 500).delay('createNetwork', 'fast', 100).delay('createContainer', '*', 50);
    const plan = planOf([
      act.networkCreate(1, 'slow'),
      act.networkCreate(2, 'fast'),
      act.containerCreate(3, 'after-fast', [2]),
      act.containerCreate(4, 'after-both', [1, 2]),
    ]);
    const report = await h.run(plan);
    expect(report.ok).toBe(true);
    const startOf = (name: string): number => h.podman.calls.find((call) => call.target === name)!.startedAt;
    expect(startOf('after-fast')).toBe(100);
    expect(startOf('after-both')).toBe(500);
    expect(h.eventLog()).toEqual([
      'action.started #1',
      'action.started #2',
      'action.succeeded #2',
      'action.started #3',
      'action.succeeded #3',
      'action.succeeded #1',
      'action.started #4',
      'action.succeeded #4',
    ]);
  });

  it('reports every action with its duration, in plan order', async () => {
    const h = harness();
    h.podman.delay('createNetwork', '*', 30);
    const report = await h.run(planOf([act.networkCreate(1, 'a'), act.networkCreate(2, 'b', [1])]));
    expect(report).toEqual({
      actions: [
        { id: 1, kind: 'network.create', status: 'succeeded', durationMs: 30 },
        { id: 2, kind: 'network.create', status: 'succeeded', durationMs: 30 },
      ],
      counts: { succeeded: 2, failed: 0, skipped: 0, cancelled: 0 },
      ok: true,
      durationMs: 60,
    });
  });

  it('is ok for an empty plan', async () => {
    const report = await harness().run(planOf([]));
    expect(report.ok).toBe(true);
    expect(report.actions).toEqual([]);
  });

  it('refuses a malformed plan before touching Podman', async () => {
    const h = harness();
    const cases = [
      planOf([act.networkCreate(1, 'a', [2]), act.networkCreate(2, 'b', [1])]),
      planOf([act.networkCreate(1, 'a', [9])]),
      planOf([act.networkCreate(1, 'a'), act.networkCreate(1, 'b')]),
    ];
    for (const plan of cases) {
      await expect(execute(plan, h.deps, {})).rejects.toMatchObject({ code: 'PHX-EXEC-INVALID-PLAN' });
    }
    await expect(execute(planOf([]), h.deps, { concurrency: 0 })).rejects.toBeInstanceOf(RangeError);
    expect(h.podman.calls).toEqual([]);
  });

  it('is not disturbed by an event listener that throws', async () => {
    const h = harness();
    const report = await h.clock.run(execute(planOf([act.networkCreate(1, 'a')]), { ...h.deps, onEvent: () => { throw new Error('sink down'); } }, {}));
    expect(report.ok).toBe(true);
  });
});

describe('execute: dispatch', () => {
  it('maps each action kind to its Podman call (ready actions start in plan order)', async () => {
    const h = harness();
    h.podman.addContainer('old-1', intent('old-1')).addContainer('idle-1', intent('idle-1'));
    const plan = planOf([
      act.networkCreate(1, 'net'),
      act.containerCreate(2, 'web-1', [1]),
      act.containerStart(3, 'web-1', [], [2]),
      act.containerStop(4, 'idle-1'),
      act.containerRemove(5, 'old-1'),
      act.networkRemove(6, 'gone-net'),
      act.volumeRemove(7, 'gone-vol'),
    ]);
    const report = await h.run(plan, { concurrency: 1 });
    expect(report.ok).toBe(true);
    expect(h.podman.calls.map((call) => [call.method, call.target, ...call.args.filter((arg) => typeof arg !== 'object')])).toEqual([
      ['createNetwork', 'net'],
      ['createContainer', 'web-1'],
      ['startContainer', 'web-1'],
      ['stopContainer', 'idle-1', 7],
      ['removeContainer', 'old-1', 5],
      ['removeNetwork', 'gone-net'],
      ['removeVolume', 'gone-vol'],
    ]);
    expect(h.podman.containers.get('web-1')?.state).toBe('running');
  });

  it('recreates by creating <name>-next before removing (stopping) the original, then renaming it', async () => {
    const h = harness();
    h.podman.addContainer('web-1', intent('web-1'));
    const report = await h.run(planOf([act.containerRecreate(1, 'web-1'), act.containerStart(2, 'web-1', [], [1])]));
    expect(report.ok).toBe(true);
    expect(h.podman.callLog()).toEqual([
      'removeContainer web-1-next',
      'createContainer web-1-next',
      'removeContainer web-1',
      'renameContainer web-1-next',
      'startContainer web-1',
    ]);
    // The removal stops the original with its grace period.
    expect(h.podman.callsTo('removeContainer')[1]!.args).toEqual([10]);
    expect(h.podman.callsTo('renameContainer')[0]!.args).toEqual(['web-1']);
    expect([...h.podman.containers.keys()]).toEqual(['web-1']);
    expect(h.podman.containers.get('web-1')?.intent.spec.image).toBe('alpine:3.20');
  });

  it('clears a leftover <name>-next from an interrupted recreate first', async () => {
    const h = harness();
    h.podman.addContainer('web-1', intent('web-1')).addContainer('web-1-next', intent('web-1'), 'created');
    const report = await h.run(planOf([act.containerRecreate(1, 'web-1')]));
    expect(report.ok).toBe(true);
    expect([...h.podman.containers.keys()]).toEqual(['web-1']);
  });

  it('leaves the original alone when the replacement cannot be created', async () => {
    const h = harness();
    h.podman.addContainer('web-1', intent('web-1')).failOn('createContainer', 'web-1-next', () => new FakePodmanError('PODMAN-IMAGE-PULL', 'cannot pull alpine:3.20', 'check the image name'));
    const report = await h.run(planOf([act.containerRecreate(1, 'web-1')]));
    expect(outcomeOf(report, 1)).toMatchObject({ status: 'failed', error: { code: 'PODMAN-IMAGE-PULL', message: 'cannot pull alpine:3.20', remediation: 'check the image name' } });
    expect(h.podman.callsTo('removeContainer').map((c) => c.target)).toEqual(['web-1-next']);
    expect(h.podman.containers.get('web-1')?.state).toBe('running');
  });
});

describe('execute: failures', () => {
  it('skips exactly the transitive dependents of a failure while independent branches finish', async () => {
    const h = harness();
    h.podman.failOn('createNetwork', 'bad').delay('*', '*', 10);
    const plan = planOf([
      act.networkCreate(1, 'bad'),
      act.containerCreate(2, 'a-1', [1]),
      act.containerStart(3, 'a-1', [], [2]),
      act.networkCreate(4, 'good'),
      act.containerCreate(5, 'b-1', [4]),
      act.containerCreate(6, 'c-1', [1, 4]),
      act.containerStart(7, 'b-1', [], [5]),
    ]);
    const report = await h.run(plan);
    expect(report.actions.map((outcome) => [outcome.id, outcome.status, outcome.reason])).toEqual([
      [1, 'failed', undefined],
      [2, 'skipped', 'depends on #1 which failed'],
      [3, 'skipped', 'depends on #1 which failed (through #2)'],
      [4, 'succeeded', undefined],
      [5, 'succeeded', undefined],
      [6, 'skipped', 'depends on #1 which failed'],
      [7, 'succeeded', undefined],
    ]);
    expect(report.counts).toEqual({ succeeded: 3, failed: 1, skipped: 3, cancelled: 0 });
    expect(report.ok).toBe(false);
    expect(outcomeOf(report, 1)?.error).toEqual({ code: 'PODMAN-FAKE', message: 'createNetwork bad failed', remediation: 'fake remediation' });
    expect(h.events.filter((event) => event.type === 'action.skipped').map((event) => event.action.id)).toEqual([2, 6, 3]);
    expect(h.podman.calls.map((call) => call.target)).not.toContain('a-1');
  });

  it('wraps an error without a code as PHX-EXEC-FAILED', async () => {
    const h = harness();
    h.podman.failOn('createNetwork', 'a', () => new TypeError('boom'));
    const report = await h.run(planOf([act.networkCreate(1, 'a')]));
    expect(outcomeOf(report, 1)?.error).toMatchObject({ code: 'PHX-EXEC-FAILED', message: 'boom' });
    const failed = h.events.find((event) => event.type === 'action.failed');
    expect(failed).toMatchObject({ type: 'action.failed', error: { code: 'PHX-EXEC-FAILED' }, durationMs: 0 });
  });
});

describe('execute: secrets', () => {
  const CANARY = 'canary-s3cr3t-value-7f1d';

  it('reads the value through readSecret and hands it to createSecret, never into an event or the report', async () => {
    const h = harness();
    h.secretValues.set('DB_PASSWORD', CANARY);
    const desired = secret('db_password', { kind: 'environment', variable: 'DB_PASSWORD' });
    const report = await h.run(planOf([act.secretCreate(1, desired)]));
    expect(report.ok).toBe(true);
    const stored = h.podman.secrets.get(desired.podmanName)!;
    expect(new TextDecoder().decode(stored.value)).toBe(CANARY);
    expect(stored.labels).toEqual(desired.labels);
    expect(JSON.stringify(h.events)).not.toContain(CANARY);
    expect(JSON.stringify(report)).not.toContain(CANARY);
  });

  it('withholds an error message that repeats the value', async () => {
    const h = harness();
    h.secretValues.set('/run/secrets/token', `${CANARY}\n`);
    h.podman.failOn('createSecret', '*', () => new FakePodmanError('PODMAN-SECRET', `invalid secret data: ${CANARY}`, `remove ${CANARY}`));
    const report = await h.run(planOf([act.secretCreate(1, secret('token', { kind: 'file', path: '/run/secrets/token' })), act.containerCreate(2, 'app-1', [1])]));
    expect(outcomeOf(report, 1)?.status).toBe('failed');
    expect(outcomeOf(report, 1)?.error?.message).toMatch(/secret demo-test-token-abc123 failed \(PODMAN-SECRET\).*withheld/);
    expect(outcomeOf(report, 2)?.status).toBe('skipped');
    expect(JSON.stringify(h.events)).not.toContain(CANARY);
    expect(JSON.stringify(report)).not.toContain(CANARY);
  });

  it('names the source it could not read', async () => {
    const h = harness();
    const report = await h.run(planOf([act.secretCreate(1, secret('token', { kind: 'environment', variable: 'TOKEN' }))]));
    expect(outcomeOf(report, 1)?.error).toMatchObject({
      code: 'PHX-SECRET-SOURCE-MISSING',
      message: 'cannot read secret "token" from environment variable TOKEN: no value for TOKEN',
    });
    expect(h.podman.calls).toEqual([]);
  });

  it('fails a secret without a source', async () => {
    const h = harness();
    const report = await h.run(planOf([act.secretCreate(1, secret('token', null))]));
    expect(outcomeOf(report, 1)?.error?.code).toBe('PHX-SECRET-SOURCE-MISSING');
    expect(h.podman.calls).toEqual([]);
  });
});

describe('execute: configs (Podman secrets that are not secret)', () => {
  it('hands inline content to createSecret without reading any source', async () => {
    const h = harness();
    const config = { ...secret('motd', null), source: { kind: 'content' as const, text: 'hello' }, labels: { 'io.phoenix.config': 'motd' }, config: true as const };
    const report = await h.run(planOf([act.secretCreate(1, config)]));
    expect(report.ok).toBe(true);
    expect(new TextDecoder().decode(h.podman.secrets.get(config.podmanName)!.value)).toBe('hello');
    expect(h.podman.secrets.get(config.podmanName)!.labels).toEqual({ 'io.phoenix.config': 'motd' });
  });

  it('names a config whose file cannot be read as a config', async () => {
    const h = harness();
    const config = { ...secret('site', { kind: 'file', path: '/srv/site.conf' }), config: true as const };
    const report = await h.run(planOf([act.secretCreate(1, config)]));
    expect(outcomeOf(report, 1)?.error?.message).toMatch(/^cannot read config "site" from file \/srv\/site\.conf/);
    expect(h.podman.calls).toEqual([]);
  });
});

describe('execute: cancellation', () => {
  it('starts nothing after abort, hands the signal to in-flight actions and cancels the rest', async () => {
    const h = harness();
    h.podman.delay('createNetwork', 'slow', 1000).delay('createNetwork', 'quick', 100);
    const controller = new AbortController();
    void h.clock.sleep(150).then(() => controller.abort(new Error('interrupted')));
    const plan = planOf([
      act.networkCreate(1, 'quick'),
      act.networkCreate(2, 'slow'),
      act.containerCreate(3, 'x-1', [1]),
      act.networkCreate(4, 'queued'),
      act.containerCreate(5, 'y-1', [2]),
    ]);
    h.podman.delay('createContainer', '*', 100);
    const report = await h.run(plan, { concurrency: 2, signal: controller.signal });
    expect(report.actions.map((outcome) => [outcome.id, outcome.status])).toEqual([
      [1, 'succeeded'],
      [2, 'cancelled'],
      [3, 'cancelled'],
      [4, 'cancelled'],
      [5, 'cancelled'],
    ]);
    // At 100 ms #1 freed a slot and #3 (earlier in the plan than #4) took it; #4 never got one.
    expect(h.clock.now()).toBe(150);
    expect(h.podman.callLog()).toEqual(['createNetwork quick', 'createNetwork slow', 'createContainer x-1']);
    expect(outcomeOf(report, 2)).toMatchObject({ durationMs: 150, error: { code: 'PHX-EXEC-CANCELLED' }, reason: 'the run was cancelled while it was in progress' });
    expect(outcomeOf(report, 3)).toMatchObject({ durationMs: 50, error: { code: 'PHX-EXEC-CANCELLED' } });
    expect(outcomeOf(report, 4)).toEqual({ id: 4, kind: 'network.create', status: 'cancelled', durationMs: 0, reason: 'the run was cancelled before it started' });
    const startTimes = h.events.flatMap((event, index) => (event.type === 'action.started' ? [h.eventTimes[index]] : []));
    expect(startTimes).toEqual([0, 0, 100]);
    expect(h.events.filter((event) => event.type === 'action.cancelled').map((event) => event.action.id).sort()).toEqual([2, 3, 4, 5]);
    expect(report.ok).toBe(false);
  });

  it('runs nothing when the signal is already aborted', async () => {
    const h = harness();
    const report = await h.run(planOf([act.networkCreate(1, 'a'), act.networkCreate(2, 'b', [1])]), { signal: AbortSignal.abort() });
    expect(report.counts).toEqual({ succeeded: 0, failed: 0, skipped: 0, cancelled: 2 });
    expect(h.podman.calls).toEqual([]);
  });

  it('has a real clock whose sleep rejects on abort', async () => {
    const controller = new AbortController();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    controller.abort();
    await expect(sleeping).rejects.toThrow();
    const before = systemClock.now();
    await systemClock.sleep(5, new AbortController().signal);
    expect(systemClock.now() - before).toBeGreaterThanOrEqual(4);
  });

  it('keeps ExecutionError codes and remediations', () => {
    const error = new ExecutionError('PHX-WAIT-TIMEOUT', 'm', 'r');
    expect(error).toMatchObject({ code: 'PHX-WAIT-TIMEOUT', message: 'm', remediation: 'r', name: 'ExecutionError' });
  });
});
