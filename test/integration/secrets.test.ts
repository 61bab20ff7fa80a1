/**
 * Secret rotation against real Podman: a new content is a new versioned Podman secret, every
 * consumer is recreated and reads it, the old version goes, and the value is never shown.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventually, inspectContainers, loopAfter, podman, podmanResult, service, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();

/** What a consumer copied from its secret file when it started (once it has). */
function seen(container: string): Promise<string> {
  return eventually(`${container} to copy its secret`, 10_000, async () => {
    const result = await podmanResult(['exec', container, 'cat', '/tmp/seen']);
    return result.code === 0 ? result.stdout : undefined;
  });
}

describe('secret rotation', { timeout: 120_000 }, () => {
  it('recreates every consumer with the new value, removes the old version, and never shows the value', async () => {
    const project = suite.project();
    const canaries = [`phxit-canary-${randomBytes(12).toString('hex')}`, `phxit-canary-${randomBytes(12).toString('hex')}`];
    // Each consumer copies what it was given at start; the copy is what it "read".
    const consumer = service({ secrets: ['token'], command: loopAfter('cp /run/secrets/token /tmp/seen') });
    project.writeCompose({
      services: { one: consumer, two: consumer, bystander: service() },
      secrets: { token: { file: './token.txt' } },
    });
    const [one, two, bystander] = [project.container('one'), project.container('two'), project.container('bystander')];

    project.writeFile('environments/compose/token.txt', canaries[0]!);
    await project.apply();
    for (const name of [one, two]) expect(await seen(name)).toBe(canaries[0]);
    const firstSecrets = await project.secrets();
    expect(firstSecrets).toHaveLength(1);
    expect(firstSecrets[0]).toMatch(new RegExp(`^${project.object('token')}-[0-9a-f]{12}$`));
    const before = new Map((await inspectContainers([one, two, bystander])).map((c) => [c.name, c]));

    project.writeFile('environments/compose/token.txt', canaries[1]!);
    const plan = await project.phoenix(['plan']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`new version of secret "token": its content changed`);
    expect(plan.stdout).toContain('(sensitive)');
    const rotated = await project.apply();
    expect(rotated.stdout).toContain('1 created, 2 recreated, 2 started, 0 stopped, 1 removed');

    const after = new Map((await inspectContainers([one, two, bystander])).map((c) => [c.name, c]));
    for (const name of [one, two]) {
      expect(after.get(name)!.id, `${name} recreated`).not.toBe(before.get(name)!.id);
      expect(after.get(name)!.state).toBe('running');
      expect(await seen(name), `${name} read the new value`).toBe(canaries[1]);
      expect(await podman(['exec', name, 'cat', '/run/secrets/token'])).toBe(canaries[1]);
    }
    expect(after.get(bystander)!.id).toBe(before.get(bystander)!.id);
    expect(after.get(bystander)!.startedAt).toBe(before.get(bystander)!.startedAt);

    // Exactly one version left, and not the old one.
    const secretsNow = await project.secrets();
    expect(secretsNow).toHaveLength(1);
    expect(secretsNow[0]).not.toBe(firstSecrets[0]);
    expect(secretsNow[0]).toMatch(new RegExp(`^${project.object('token')}-[0-9a-f]{12}$`));

    // The values appear nowhere: Phoenix's output, container labels and inspect data, secret names.
    const secretList = await podman(['secret', 'ls', '--format', '{{.ID}} {{.Name}}']);
    const secretInspect = await podman(['secret', 'inspect', secretsNow[0]!]);
    for (const canary of canaries) {
      for (const text of project.transcript) expect(text).not.toContain(canary);
      for (const c of after.values()) {
        expect(JSON.stringify(c.labels)).not.toContain(canary);
        expect(JSON.stringify(c.raw)).not.toContain(canary);
      }
      expect(secretList).not.toContain(canary);
      expect(secretInspect).not.toContain(canary);
    }
    expect(project.transcript.join('').length).toBeGreaterThan(0);
  });
});
