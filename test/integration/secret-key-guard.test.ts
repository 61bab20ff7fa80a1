/**
 * The secret-digest key guard against real Podman: an environment applied with state
 * directory A and planned with a fresh state directory B (a new secret-digest key) is refused
 * with PHX-SECRET-KEY-CHANGED and nothing changes; `--rekey` proceeds, recreating the consumers
 * once, after which A's key is the stranger.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LABEL } from '../../src/model/desired.js';
import { podman, service, stopApiServices, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();
const others: string[] = [];

afterEach(async () => {
  for (const dir of others.splice(0)) {
    await stopApiServices(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A state directory of its own: a new secret-digest key is made in it on first use. */
function freshStateDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'phxit-keyguard-'));
  others.push(dir);
  return dir;
}

async function secretLabels(name: string): Promise<Record<string, string>> {
  const [inspected] = JSON.parse(await podman(['secret', 'inspect', name])) as { Spec: { Labels: Record<string, string> } }[];
  return inspected!.Spec.Labels;
}

describe('the secret-digest key guard', { timeout: 180_000 }, () => {
  it('refuses a plan and an apply made with another state directory, changing nothing; --rekey proceeds', async () => {
    const project = suite.project();
    project.writeCompose({ services: { app: service({ secrets: ['token'] }), bystander: service() }, secrets: { token: { file: './token.txt' } } });
    project.writeFile('environments/compose/token.txt', 'phxit-token-value\n');
    await project.apply();
    const [first] = await project.secrets();
    const labels = await secretLabels(first!);
    expect(labels[LABEL.secretKey]).toMatch(/^[0-9a-f]{16}$/);
    // The label is an id of the key, never the key.
    const keyA = readFileSync(path.join(suite.stateDir, 'secret-digest.key'));
    expect(JSON.stringify(labels)).not.toContain(keyA.toString('hex').slice(0, 16));
    const before = await project.state();

    const stateB = freshStateDir();
    const planB = await project.phoenix(['plan'], { stateDir: stateB });
    expect(planB.code).toBe(1);
    expect(planB.stderr).toContain('PHX-SECRET-KEY-CHANGED');
    expect(planB.stderr).toContain(stateB);
    expect(planB.stderr).toContain('"token"');
    expect(planB.stderr).toContain('--rekey');
    expect(planB.stderr).toContain('secret-digest.key');
    const applyB = await project.phoenix(['apply', '--yes'], { stateDir: stateB });
    expect(applyB.code).toBe(1);
    expect(applyB.stderr).toContain('PHX-SECRET-KEY-CHANGED');
    expect(await project.state()).toEqual(before);

    const rekeyPlan = await project.phoenix(['plan', '--rekey'], { stateDir: stateB });
    expect(rekeyPlan.code).toBe(0);
    expect(rekeyPlan.stdout).toContain('--rekey: the secrets of');
    expect(rekeyPlan.stdout).toContain('new version of secret "token": the secret-digest key changed (--rekey)');
    const appId = (await project.inspect(project.container('app'))).id;
    const bystanderId = (await project.inspect(project.container('bystander'))).id;
    await project.apply(['--rekey'], { stateDir: stateB });
    expect((await project.inspect(project.container('app'))).id).not.toBe(appId);
    expect((await project.inspect(project.container('bystander'))).id).toBe(bystanderId);
    const secrets = await project.secrets();
    expect(secrets).toHaveLength(1);
    expect(secrets[0]).not.toBe(first);
    expect((await secretLabels(secrets[0]!))[LABEL.secretKey]).not.toBe(labels[LABEL.secretKey]);
    expect(await podman(['exec', project.container('app'), 'cat', '/run/secrets/token'])).toBe('phxit-token-value\n');

    // Now B's key named the secrets: A's is the other key, and B plans no change.
    const planA = await project.phoenix(['plan']);
    expect(planA.code).toBe(1);
    expect(planA.stderr).toContain('PHX-SECRET-KEY-CHANGED');
    const again = await project.phoenix(['plan'], { stateDir: stateB });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('matches');
    // Down with B's state directory for the suite's cleanup; the suite's down (state A) removes by labels.
    await project.phoenix(['down', '--yes'], { stateDir: stateB });
  });
});
