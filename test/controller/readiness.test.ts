/**
 * /readyz in watch mode: ready only when the last reconcile of every environment succeeded,
 * and /status then shows Podman as that reconcile left it (observed again after the actions).
 * Podman is the PodmanClientTestDouble (not Podman).
 */
import { describe, expect, it } from 'vitest';
import type { ReconcileResult } from '../../src/controller/environment-reconciler.js';
import { EnvironmentReconciler } from '../../src/controller/environment-reconciler.js';
import { readinessOf } from '../../src/controller/readiness.js';
import { EventBus } from '../../src/events/event-bus.js';
import { EMPTY_OBSERVED } from '../../src/model/observed.js';
import type { ObservedState } from '../../src/model/observed.js';
import { PodmanError } from '../../src/podman/podman-error.js';
import { loadFixture } from '../support/load-fixture.js';
import { PodmanClientTestDouble } from '../support/podman-test-double.js';

const result = (ok: boolean, error: ReconcileResult['error'] = null): ReconcileResult => ({ ok, desired: null, observed: null, plan: null, manifestInvalid: false, durationMs: 1, error });

describe('readinessOf', () => {
  it('is ready only when every environment’s last reconcile succeeded, else says why per environment', () => {
    expect(readinessOf([['dev', result(true)], ['prod', result(true)]])).toEqual({ ready: true });
    expect(readinessOf([['dev', result(true)], ['prod', null]])).toEqual({ ready: false, reason: 'the first reconcile of prod has not finished' });
    const failing = readinessOf([
      ['dev', result(false, { code: 'PODMAN-TIMEOUT', message: 'podman ps did not answer within 10 s; it was stopped', remediation: 'r' })],
      ['prod', result(true)],
    ]);
    expect(failing).toEqual({ ready: false, reason: 'the last reconcile of dev failed: PODMAN-TIMEOUT podman ps did not answer within 10 s; it was stopped' });
  });
});

describe('EnvironmentReconciler', () => {
  const COMPOSE = 'services:\n  web:\n    image: localhost/web:1\n';

  function reconciler(podman: PodmanClientTestDouble, results: ReconcileResult[]): EnvironmentReconciler {
    return new EnvironmentReconciler({
      environment: 'test',
      load: () => loadFixture(COMPOSE),
      podman,
      readSecret: () => Promise.resolve(new Uint8Array()),
      bus: new EventBus(),
      clock: { now: () => 0, sleep: () => Promise.resolve(), date: () => new Date(0) },
      newId: () => 'id',
      execute: { pollIntervalMs: 1 },
      onReconciled: (r) => results.push(r),
    });
  }

  it('observes Podman again after the actions: the result (what /status shows) is the state it left, not the one before', async () => {
    const afterwards: ObservedState = { ...EMPTY_OBSERVED, networks: [{ id: 'n1', name: 'after-the-actions', labels: {}, subnets: [] } as never] };
    const podman = new PodmanClientTestDouble().script('observe', { value: EMPTY_OBSERVED }, { value: afterwards });
    const results: ReconcileResult[] = [];
    expect(await reconciler(podman, results).reconcile(['start'], new AbortController().signal)).toBe('ok');
    expect(podman.callsOf('observe')).toHaveLength(2);
    expect(podman.callsOf('createContainer').length).toBeGreaterThan(0);
    expect(results[0]!.observed).toBe(afterwards);
  });

  it('fails the reconcile (not ready) when Podman cannot be observed after the actions', async () => {
    const podman = new PodmanClientTestDouble().script('observe', { value: EMPTY_OBSERVED }, { error: new PodmanError('PODMAN-TIMEOUT', 'podman ps did not answer within 10 s; it was stopped') });
    const results: ReconcileResult[] = [];
    expect(await reconciler(podman, results).reconcile(['start'], new AbortController().signal)).toBe('error');
    expect(readinessOf([['test', results[0]!]])).toMatchObject({ ready: false, reason: expect.stringContaining('PODMAN-TIMEOUT') as unknown });
  });
});
