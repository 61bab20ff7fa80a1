/**
 * The migration path of docs/migrating.md against real Podman: a compose project whose
 * container podman-compose started (its labels, its name), `phoenix init --from` for it, then
 * `phoenix apply --adopt` with the written environment: Phoenix's container replaces
 * podman-compose's, with the relative and the absolute bind mount the policy init wrote.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main.js';
import { IMAGE, LOOP, capturingIo, freePort, podman, service, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();

describe('migrating from podman-compose', { timeout: 120_000 }, () => {
  it('init --from writes an environment under which apply --adopt takes over the running container', async () => {
    const project = suite.project();
    // The compose project's folder is named after the test project: Compose derives the project
    // name from it, and so must phoenix init, or --adopt would not recognise the container.
    const folder = path.join(project.dir, project.name);
    const outside = path.join(project.dir, 'shared');
    mkdirSync(path.join(folder, 'data'), { recursive: true });
    mkdirSync(outside, { recursive: true });
    writeFileSync(path.join(folder, 'data', 'note'), 'relative\n');
    writeFileSync(path.join(outside, 'note'), 'absolute\n');
    const port = await freePort();
    const web = service({ ports: [`127.0.0.1:${port}:8080`], volumes: ['./data:/data:ro', `${outside}:/shared:ro`] });
    writeFileSync(path.join(folder, 'docker-compose.yml'), stringify({ services: { web } }));

    // What `podman-compose up -d` leaves running: its name, its labels, the host port.
    const theirs = `${project.name}_web_1`;
    const labels = [`com.docker.compose.project=${project.name}`, 'com.docker.compose.service=web', 'com.docker.compose.container-number=1'];
    await podman(['run', '--detach', '--name', theirs, '--stop-timeout', '1', '--publish', `127.0.0.1:${port}:8080`, ...labels.flatMap((l) => ['--label', l]), IMAGE, 'sh', '-c', LOOP.replaceAll('$$', '$')]);

    const run = async (argv: readonly string[]): Promise<{ code: number; out: string }> => {
      const captured = capturingIo(folder);
      const code = await main([...argv, '--state-dir', project.stateDir], captured.io);
      return { code, out: captured.stdout() + captured.stderr() };
    };
    const init = await run(['init', '--from', 'docker-compose.yml']);
    expect(init.out).toContain(`wrote environments/dev.yaml (project ${project.name}, 0 secret sources; policy opened for host paths ${outside})`);
    expect(init.out).toContain('ok dev: valid, 1 services');
    expect(init.code).toBe(0);

    const plan = await run(['plan', '--env', 'dev', '--adopt']);
    expect(plan.out).toContain(`adopted from Compose`);
    expect(plan.out).toContain(`- remove container ${theirs}`);
    const applied = await run(['apply', '--env', 'dev', '--adopt', '--yes', '--wait-timeout', '20s']);
    expect(applied.code, applied.out).toBe(0);

    const ours = `${project.name}-dev-web-1`;
    const names = (await podman(['ps', '--all', '--format', '{{.Names}}'])).split('\n');
    expect(names).not.toContain(theirs);
    expect(names).toContain(ours);
    expect(await podman(['exec', ours, 'cat', '/data/note'])).toBe('relative\n');
    expect(await podman(['exec', ours, 'cat', '/shared/note'])).toBe('absolute\n');
    const again = await run(['plan', '--env', 'dev', '--detailed-exitcode']);
    expect(again.code, again.out).toBe(0);
    // Phoenix's down (the project's cleanup) knows only environments/it.yaml: take ours down here.
    expect((await run(['down', '--env', 'dev', '--yes'])).code).toBe(0);
  });
});
