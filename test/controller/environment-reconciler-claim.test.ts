/**
 * The reconciler takes the environment's lock (ReconcilerDeps.claim) before it touches Podman,
 * with the project of the desired state in force; a lock it cannot get fails the reconcile with
 * PHX-LOCKED and leaves Podman alone. Podman is the PodmanClientTestDouble (not Podman).
 */
import { describe, expect, it } from 'vitest';
import { EnvironmentReconciler } from '../../src/controller/environment-reconciler.js';
import type { ReconcileResult } from '../../src/controller/environment-reconciler.js';
import { EventBus } from '../../src/events/event-bus.js';
import type { PhoenixEvent } from '../../src/events/event-types.js';
import { EMPTY_OBSERVED } from '../../src/model/observed.js';
import { EnvironmentLockedError } from '../../src/state/environment-lock.js';
import { loadFixture } from '../support/load-fixture.js';
import { PodmanClientTestDouble } from '../support/podman-test-double.js';

const COMPOSE = 'services:\n  web:\n    image: localhost/web:1\n';

function reconciler(claim: (project: string, signal: AbortSignal) => Promise<void>, podman: PodmanClientTestDouble, results: ReconcileResult[], events: PhoenixEvent[]): EnvironmentReconciler {
  const bus = new EventBus();
  bus.subscribe({}, (event) => events.push(event));
  return new EnvironmentReconciler({
    environment: 'test',
    load: () => loadFixture(COMPOSE),
    podman,
    readSecret: () => Promise.resolve(new Uint8Array()),
    bus,
    clock: { now: () => 0, sleep: () => Promise.resolve(), date: () => new Date(0) },
    newId: () => 'id',
    claim,
    onReconciled: (result) => results.push(result),
  });
}

describe('EnvironmentReconciler and the environment lock', () => {
  it('claims the lock for the project before observing Podman', async () => {
    const order: string[] = [];
    const podman = new PodmanClientTestDouble().script('observe', {
      run: () => {
        order.push('observe');
        return Promise.resolve(EMPTY_OBSERVED);
      },
    });
    const claims: string[] = [];
    const results: ReconcileResult[] = [];
    const outcome = await reconciler(
      (project) => {
        claims.push(project);
        order.push('claim');
        return Promise.resolve();
      },
      podman,
      results,
      [],
    ).reconcile(['start'], new AbortController().signal);
    expect(claims).toEqual(['app']);
    expect(order.slice(0, 2)).toEqual(['claim', 'observe']);
    expect(outcome).toBe('ok');
  });

  it('fails the reconcile with PHX-LOCKED, naming the holder, without touching Podman, when the lock is not had', async () => {
    const podman = new PodmanClientTestDouble();
    const results: ReconcileResult[] = [];
    const events: PhoenixEvent[] = [];
    const holder = { pid: 4711, command: 'apply', since: '2026-12-04T18:00:00.000Z', project: 'app', environment: 'test', reconcilesOnRequest: false };
    const outcome = await reconciler(() => Promise.reject(new EnvironmentLockedError('app', 'test', holder, 5000)), podman, results, events).reconcile(['start'], new AbortController().signal);
    expect(outcome).toBe('error');
    expect(podman.calls).toEqual([]);
    expect(results[0]!.error).toMatchObject({ code: 'PHX-LOCKED', message: expect.stringContaining('pid 4711 (phoenix apply, since 2026-12-04T18:00:00.000Z)') as unknown });
    expect(events.map((e) => e.type)).toContain('io.phoenix.reconcile.failed');
  });
});
