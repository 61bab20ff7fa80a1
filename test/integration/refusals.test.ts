/**
 * What apply refuses to do against real Podman, leaving Podman exactly as it was: invalid
 * manifests, a saved plan made stale by a change in Podman, and destructive steps without
 * --yes where nobody can be asked.
 */
import { describe, expect, it } from 'vitest';
import type { TestProject } from './support.js';
import { IMAGE, podman, service, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();

/** A project with one of each kind of object (containers, a network, a volume, a secret), applied. */
async function appliedProject(): Promise<TestProject> {
  const project = suite.project();
  project.writeFile('environments/compose/token.txt', 'not-a-real-secret\n');
  project.writeCompose({
    services: {
      web: service({ restart: 'unless-stopped', secrets: ['token'], volumes: ['data:/data'] }),
      api: service({ restart: 'unless-stopped', depends_on: ['web'] }),
    },
    volumes: { data: {} },
    secrets: { token: { file: './token.txt' } },
  });
  await project.apply();
  const state = await project.state();
  expect(state.containers).toHaveLength(2);
  expect(state.networks).toHaveLength(1);
  expect(state.volumes).toHaveLength(1);
  expect(state.secrets).toHaveLength(1);
  return project;
}

describe('apply refuses and changes nothing', { timeout: 120_000 }, () => {
  it('invalid manifests (unknown key, cycle, unset variable): file:line:col, exit 1, Podman untouched', async () => {
    const project = await appliedProject();
    const before = await project.state();
    const cases: { what: string; compose: string; expected: string }[] = [
      {
        what: 'an unknown key',
        compose: ['services:', '  web:', `    image: ${IMAGE}`, '    frobnicate: .', ''].join('\n'),
        expected: 'environments/compose/app.yaml:4:5 error PHX-UNKNOWN-KEY services.web.frobnicate:',
      },
      {
        what: 'a dependency cycle',
        compose: ['services:', '  web:', `    image: ${IMAGE}`, '    depends_on: [api]', '  api:', `    image: ${IMAGE}`, '    depends_on: [web]', ''].join('\n'),
        expected: 'environments/compose/app.yaml:4:18 error PHX-DEPENDENCY-CYCLE services.web.depends_on.api: depends_on forms a cycle: api -> web -> api',
      },
      {
        what: 'an unset variable',
        compose: ['services:', '  web:', `    image: ${IMAGE}`, '    environment:', '      TOKEN: ${PHXIT_SURELY_UNSET_VARIABLE}', ''].join('\n'),
        expected: 'environments/compose/app.yaml:5:14 error PHX-VARIABLE-UNSET services.web.environment.TOKEN: variable "PHXIT_SURELY_UNSET_VARIABLE" is not set',
      },
    ];
    for (const { what, compose, expected } of cases) {
      project.writeCompose(compose);
      for (const command of [['apply', '--yes'], ['plan']]) {
        const run = await project.phoenix(command);
        expect(run.code, `${what}: ${command[0]}`).toBe(1);
        expect(run.stderr, `${what}: ${command[0]}`).toContain(expected);
        expect(run.stderr).toContain('environment it is not valid; nothing was');
        expect(run.stdout).toBe('');
      }
      expect(await project.state(), what).toEqual(before);
    }
  });

  it('a saved plan is refused once Podman changed; an unchanged one applies', async () => {
    const project = await appliedProject();
    const [web, api] = [project.container('web'), project.container('api')];
    await podman(['rm', '--force', '--time', '0', web]);
    const saved = await project.phoenix(['plan', '--out', 'stale.json']);
    expect(saved.code).toBe(0);
    expect(saved.stdout).toContain(`+ create container ${web}`);

    await podman(['stop', '--time', '1', api]);
    const changed = await project.state();
    const refused = await project.phoenix(['apply', '--yes', '--plan', 'stale.json']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Podman changed since stale.json was made; refusing to apply a stale plan');
    expect(refused.stdout).not.toMatch(/\bok (create|start)\b/);
    expect(await project.state()).toEqual(changed);
    expect((await project.containers()).has(web)).toBe(false);

    const fresh = await project.phoenix(['plan', '--out', 'fresh.json']);
    expect(fresh.code).toBe(0);
    const applied = await project.phoenix(['apply', '--yes', '--plan', 'fresh.json']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain('1 created, 0 recreated, 2 started, 0 stopped, 0 removed');
    const containers = await project.containers();
    expect(containers.get(web)!.state).toBe('running');
    expect(containers.get(api)!.state).toBe('running');
    // Applied exactly: nothing is left to do.
    const after = await project.phoenix(['plan', '--detailed-exitcode']);
    expect(after.code, after.stdout).toBe(0);
  });

  it('destructive steps without --yes on a non-terminal (or not confirmed on one) are refused, nothing changed', async () => {
    const project = await appliedProject();
    project.writeCompose({
      services: {
        // A changed environment on the service with a named volume: recreating it is destructive.
        web: service({ restart: 'unless-stopped', secrets: ['token'], volumes: ['data:/data'], environment: { CHANGED: 'yes' } }),
        // api is gone from the manifests: with --prune it would be removed.
      },
      volumes: { data: {} },
      secrets: { token: { file: './token.txt' } },
    });
    const before = await project.state();

    const apply = await project.phoenix(['apply', '--prune']);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain('the plan has destructive steps');
    expect(apply.stderr).toContain(`container.recreate ${project.container('web')}`);
    expect(apply.stderr).toContain(`container.remove ${project.container('api')}`);
    expect(apply.stderr).toContain('Run again with --yes to carry them out (nothing was changed)');
    expect(await project.state()).toEqual(before);

    const down = await project.phoenix(['down', '--volumes']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('Run again with --yes');
    expect(await project.state()).toEqual(before);

    // On a terminal Phoenix asks; a "no" changes nothing either.
    const declined = await project.phoenix(['apply', '--prune'], { interactive: true });
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain('not confirmed; nothing was changed');
    expect(await project.state()).toEqual(before);
  });
});
