/**
 * Host facts outside the state directory, against real Podman: a state directory of one's own
 * (fresh, no containers.conf in it) still starts containers, because Phoenix finds the host's
 * containers.conf fix (scripts/setup.sh) where every state directory finds it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { service, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();

describe('a fresh --state-dir', { timeout: 90_000 }, () => {
  it('starts containers without a containers.conf of its own', async () => {
    expect(existsSync(path.join(suite.stateDir, 'containers.conf'))).toBe(false);
    const project = suite.project();
    project.writeCompose({ services: { web: service() } });
    // CONTAINERS_CONF unset for Phoenix: it must find the host's fix by itself.
    const run = await project.phoenix(['apply', '--yes', '--wait-timeout', '20s'], { env: { CONTAINERS_CONF: '' } });
    expect(run.stderr).not.toContain('PODMAN-RUNTIME-SETUP');
    expect(run.code).toBe(0);
    expect((await project.inspect(project.container('web'))).state).toBe('running');
    expect(existsSync(path.join(suite.stateDir, 'containers.conf'))).toBe(false);
  });
});
