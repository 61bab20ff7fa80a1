/**
 * `phoenix config` shows what apply applies, against real Podman: the config hash it prints for
 * each service is the one apply labels the service's container with; without the secret value
 * the consumers' hashes are "unknown" (never a wrong one), and the value is never printed.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LABEL } from '../../src/model/desired.js';
import { service, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();

interface Document {
  services: Record<string, { configHash: string; containerNames: string[] }>;
  secrets: Record<string, { podmanName: string; digest: string }>;
}

describe('phoenix config against what apply made', { timeout: 120_000 }, () => {
  it('prints the config hashes the containers carry, and the secret only as its digest', async () => {
    const project = suite.project();
    const variable = `PHXIT_CONFIG_TOKEN_${randomBytes(4).toString('hex').toUpperCase()}`;
    const canary = `phxit-canary-${randomBytes(12).toString('hex')}`;
    project.writeEnvironment({ secrets: { token: { environment: variable } }, variables: { GREETING: 'hello' } });
    project.writeCompose({
      services: { web: service({ secrets: ['token'], environment: { GREETING: '${GREETING}' } }), plain: service() },
      secrets: { token: {} },
    });
    const applied = await project.phoenix(['apply', '--yes'], { env: { [variable]: canary } });
    expect(applied.code, applied.stderr).toBe(0);
    const containers = await project.containers();

    const withValue = await project.phoenix(['config', '--format', 'json'], { env: { [variable]: canary } });
    expect(withValue.code, withValue.stderr).toBe(0);
    const doc = JSON.parse(withValue.stdout) as Document;
    for (const name of ['web', 'plain']) {
      const container = containers.get(doc.services[name]!.containerNames[0]!);
      expect(container, name).toBeDefined();
      expect(doc.services[name]!.configHash, name).toBe(container!.labels[LABEL.configHash]);
    }
    expect(await project.secrets()).toEqual([doc.secrets.token!.podmanName]);

    const without = await project.phoenix(['config', '--format', 'json']);
    expect(without.code, without.stderr).toBe(0);
    const unknown = JSON.parse(without.stdout) as Document;
    expect(unknown.services.web!.configHash).toBe('unknown');
    expect(unknown.secrets.token).toMatchObject({ podmanName: 'unknown', digest: 'unknown' });
    expect(unknown.services.plain!.configHash).toBe(containers.get(project.container('plain'))!.labels[LABEL.configHash]);
    expect(without.stderr).toContain(`note: secret "token" was not read (the variable ${variable} is not set)`);

    for (const text of project.transcript) expect(text).not.toContain(canary);
  });
});
