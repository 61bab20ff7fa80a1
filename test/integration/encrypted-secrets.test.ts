/**
 * Secrets kept encrypted at rest, against real Podman: an age-encrypted file and a value of a
 * SOPS file (keys from the real age-keygen) reach the container as the right value, and never
 * appear in what Phoenix prints; a wrong key stops the apply with PHX-SECRET-DECRYPT at the
 * environment file's line, with nothing made in Podman.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ageEncrypt, ageKeyPair, sopsEncryptedYaml } from '../support/age-fixtures.js';
import type { TestProject } from './support.js';
import { eventually, loopAfter, podmanResult, service, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();

/** What the consumer copied from /run/secrets/<name> when it started. */
function seen(container: string, name: string): Promise<string> {
  return eventually(`${container} to copy ${name}`, 10_000, async () => {
    const result = await podmanResult(['exec', container, 'cat', `/tmp/seen-${name}`]);
    return result.code === 0 ? result.stdout : undefined;
  });
}

/** A consumer of `token` (age) and `dbpass` (SOPS), both encrypted to `recipient`, and the key file `keyFile` for the age one. */
function encryptedProject(project: TestProject, values: { token: string; dbpass: string }, recipient: string, keyFile: string): void {
  project.writeCompose({ services: { app: service({ secrets: ['token', 'dbpass'], command: loopAfter('cp /run/secrets/token /tmp/seen-token; cp /run/secrets/dbpass /tmp/seen-dbpass') }) } });
  // Binary age for one, ASCII-armored age inside SOPS for the other: both formats are read.
  project.writeFile('environments/secrets/token.age', ageEncrypt(values.token, recipient));
  project.writeFile('environments/secrets/app.sops.yaml', sopsEncryptedYaml({ db: { password: values.dbpass } }, recipient));
  chmodSync(project.writeFile('environments/keys/age.txt', keyFile), 0o600);
  project.writeEnvironment({
    secrets: {
      token: { age: 'secrets/token.age', key_file: 'keys/age.txt' },
      dbpass: { sops: 'secrets/app.sops.yaml', key: 'db.password', key_environment: 'PHX_TEST_AGE_KEY' },
    },
  });
}

describe('encrypted secret sources', { timeout: 120_000 }, () => {
  it('an age file and a SOPS value reach the container decrypted, and are never printed', async () => {
    const project = suite.project();
    const keys = ageKeyPair();
    const values = { token: `phx-age-${randomBytes(12).toString('hex')}`, dbpass: `phx-sops-${randomBytes(12).toString('hex')}` };
    encryptedProject(project, values, keys.recipient, keys.keyFile);
    const run = await project.phoenix(['apply', '--yes', '--wait-timeout', '20s'], { env: { PHX_TEST_AGE_KEY: keys.identity } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const app = project.container('app');
    expect(await seen(app, 'token')).toBe(values.token);
    expect(await seen(app, 'dbpass')).toBe(values.dbpass);
    // Unchanged files: nothing to do; the values appear in nothing Phoenix printed.
    const again = await project.phoenix(['plan', '--detailed-exitcode'], { env: { PHX_TEST_AGE_KEY: keys.identity } });
    expect(again.code, again.stdout).toBe(0);
    for (const text of project.transcript) for (const value of Object.values(values)) expect(text).not.toContain(value);
  });

  it('a wrong key stops the apply with PHX-SECRET-DECRYPT at the line that names the file, with nothing made', async () => {
    const project = suite.project();
    const right = ageKeyPair();
    const wrong = ageKeyPair();
    encryptedProject(project, { token: 'never-shown-token', dbpass: 'never-shown-dbpass' }, right.recipient, wrong.keyFile);
    const run = await project.phoenix(['apply', '--yes', '--wait-timeout', '20s'], { env: { PHX_TEST_AGE_KEY: right.identity } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error PHX-SECRET-DECRYPT: environments\/it\.yaml:\d+:\d+: cannot decrypt the age-encrypted file .*token\.age with the key file .*age\.txt: /);
    expect(run.stderr).toContain('age-keygen -y KEYFILE');
    expect(run.stdout + run.stderr).not.toContain('never-shown');
    const state = await project.state();
    expect(state).toEqual({ containers: [], networks: [], volumes: [], secrets: [] });

    // The SOPS value with a key that is not its recipient: the same, for the other source.
    const sopsOnly = suite.project();
    encryptedProject(sopsOnly, { token: 'never-shown-token', dbpass: 'never-shown-dbpass' }, right.recipient, right.keyFile);
    const sopsRun = await sopsOnly.phoenix(['apply', '--yes'], { env: { PHX_TEST_AGE_KEY: wrong.identity } });
    expect(sopsRun.code).toBe(1);
    expect(sopsRun.stderr).toMatch(/error PHX-SECRET-DECRYPT: environments\/it\.yaml:\d+:\d+: cannot decrypt "db\.password" of the SOPS file .*app\.sops\.yaml with the variable PHX_TEST_AGE_KEY: /);
    expect(await sopsOnly.state()).toEqual({ containers: [], networks: [], volumes: [], secrets: [] });
  });
});
