/**
 * Containers Phoenix does not own, against real Podman: one holding a wanted name is never
 * touched unless --adopt is given; podman-compose's containers of the project are replaced.
 */
import { describe, expect, it } from 'vitest';
import { IMAGE, LOOP, freePort, podman, service, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();

describe('unowned containers', { timeout: 120_000 }, () => {
  it('a hand-made container holding a wanted name: refused with PHX-PLAN-NAME-CONFLICT and untouched; --adopt replaces it', async () => {
    const project = suite.project();
    project.writeCompose({ services: { web: service(), api: service() } });
    const web = project.container('web');
    const squatterId = (await podman(['create', '--name', web, IMAGE, 'sleep', '600'])).trim();
    const squatter = await project.inspect(web);

    const refused = await project.phoenix(['apply', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`error PHX-PLAN-NAME-CONFLICT container ${web} exists but was not made by Phoenix for ${project.name}/it.`);
    expect(refused.stderr).toContain('--adopt');
    const afterRefusal = await project.containers();
    // Untouched, and nothing else was done either.
    expect([...afterRefusal.keys()]).toEqual([web]);
    expect(afterRefusal.get(web)!.id).toBe(squatterId);
    expect(afterRefusal.get(web)!.state).toBe(squatter.state);
    expect(afterRefusal.get(web)!.labels['io.phoenix.project']).toBeUndefined();
    expect((await project.state()).networks).toEqual([]);

    const adopted = await project.apply(['--adopt']);
    expect(adopted.stdout).toContain(`~ recreate container ${web}`);
    expect(adopted.stdout).toContain('not made by Phoenix');
    const containers = await project.containers();
    const ours = containers.get(web)!;
    expect(ours.id).not.toBe(squatterId);
    expect(ours.state).toBe('running');
    expect(ours.labels).toMatchObject({ 'io.phoenix.managed-by': 'phoenix', 'io.phoenix.project': project.name, 'io.phoenix.environment': 'it', 'io.phoenix.service': 'web' });
    expect(containers.get(project.container('api'))!.state).toBe('running');
    expect(containers.size).toBe(2);
    const again = await project.phoenix(['plan', '--detailed-exitcode']);
    expect(again.code, again.stdout).toBe(0);
  });

  it("podman-compose's container of the project is replaced by Phoenix's with --adopt", async () => {
    const project = suite.project();
    // Both publish the same host port: Phoenix's can start only once theirs is gone.
    const port = await freePort();
    project.writeCompose({ services: { web: service({ ports: [`127.0.0.1:${port}:8080`] }) } });
    const theirs = `${project.name}_web_1`;
    const composeLabels = [`com.docker.compose.project=${project.name}`, 'com.docker.compose.service=web', 'com.docker.compose.container-number=1'];
    await podman(['run', '--detach', '--name', theirs, '--stop-timeout', '1', '--publish', `127.0.0.1:${port}:8080`, ...composeLabels.flatMap((l) => ['--label', l]), IMAGE, 'sh', '-c', LOOP.replaceAll('$$', '$')]);
    expect((await project.inspect(theirs)).state).toBe('running');

    const adopted = await project.apply(['--adopt']);
    expect(adopted.stdout).toContain(`- remove container ${theirs}`);
    expect(adopted.stdout).toContain('adopted from Compose');
    const containers = await project.containers();
    expect(containers.has(theirs)).toBe(false);
    const ours = containers.get(project.container('web'))!;
    expect(ours.state).toBe('running');
    expect(ours.labels['io.phoenix.project']).toBe(project.name);
    expect(ours.labels['com.docker.compose.project']).toBeUndefined();
    expect(containers.size).toBe(1);
  });
});
