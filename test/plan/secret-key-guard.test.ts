/**
 * The secret-digest key guard (PHX-SECRET-KEY-CHANGED): a plan made with another state
 * directory's key would rename every secret and recreate its consumers, so it is refused
 * unless `--rekey` asks for it. Planner level, with the observed-model TEST DOUBLE of Podman;
 * test/integration/secret-key-guard.test.ts does the same against real Podman.
 */
import { describe, expect, it } from 'vitest';
import { EMPTY_OBSERVED } from '../../src/model/observed.js';
import type { ObservedState } from '../../src/model/observed.js';
import type { DesiredState } from '../../src/model/desired.js';
import { LABEL } from '../../src/model/desired.js';
import { SecretDigester } from '../../src/model/hash.js';
import { plan } from '../../src/plan/plan.js';
import { desiredFrom, TEST_DIGEST_KEY } from '../support/load-fixture.js';
import { applyPlanToModel } from '../support/observed-model.js';

const COMPOSE = `
services:
  web:
    image: localhost/web:1
    secrets: [db_password]
    configs: [greeting]
  plain:
    image: localhost/plain:1
secrets:
  db_password:
    environment: DB_PASSWORD
configs:
  greeting:
    content: hello
`;
const VALUES = { processEnv: { DB_PASSWORD: 'hunter2' } };
const OTHER_KEY = new Uint8Array(32).fill(9);
const GUARD = { stateDir: '/var/lib/phoenix-b', rekey: false };

function images(desired: DesiredState): ObservedState {
  return { ...EMPTY_OBSERVED, images: Object.fromEntries(desired.services.map((s) => [s.spec.image, `sha256:${s.name}`])) };
}

/** TEST DOUBLE for Podman: the state after applying `desired` to nothing. */
function applied(desired: DesiredState): ObservedState {
  const result = plan(desired, images(desired));
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return applyPlanToModel(images(desired), result.value);
}

describe('the secret-digest key guard', () => {
  it('labels each secret (not config) with the key id, which differs per key and does not contain the key', () => {
    const desired = desiredFrom(COMPOSE, VALUES);
    const secret = desired.secrets.find((s) => s.name === 'db_password')!;
    const config = desired.secrets.find((s) => s.name === 'greeting')!;
    expect(secret.labels[LABEL.secretKey]).toMatch(/^[0-9a-f]{16}$/);
    expect(secret.labels[LABEL.secretKey]).toBe(new SecretDigester(TEST_DIGEST_KEY).keyId());
    expect(new SecretDigester(OTHER_KEY).keyId()).not.toBe(secret.labels[LABEL.secretKey]);
    expect(Buffer.from(TEST_DIGEST_KEY).toString('hex')).not.toContain(secret.labels[LABEL.secretKey]);
    expect(config.labels[LABEL.secretKey]).toBeUndefined();
  });

  it('refuses a plan made with another key, naming the state directory and the remedies', () => {
    const observed = applied(desiredFrom(COMPOSE, VALUES));
    const result = plan(desiredFrom(COMPOSE, { ...VALUES, digestKey: OTHER_KEY }), observed, { secretKey: GUARD });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    const issue = result.issues[0]!;
    expect(issue.code).toBe('PHX-SECRET-KEY-CHANGED');
    expect(issue.message).toContain('/var/lib/phoenix-b');
    expect(issue.message).toContain('"db_password"');
    expect(issue.remediation).toContain('--rekey');
    expect(issue.remediation).toContain('secret-digest.key');
  });

  it('with --rekey plans new versions and recreates the consumers, saying why', () => {
    const observed = applied(desiredFrom(COMPOSE, VALUES));
    const result = plan(desiredFrom(COMPOSE, { ...VALUES, digestKey: OTHER_KEY }), observed, { secretKey: { ...GUARD, rekey: true } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const create = result.value.actions.find((a) => a.kind === 'secret.create');
    expect(create?.kind === 'secret.create' && create.cause).toBe('new version of secret "db_password": the secret-digest key changed (--rekey)');
    expect(result.value.summary.recreate).toBe(1);
    expect(result.value.warnings.map((w) => w.message).join('\n')).toMatch(/^--rekey: the secrets of app\/test .* are recreated\.$/m);
  });

  it('accepts the same key, and a content change made with it', () => {
    const desired = desiredFrom(COMPOSE, VALUES);
    const observed = applied(desired);
    const same = plan(desired, observed, { secretKey: GUARD });
    expect(same.ok && same.value.actions).toEqual([]);
    const changed = plan(desiredFrom(COMPOSE, { processEnv: { DB_PASSWORD: 'new' } }), observed, { secretKey: GUARD });
    expect(changed.ok).toBe(true);
  });

  it('accepts legacy secrets made before the label existed (no refusal, consumers follow the new name)', () => {
    const observed = applied(desiredFrom(COMPOSE, VALUES));
    const legacy: ObservedState = { ...observed, secrets: observed.secrets.map((s) => ({ ...s, labels: Object.fromEntries(Object.entries(s.labels).filter(([k]) => k !== LABEL.secretKey)) })) };
    const result = plan(desiredFrom(COMPOSE, { ...VALUES, digestKey: OTHER_KEY }), legacy, { secretKey: GUARD });
    expect(result.ok).toBe(true);
  });

  it('is not applied by commands that do not pass the guard (down, restart: they create no secret)', () => {
    const observed = applied(desiredFrom(COMPOSE, VALUES));
    expect(plan(desiredFrom(COMPOSE, { ...VALUES, digestKey: OTHER_KEY }), observed).ok).toBe(true);
  });

  it('leaves every container config hash as it was (the label is on the Podman secret only)', () => {
    const desired = desiredFrom(COMPOSE, VALUES);
    const web = desired.services.find((s) => s.name === 'web')!;
    expect(JSON.stringify(web.spec)).not.toContain(LABEL.secretKey);
    expect(JSON.stringify(web.ownerLabels)).not.toContain(LABEL.secretKey);
  });
});
