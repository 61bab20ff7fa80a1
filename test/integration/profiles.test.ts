/**
 * Compose profiles against real Podman: a profile-gated service runs only with its profile,
 * and applying without the profile afterwards leaves it alone (Compose's rule), while down
 * removes it.
 */
import { describe, expect, it } from 'vitest';
import { service, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();

describe('profiles', { timeout: 120_000 }, () => {
  it('apply creates a profile-gated service only with --profile; a later apply without it leaves it running; down removes it', async () => {
    const project = suite.project();
    project.writeCompose({
      services: {
        web: service(),
        debug: service({ profiles: ['debug'] }),
      },
    });
    const [web, debug] = [project.container('web'), project.container('debug')];

    await project.apply();
    let containers = await project.containers();
    expect([...containers.keys()].sort()).toEqual([web]);

    const withProfile = await project.apply(['--profile', 'debug']);
    expect(withProfile.stdout).toContain(debug);
    containers = await project.containers();
    expect([...containers.keys()].sort()).toEqual([debug, web].sort());
    expect(containers.get(debug)!.state).toBe('running');
    const debugId = containers.get(debug)!.id;

    // Without the profile the service is still declared: not an orphan, not pruned, not touched.
    const again = await project.apply(['--prune']);
    expect(again.stdout).toContain(`service "debug" is not active (none of its profiles is); it is left as it is`);
    expect(again.stdout).not.toMatch(new RegExp(`(remove|stop|recreate)\\b.*${debug}`));
    containers = await project.containers();
    expect(containers.get(debug)?.id).toBe(debugId);
    expect(containers.get(debug)?.state).toBe('running');

    const down = await project.phoenix(['down', '--yes']);
    expect(down.code, down.stdout + down.stderr).toBe(0);
    expect((await project.containers()).size).toBe(0);
  });
});
