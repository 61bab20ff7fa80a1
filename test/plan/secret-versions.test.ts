/**
 * Read-only commands without secret values: a secret whose value cannot be read is taken as
 * the version Podman runs, so that status never reports drift merely because the value is
 * unavailable, while a value that is known and changed still shows as drift.
 */
import { describe, expect, it } from 'vitest';
import { EMPTY_OBSERVED } from '../../src/model/observed.js';
import type { ObservedState } from '../../src/model/observed.js';
import type { DesiredState } from '../../src/model/desired.js';
import { plan } from '../../src/plan/plan.js';
import { takeObservedSecretVersions } from '../../src/plan/secret-versions.js';
import { reportStatus } from '../../src/plan/status.js';
import { desiredFrom, loadFixture } from '../support/load-fixture.js';
import { applyPlanToModel } from '../support/observed-model.js';

const COMPOSE = `
services:
  web:
    image: localhost/web:1
    secrets: [db_password]
    configs: [greeting]
  worker:
    image: localhost/worker:1
    secrets: [db_password]
  plain:
    image: localhost/plain:1
secrets:
  db_password:
    environment: PROD_DB_PASSWORD
configs:
  greeting:
    environment: GREETING
`;

const VALUES = { PROD_DB_PASSWORD: 'hunter2-canary', GREETING: 'hello' };

/** TEST DOUBLE for Podman (observed-model.ts): the state after applying `desired` to nothing. */
function applied(desired: DesiredState): ObservedState {
  const result = plan(desired, { ...EMPTY_OBSERVED, images: Object.fromEntries(desired.services.map((s) => [s.spec.image, `sha256:${s.name}`])) });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return applyPlanToModel({ ...EMPTY_OBSERVED, images: Object.fromEntries(desired.services.map((s) => [s.spec.image, `sha256:${s.name}`])) }, result.value);
}

function inSync(desired: DesiredState, observed: ObservedState): Record<string, boolean> {
  return Object.fromEntries(reportStatus(desired, observed).services.map((s) => [s.service, s.containers.every((c) => c.inSync)]));
}

describe('loading without secret values', () => {
  it('reports no issue for an unset secret variable or config variable, and marks both unknown', () => {
    const loaded = loadFixture(COMPOSE, { secretValuesOptional: true, requireSecretValues: false });
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.warnings).toEqual([]);
    const secret = loaded.desired.secrets.find((s) => s.name === 'db_password')!;
    expect(secret).toMatchObject({ digest: '', valueUnknown: true });
    expect(loaded.desired.secrets.find((s) => s.name === 'greeting')).toMatchObject({ digest: '', valueUnknown: true, config: true });
  });

  it('still refuses them where values are required (plan, apply)', () => {
    const loaded = loadFixture(COMPOSE, { requireSecretValues: true });
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(new Set(loaded.issues.map((i) => i.code))).toEqual(new Set(['PHX-SECRET-SOURCE-MISSING', 'PHX-CONFIG-SOURCE-MISSING']));
  });

  it('a secret with a known value is not marked unknown and keeps its hash', () => {
    const withValues = desiredFrom(COMPOSE, { processEnv: VALUES });
    const optional = desiredFrom(COMPOSE, { processEnv: VALUES, secretValuesOptional: true, requireSecretValues: false });
    expect(optional.secrets.some((s) => s.valueUnknown === true)).toBe(false);
    expect(optional.services.map((s) => s.configHash)).toEqual(withValues.services.map((s) => s.configHash));
  });
});

describe('takeObservedSecretVersions', () => {
  const withValues = desiredFrom(COMPOSE, { processEnv: VALUES });
  const observed = applied(withValues);
  const without = desiredFrom(COMPOSE, { secretValuesOptional: true, requireSecretValues: false });

  it('without it, the unknown value would look like drift (the bug it fixes)', () => {
    expect(inSync(without, observed)).toEqual({ plain: true, web: false, worker: false });
  });

  it('takes the version Podman runs: every service is in sync, with the hash the real value gives', () => {
    const taken = takeObservedSecretVersions(without, observed);
    expect(inSync(taken.desired, observed)).toEqual({ plain: true, web: true, worker: true });
    expect(taken.desired.services.map((s) => s.configHash)).toEqual(withValues.services.map((s) => s.configHash));
    expect(taken.desired.services.map((s) => s.ownerLabels)).toEqual(withValues.services.map((s) => s.ownerLabels));
    const real = withValues.secrets.find((s) => s.name === 'db_password')!;
    expect(taken.unknown).toEqual([
      { name: 'db_password', config: false, source: { kind: 'environment', variable: 'PROD_DB_PASSWORD' }, takenAs: real.podmanName },
      { name: 'greeting', config: true, source: { kind: 'environment', variable: 'GREETING' }, takenAs: withValues.secrets.find((s) => s.name === 'greeting')!.podmanName },
    ]);
    expect(taken.desired.secrets.find((s) => s.name === 'db_password')).toMatchObject({ podmanName: real.podmanName, digest: real.digest, valueUnknown: true });
  });

  it('a known, changed value is still drift', () => {
    const rotated = desiredFrom(COMPOSE, { processEnv: { ...VALUES, PROD_DB_PASSWORD: 'rotated' }, secretValuesOptional: true, requireSecretValues: false });
    const taken = takeObservedSecretVersions(rotated, observed);
    expect(taken.unknown).toEqual([]);
    expect(inSync(taken.desired, observed)).toEqual({ plain: true, web: false, worker: false });
  });

  it('a real change elsewhere in the spec still shows as drift', () => {
    const changed = desiredFrom(COMPOSE.replace('localhost/web:1', 'localhost/web:2'), { secretValuesOptional: true, requireSecretValues: false });
    expect(inSync(takeObservedSecretVersions(changed, observed).desired, observed)).toEqual({ plain: true, web: false, worker: true });
  });

  it('with no container holding it, takes the one Podman secret of the environment', () => {
    const secretsOnly: ObservedState = { ...observed, containers: [] };
    const taken = takeObservedSecretVersions(without, secretsOnly);
    const real = withValues.secrets.find((s) => s.name === 'db_password')!;
    expect(taken.unknown.find((u) => u.name === 'db_password')?.takenAs).toBe(real.podmanName);
    expect(taken.desired.services.find((s) => s.name === 'worker')!.configHash).toBe(withValues.services.find((s) => s.name === 'worker')!.configHash);
  });

  it('with nothing in Podman, says so and leaves the state as it was', () => {
    const taken = takeObservedSecretVersions(without, EMPTY_OBSERVED);
    expect(taken.unknown.map((u) => u.takenAs)).toEqual([null, null]);
    expect(taken.desired.services).toEqual(without.services);
  });

  it('returns a state without unknown secrets unchanged', () => {
    const taken = takeObservedSecretVersions(withValues, observed);
    expect(taken.desired).toBe(withValues);
    expect(taken.unknown).toEqual([]);
  });
});
