/**
 * Compose configs against real Podman: each config is a versioned Podman secret mounted as a
 * file; a content change recreates exactly its consumers, which see the new content at the
 * target; an unchanged re-apply touches nothing; bad input changes nothing in Podman.
 */
import { describe, expect, it } from 'vitest';
import { inspectContainers, podman, service, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();

describe('configs', { timeout: 120_000 }, () => {
  it('a content change recreates exactly its consumers, which read the new content; the old version goes', async () => {
    const project = suite.project();
    const compose = (motd: string): Record<string, unknown> => ({
      services: {
        web: service({ configs: ['site'] }),
        api: service({ configs: [{ source: 'site', target: '/etc/app/site.conf', mode: '0440' }] }),
        worker: service({ configs: ['motd'] }),
        bystander: service(),
      },
      configs: { site: { file: './site.conf' }, motd: { content: motd } },
    });
    project.writeFile('environments/compose/site.conf', 'listen 80;\n');
    project.writeCompose(compose('hello ${GREETING:-there}'));
    await project.apply();
    const [web, api, worker, bystander] = ['web', 'api', 'worker', 'bystander'].map((s) => project.container(s)) as [string, string, string, string];
    expect(await podman(['exec', web, 'cat', '/site'])).toBe('listen 80;\n');
    expect(await podman(['exec', api, 'cat', '/etc/app/site.conf'])).toBe('listen 80;\n');
    expect(await podman(['exec', api, 'stat', '-c', '%a', '/etc/app/site.conf'])).toBe('440\n');
    expect(await podman(['exec', worker, 'cat', '/motd'])).toBe('hello there');
    const firstSecrets = await project.secrets();
    expect(firstSecrets.filter((s) => s.startsWith(`${project.object('config-site')}-`))).toHaveLength(1);
    const before = new Map((await inspectContainers([web, api, worker, bystander])).map((c) => [c.name, c]));

    // Unchanged: nothing to do.
    const unchanged = await project.phoenix(['plan']);
    expect(unchanged.code).toBe(0);
    expect(unchanged.stdout).toContain('No changes');

    project.writeFile('environments/compose/site.conf', 'listen 8080;\n');
    const plan = await project.phoenix(['plan']);
    expect(plan.stdout).toContain('new version of config "site": its content changed');
    const applied = await project.apply();
    expect(applied.stdout).toContain('1 created, 2 recreated, 2 started, 0 stopped, 1 removed');

    const after = new Map((await inspectContainers([web, api, worker, bystander])).map((c) => [c.name, c]));
    for (const name of [web, api]) expect(after.get(name)!.id, `${name} recreated`).not.toBe(before.get(name)!.id);
    for (const name of [worker, bystander]) expect(after.get(name)!.id, `${name} untouched`).toBe(before.get(name)!.id);
    expect(await podman(['exec', web, 'cat', '/site'])).toBe('listen 8080;\n');
    expect(await podman(['exec', api, 'cat', '/etc/app/site.conf'])).toBe('listen 8080;\n');
    const secretsNow = await project.secrets();
    expect(secretsNow.filter((s) => s.startsWith(`${project.object('config-site')}-`))).toHaveLength(1);
    expect(secretsNow).not.toEqual(firstSecrets);
  });

  it('a missing file, an undeclared config or a bad mode: file:line:col, exit 1, nothing created', async () => {
    const project = suite.project();
    const head = 'services:\n  web:\n    image: localhost/phoenix-demo/busybox:1\n    configs:\n';
    const cases: [string, RegExp][] = [
      [`${head}      - source: site\n        mode: 4000\nconfigs:\n  site:\n    content: x\n`, /app\.yaml:6:15 error PHX-INVALID-VALUE services\.web\.configs\[0\]\.mode: mode "4000" is not a file mode/],
      [`${head}      - site\nconfigs:\n  site:\n    file: ./missing.conf\n`, /app\.yaml:7:3 error PHX-CONFIG-SOURCE-MISSING configs\.site\.file: config "site" reads environments\/compose\/missing\.conf, which does not exist/],
      [`${head}      - nope\n`, /app\.yaml:5:9 error PHX-CONFIG-UNDECLARED services\.web\.configs: config "nope" is used but not declared/],
    ];
    for (const [compose, expected] of cases) {
      project.writeCompose(compose);
      const run = await project.phoenix(['apply', '--yes']);
      expect(run.code).toBe(1);
      expect(run.stdout + run.stderr).toMatch(expected);
      expect(await project.state()).toEqual({ containers: [], networks: [], volumes: [], secrets: [] });
    }
  });
});
