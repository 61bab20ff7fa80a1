/**
 * status, restart, logs and down against real Podman.
 */
import { describe, expect, it } from 'vitest';
import { loopAfter, podman, service, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();

interface StatusJson {
  project: string;
  environment: string;
  services: { service: string; verdict: string; runningReplicas: number; desiredReplicas: number; containers: { name: string; state: string; inSync: boolean }[] }[];
}

describe('status, restart, logs, down', { timeout: 120_000 }, () => {
  it('status --json, restart of one service, logs prefixed by container, down keeping volumes, down --volumes', async () => {
    const project = suite.project();
    project.writeFile('environments/compose/token.txt', 'not-a-real-secret\n');
    const compose = (apiMode: string): Record<string, unknown> => ({
      services: {
        web: service({ restart: 'unless-stopped', command: loopAfter('echo "hello from web"') }),
        api: service({
          restart: 'unless-stopped',
          depends_on: ['web'],
          environment: { MODE: apiMode },
          secrets: ['token'],
          volumes: ['data:/data'],
          command: loopAfter('echo "hello from api"'),
        }),
      },
      volumes: { data: {} },
      secrets: { token: { file: './token.txt' } },
    });
    project.writeCompose(compose('one'));
    await project.apply();
    const [web, api] = [project.container('web'), project.container('api')];

    // status: converged, exit 0.
    const converged = await project.phoenix(['status', '--json']);
    expect(converged.code, converged.stdout + converged.stderr).toBe(0);
    const status = JSON.parse(converged.stdout) as StatusJson;
    expect(status.project).toBe(project.name);
    expect(status.services.map((s) => [s.service, s.verdict, s.runningReplicas, s.desiredReplicas]).sort()).toEqual([
      ['api', 'converged', 1, 1],
      ['web', 'converged', 1, 1],
    ]);
    for (const s of status.services) for (const c of s.containers) expect(c).toMatchObject({ state: 'running', inSync: true });

    // status: progressing, drifted (the manifests changed, Podman did not), exit 2.
    project.writeCompose(compose('two'));
    const drifted = await project.phoenix(['status', '--json']);
    expect(drifted.code).toBe(2);
    const driftedStatus = JSON.parse(drifted.stdout) as StatusJson;
    expect(driftedStatus.services.find((s) => s.service === 'api')).toMatchObject({ verdict: 'progressing', reason: 'drifted', containers: [{ name: api, inSync: false }] });
    expect(driftedStatus.services.find((s) => s.service === 'web')).toMatchObject({ verdict: 'converged' });
    project.writeCompose(compose('one'));

    // restart web: only web's StartedAt moves.
    const before = await project.containers();
    const restarted = await project.phoenix(['restart', 'web']);
    expect(restarted.code, restarted.stdout + restarted.stderr).toBe(0);
    expect(restarted.stdout).toContain('0 created, 0 recreated, 1 started, 1 stopped, 0 removed');
    const after = await project.containers();
    expect(after.get(web)!.state).toBe('running');
    expect(after.get(web)!.id).toBe(before.get(web)!.id);
    expect(after.get(web)!.startedAt).not.toBe(before.get(web)!.startedAt);
    expect(after.get(api)!.startedAt).toBe(before.get(api)!.startedAt);
    expect(after.get(api)!.id).toBe(before.get(api)!.id);

    // logs: every line prefixed by its container's name; web said hello twice (it restarted).
    const logs = await project.phoenix(['logs']);
    expect(logs.code, logs.stderr).toBe(0);
    const lines = logs.stdout.split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line).toMatch(new RegExp(`^(${web}|${api}) *\\| `));
    expect(lines.filter((l) => new RegExp(`^${web} *\\| hello from web$`).test(l))).toHaveLength(2);
    expect(lines.filter((l) => new RegExp(`^${api} *\\| hello from api$`).test(l))).toHaveLength(1);
    const apiOnly = await project.phoenix(['logs', 'api', '--tail', '1']);
    expect(apiOnly.stdout.trim()).toMatch(new RegExp(`^${api} *\\| hello from api$`));

    // down: containers, network and secret go; the named volume (and its data) stays.
    await podman(['exec', api, 'sh', '-c', 'echo kept > /data/file']);
    const down = await project.phoenix(['down', '--yes']);
    expect(down.code, down.stdout + down.stderr).toBe(0);
    const afterDown = await project.state();
    expect(afterDown.containers).toEqual([]);
    expect(afterDown.networks).toEqual([]);
    expect(afterDown.secrets).toEqual([]);
    expect(afterDown.volumes).toEqual([project.object('data')]);
    const mountpoint = (await podman(['volume', 'inspect', '--format', '{{.Mountpoint}}', project.object('data')])).trim();
    expect(mountpoint).not.toBe('');

    // down --volumes: the volume too.
    const downVolumes = await project.phoenix(['down', '--volumes', '--yes']);
    expect(downVolumes.code, downVolumes.stdout + downVolumes.stderr).toBe(0);
    expect(downVolumes.stdout).toContain(`remove volume ${project.object('data')}`);
    expect(await project.state()).toEqual({ containers: [], networks: [], volumes: [], secrets: [] });
  });
});
