/**
 * Watch's reconciles carry the secret-digest key guard: Podman's secrets made with another key
 * fail the reconcile with PHX-SECRET-KEY-CHANGED and nothing is created or removed; with
 * `--rekey` (guard.rekey) the reconcile goes on. Podman is the PodmanClientTestDouble (not
 * Podman); test/integration/secret-key-guard.test.ts covers real Podman.
 */
import { describe, expect, it } from 'vitest';
import { EnvironmentReconciler } from '../../src/controller/environment-reconciler.js';
import type { ReconcileResult } from '../../src/controller/environment-reconciler.js';
import { EventBus } from '../../src/events/event-bus.js';
import { EMPTY_OBSERVED } from '../../src/model/observed.js';
import type { ObservedState } from '../../src/model/observed.js';
import { plan } from '../../src/plan/plan.js';
import { loadFixture } from '../support/load-fixture.js';
import { applyPlanToModel } from '../support/observed-model.js';
import { PodmanClientTestDouble } from '../support/podman-test-double.js';

const COMPOSE = 'services:\n  web:\n    image: localhost/web:1\n    secrets: [token]\nsecrets:\n  token:\n    environment: TOKEN\n';
const VALUES = { processEnv: { TOKEN: 'canary' } };
const OTHER_KEY = new Uint8Array(32).fill(3);

function images(): ObservedState {
  return { ...EMPTY_OBSERVED, images: { 'localhost/web:1': 'sha256:web' } };
}

/** TEST DOUBLE for Podman: the environment applied with the fixture's own key. */
function appliedWithFirstKey(): ObservedState {
  const loaded = loadFixture(COMPOSE, VALUES);
  if (!loaded.ok) throw new Error('fixture');
  const result = plan(loaded.desired, images());
  if (!result.ok) throw new Error('plan');
  return applyPlanToModel(images(), result.value);
}

async function reconcileWithOtherKey(rekey: boolean): Promise<{ podman: PodmanClientTestDouble; result: ReconcileResult }> {
  const podman = new PodmanClientTestDouble().script('observe', { value: appliedWithFirstKey() });
  const results: ReconcileResult[] = [];
  await new EnvironmentReconciler({
    environment: 'test',
    load: () => loadFixture(COMPOSE, { ...VALUES, digestKey: OTHER_KEY }),
    podman,
    readSecret: () => Promise.resolve(new TextEncoder().encode('canary')),
    bus: new EventBus(),
    clock: { now: () => 0, sleep: () => Promise.resolve(), date: () => new Date(0) },
    newId: () => 'id',
    onReconciled: (result) => results.push(result),
    secretKey: { stateDir: '/state/b', rekey },
    execute: { pollIntervalMs: 1 },
  }).reconcile(['start'], new AbortController().signal);
  return { podman, result: results[0]! };
}

describe('watch and the secret-digest key guard', () => {
  it('fails the reconcile with PHX-SECRET-KEY-CHANGED and changes nothing', async () => {
    const { podman, result } = await reconcileWithOtherKey(false);
    expect(result.ok).toBe(false);
    expect(result.error).toMatchObject({ code: 'PHX-SECRET-KEY-CHANGED', message: expect.stringContaining('/state/b') as unknown, remediation: expect.stringContaining('--rekey') as unknown });
    expect(podman.calls.map((c) => c.method)).toEqual(['observe']);
  });

  it('with --rekey creates the new version and recreates the consumer', async () => {
    const { podman } = await reconcileWithOtherKey(true);
    expect(podman.callsOf('createSecret')).toHaveLength(1);
    expect(podman.callsOf('createContainer')).toHaveLength(1);
  });
});
