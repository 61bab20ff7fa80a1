/**
 * Watch mode's revision recorder (src/controller/revision-recorder.ts) on virtual time, with the
 * FakePodman TEST DOUBLE for container states and a real history in a temporary folder: what
 * is recorded (and what is not), the verdict, and the automatic rollback with its events,
 * failure mark and the rule that a stand-in is never rolled back in turn.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReconcileResult } from '../../src/controller/environment-reconciler.js';
import type { LoadOrigin } from '../../src/controller/revision-recorder.js';
import { RevisionRecorder } from '../../src/controller/revision-recorder.js';
import { EventBus } from '../../src/events/event-bus.js';
import type { PhoenixEvent } from '../../src/events/event-types.js';
import { desiredDigest } from '../../src/history/revision-draft.js';
import type { DesiredState } from '../../src/model/desired.js';
import { EMPTY_OBSERVED } from '../../src/model/observed.js';
import { plan } from '../../src/plan/plan.js';
import { RevisionHistory } from '../../src/state/revision-history.js';
import { FakeClock } from '../apply/fake-clock.js';
import { FakePodman, status } from '../apply/fake-podman.js';
import { desiredFrom } from '../support/load-fixture.js';

const ENVIRONMENT = 'project: app\ncompose: [compose.yaml]\npolicy:\n  rollout:\n    auto_rollback: AUTO\n    timeout: 10s\n';

function desired(value: string, auto = true): DesiredState {
  return desiredFrom(`services:\n  web:\n    image: localhost/phoenix-demo/busybox:1\n    restart: unless-stopped\n    environment: { VALUE: "${value}" }\n`, { environment: ENVIRONMENT.replace('AUTO', String(auto)) });
}

/** A reconcile that created everything (`withActions`) or found nothing to do. */
function reconciled(state: DesiredState, options: { withActions?: boolean; error?: string; manifestInvalid?: boolean } = {}): ReconcileResult {
  const planned = plan(state, EMPTY_OBSERVED, {});
  if (!planned.ok) throw new Error('fixture does not plan');
  return {
    ok: options.error === undefined,
    desired: state,
    observed: observedMatching(state),
    // Nothing to do: the plan of a Podman that matches (its network included), without building one.
    plan: options.withActions === false ? { ...planned.value, actions: [] } : planned.value,
    manifestInvalid: options.manifestInvalid ?? false,
    durationMs: 100,
    error: options.error === undefined ? null : { code: options.error, message: 'it failed', remediation: 'fix it' },
  };
}

/** Podman running every container of `state` with its config. */
function observedMatching(state: DesiredState): typeof EMPTY_OBSERVED {
  return {
    ...EMPTY_OBSERVED,
    containers: state.services.flatMap((s) =>
      s.containerNames.map((name) => ({ id: name, name, image: s.spec.image, imageId: 'sha256:x', state: 'running' as const, exitCode: null, health: 'none' as const, labels: s.ownerLabels, startedAt: '2026-12-04T21:00:00Z', restartCount: 0 })),
    ),
  };
}

const origin = (state: DesiredState, extra: Partial<LoadOrigin> = {}): LoadOrigin => ({ gitRevision: undefined, substitutedBy: null, failureKey: `digest:${desiredDigest(state)}`, ...extra });

let stateDir = '';
beforeEach(() => {
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'phx-recorder-'));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

function setup(onReconcileAgain: (reasons: readonly string[]) => ReconcileResult | null = () => null) {
  const clock = new FakeClock();
  const podman = new FakePodman(clock);
  const bus = new EventBus();
  const events: PhoenixEvent[] = [];
  bus.subscribe({}, (event) => events.push(event));
  const history = new RevisionHistory(stateDir, 'app', 'test');
  const again: string[][] = [];
  const recorder = new RevisionRecorder({
    environment: 'test',
    history: () => history,
    podman,
    bus,
    clock: { now: clock.now, sleep: clock.sleep, date: () => new Date(Date.UTC(2026, 11, 4, 21) + clock.now()) },
    newId: () => 'id',
    onError: (error) => {
      throw error;
    },
    reconcileAgain: (reasons) => {
      again.push([...reasons]);
      return Promise.resolve(onReconcileAgain(reasons));
    },
  });
  const after = (result: ReconcileResult, reasons: string[], from: LoadOrigin) => clock.run(recorder.afterReconcile(result, reasons, from, new AbortController().signal));
  const kinds = () => events.map((e) => e.type.slice('io.phoenix.'.length));
  return { clock, podman, history, after, events, kinds, again };
}

describe('RevisionRecorder', () => {
  it('records a new desired state, waits for its rollout, and records neither a heal nor an invalid edit', async () => {
    const { podman, history, after, kinds } = setup();
    const one = desired('one');
    podman.statuses('app-test-web-1', status('running'));
    expect(await after(reconciled(one), ['start'], origin(one))).toEqual({ rolledBack: null });
    expect(history.list().map((r) => [r.seq, r.trigger, r.verdict?.verdict, r.verdict?.waited])).toEqual([[1, { kind: 'watch', reason: 'start' }, 'converged', true]]);
    // The same desired state again, with actions: a heal.
    await after(reconciled(one), ['podman event: died'], origin(one));
    // An invalid edit: the last good desired state applied again.
    await after(reconciled(desired('two'), { manifestInvalid: true, error: 'PHX-MANIFEST-INVALID' }), ['manifest changed'], origin(one));
    // Nothing to do, nothing new.
    await after(reconciled(one, { withActions: false }), ['resync'], origin(one));
    expect(history.sequenceNumbers()).toEqual([1]);
    expect(kinds()).toEqual(['revision.recorded']);
  });

  it('records a desired state Podman already matches once, without actions, and an apply handed to it even when nothing is new', async () => {
    const { history, after } = setup();
    const state = desired('one', false);
    await after(reconciled(state, { withActions: false }), ['start'], origin(state));
    await after(reconciled(state, { withActions: false }), ['resync'], origin(state));
    expect(history.list().map((r) => [r.seq, r.plan.actions, r.verdict?.verdict, r.verdict?.waited])).toEqual([[1, 0, 'converged', false]]);
    await after(reconciled(state), ['requested by phoenix apply (pid 7)'], origin(state));
    expect(history.list().map((r) => r.trigger)).toEqual([
      { kind: 'watch', reason: 'start' },
      { kind: 'watch', reason: 'requested by phoenix apply (pid 7)' },
    ]);
  });

  it('git mode names the commit and its subject', async () => {
    const clock = new FakeClock();
    const history = new RevisionHistory(stateDir, 'app', 'test');
    const recorder = new RevisionRecorder({
      environment: 'test',
      history: () => history,
      podman: new FakePodman(clock),
      bus: new EventBus(),
      clock: { now: clock.now, sleep: clock.sleep, date: () => new Date() },
      newId: () => 'id',
      onError: () => undefined,
      reconcileAgain: () => Promise.resolve(null),
      gitCommit: (sha) => ({ subject: `subject of ${sha}`, branch: 'main' }),
    });
    const state = desired('one', false);
    await clock.run(recorder.afterReconcile(reconciled(state), ['git: new commit'], origin(state, { gitRevision: 'abc123' }), new AbortController().signal));
    expect(history.latest()).toMatchObject({ gitRevision: 'abc123', trigger: { kind: 'git', sha: 'abc123', subject: 'subject of abc123', branch: 'main', reason: 'git: new commit' } });
  });

  it('rolls a revision whose service exits back to the last healthy one: events, mark, both revisions', async () => {
    const good = desired('good');
    const bad = desired('bad');
    const { podman, history, after, events, kinds, again } = setup(() => reconciled(good));
    podman.statuses('app-test-web-1', status('running'));
    await after(reconciled(good), ['start'], origin(good));
    podman.statuses('app-test-web-1', status('exited', 3), status('running'));
    const outcome = await after(reconciled(bad), ['manifest changed: compose.yaml'], origin(bad));
    expect(outcome).toEqual({ rolledBack: { failed: 2, to: 1, revision: 3, ok: true } });
    expect(again).toEqual([['auto-rollback to revision 1 (revision 2 failed its rollout)']]);
    expect(history.list().map((r) => [r.seq, r.trigger.kind, r.verdict?.verdict, r.rolledBack])).toEqual([
      [1, 'watch', 'converged', undefined],
      [2, 'watch', 'degraded', { by: 3, to: 1 }],
      [3, 'auto-rollback', 'converged', undefined],
    ]);
    expect(history.failedMark(`digest:${desiredDigest(bad)}`)).toMatchObject({ revision: 2, rolledBackTo: 1 });
    expect(kinds()).toEqual(['revision.recorded', 'revision.recorded', 'rollout.failed', 'revision.recorded', 'rollout.rolled-back']);
    const failed = events.find((e) => e.type === 'io.phoenix.rollout.failed')!;
    expect(failed.severity).toBe('critical');
    expect(failed.data).toMatchObject({ revision: 2, services: ['web'], rollingBackTo: 1 });
    expect(events.at(-1)!.data).toEqual({ failedRevision: 2, revision: 3, to: 1, ok: true });
  });

  it('marks a failed revision with nothing to go back to, and never rolls back a stand-in', async () => {
    const { history, after, kinds, again } = setup();
    const first = desired('first');
    await after(reconciled(first, { error: 'PODMAN-IMAGE-NOT-FOUND' }), ['start'], origin(first));
    expect(history.failedMark(`digest:${desiredDigest(first)}`)).toMatchObject({ revision: 1, rolledBackTo: null });
    expect(kinds()).toEqual(['revision.recorded', 'rollout.failed']);
    expect(again).toEqual([]);
    const standIn = history.get(1)!;
    const other = desired('other');
    await after(reconciled(other, { error: 'PHX-ROLLBACK-SECRET-CHANGED' }), ['resync'], origin(other, { substitutedBy: standIn }));
    expect(again).toEqual([]);
    expect(kinds()).toEqual(['revision.recorded', 'rollout.failed', 'revision.recorded']);
  });
});
