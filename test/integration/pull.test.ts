/**
 * Pulling images against a REAL registry on localhost (Debian's docker-registry, htpasswd auth,
 * started by the test): a pull with the credentials of a `podman login` auth file
 * (REGISTRY_AUTH_FILE), wrong or no credentials as a clear error with a code (and never
 * printed), and a tag that moved in the registry recreating its containers under
 * `pull_policy: always` and not under `missing`.
 */
import { describe, expect, it } from 'vitest';
import type { PhoenixRun, TestProject } from './support.js';
import { IMAGE, LOOP, podman, podmanResult, useIntegrationSuite } from './support.js';
import { pushTo, useTestRegistry } from './registry.js';

const suite = useIntegrationSuite();
const registry = useTestRegistry();

function pulled(image: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { image, stop_grace_period: '1s', command: ['sh', '-c', LOOP], ...extra };
}

async function run(project: TestProject, args: readonly string[], authFile: string): Promise<PhoenixRun> {
  return project.phoenix(args, { env: { REGISTRY_AUTH_FILE: authFile } });
}

async function imageId(reference: string): Promise<string> {
  return (await podman(['image', 'inspect', '--format', '{{.Id}}', reference])).trim();
}

describe.sequential('pulls from a real registry', { timeout: 180_000 }, () => {
  it('pulls with the auth file; a tag that moved recreates under pull_policy: always and not under missing', async () => {
    const project = suite.project();
    const always = `${registry.host}/${project.name}/always:1`;
    const missing = `${registry.host}/${project.name}/missing:1`;
    const v2 = `localhost/${project.name}-v2:latest`;
    try {
      await pushTo(registry, IMAGE, always);
      await pushTo(registry, IMAGE, missing);
      project.writeEnvironment({ policy: { prune: false, registries: { insecure: [registry.host] } } });
      project.writeCompose({ services: { fresh: pulled(always, { pull_policy: 'always' }), steady: pulled(missing) } });

      const plan = await run(project, ['plan'], registry.authFile);
      expect(plan.stdout).toContain(`v pull image ${always} (services fresh, TLS verification off)`);
      expect(plan.stdout).toContain(`v pull image ${missing} (services steady, TLS verification off)`);
      const first = await run(project, ['apply', '--yes'], registry.authFile);
      expect(first.code, first.stdout + first.stderr).toBe(0);
      expect(first.stdout).toContain('2 pulled, ');
      // Podman's own progress, as lines prefixed by the image.
      expect(first.stdout).toContain(`  | ${always}: `);
      const base = await imageId(IMAGE);
      expect(await imageId(always)).toBe(base);
      const fresh = await project.inspect(project.container('fresh'));
      const steady = await project.inspect(project.container('steady'));

      // Unchanged registry: always pulls again (and nothing else happens); missing does not. --json: one object for both rounds.
      const again = await run(project, ['apply', '--yes', '--json'], registry.authFile);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      const parsed = JSON.parse(again.stdout) as { summary: Record<string, number>; report: { actions: { kind: string; status: string }[] }; afterPulls: unknown };
      expect(parsed.summary).toMatchObject({ pull: 1, create: 0, recreate: 0 });
      expect(parsed.report.actions).toEqual([expect.objectContaining({ kind: 'image.pull', status: 'succeeded' })]);
      expect(parsed.afterPulls).toBeNull();
      expect((await project.inspect(project.container('fresh'))).id).toBe(fresh.id);

      // Move both tags in the registry to a new image.
      project.writeFile('v2/Dockerfile', `FROM ${IMAGE}\nLABEL phoenix.test=v2\n`);
      await podman(['build', '--tag', v2, `${project.dir}/v2`]);
      await pushTo(registry, v2, always);
      await pushTo(registry, v2, missing);
      const moved = await run(project, ['apply', '--yes'], registry.authFile);
      expect(moved.stdout).toContain(`v pull image ${always}`);
      expect(moved.stdout).not.toContain(`pull image ${missing}`);
      expect(moved.code, moved.stdout + moved.stderr).toBe(0);
      expect(moved.stdout).toContain('After the pulls:');
      expect(moved.stdout).toMatch(new RegExp(`~ recreate container ${project.container('fresh')}.*\\n\\s+because image behind ${always.replace(/[.]/g, '\\.')} changed`));
      const freshAfter = await project.inspect(project.container('fresh'));
      const steadyAfter = await project.inspect(project.container('steady'));
      expect(freshAfter.id).not.toBe(fresh.id);
      expect((freshAfter.raw as { Image: string }).Image).toBe(await imageId(v2));
      expect(steadyAfter.id).toBe(steady.id);
      expect((steadyAfter.raw as { Image: string }).Image).toBe(base);
      expect(project.transcript.join('\n')).not.toContain(registry.password);
    } finally {
      await project.cleanup();
      for (const reference of [always, missing, v2]) await podmanResult(['rmi', '--force', reference]);
    }
  });

  it('wrong or no credentials: a clear error with its code, the credentials never printed, nothing created', async () => {
    const project = suite.project();
    const image = `${registry.host}/${project.name}/private:1`;
    try {
      await pushTo(registry, IMAGE, image);
      project.writeEnvironment({ policy: { prune: false, registries: { insecure: [registry.host] } } });
      project.writeCompose({ services: { app: pulled(image) } });
      const wrongPassword = 'not-the-password';
      const wrong = await run(project, ['apply', '--yes'], registry.authFileWith(registry.user, wrongPassword));
      expect(wrong.code).toBe(1);
      expect(wrong.stdout).toMatch(/FAILED pull image .*PODMAN-REGISTRY-AUTH .*podman login/);
      expect(wrong.stdout).toMatch(/skipped create container/);
      const none = await run(project, ['pull'], registry.authFileWith('nobody', ''));
      expect(none.code).toBe(1);
      expect(none.stdout).toContain('PODMAN-REGISTRY-AUTH');
      const transcript = project.transcript.join('\n');
      expect(transcript).not.toContain(wrongPassword);
      expect(transcript).not.toContain(registry.password);
      expect(transcript).not.toContain(Buffer.from(`${registry.user}:${wrongPassword}`).toString('base64'));
      expect((await project.state()).containers).toEqual([]);
      // With the right credentials, phoenix pull works and leaves containers alone.
      const ok = await run(project, ['pull', 'app'], registry.authFile);
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toContain('1 pulled');
      expect((await project.state()).containers).toEqual([]);
    } finally {
      await project.cleanup();
      await podmanResult(['rmi', '--force', image]);
    }
  });

  it('a registry without TLS that the policy does not list gives PODMAN-REGISTRY-TLS', async () => {
    const project = suite.project();
    const image = `${registry.host}/${project.name}/tls:1`;
    try {
      await pushTo(registry, IMAGE, image);
      project.writeCompose({ services: { app: pulled(image) } });
      const result = await run(project, ['pull'], registry.authFile);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('PODMAN-REGISTRY-TLS');
      expect(result.stdout).toContain('policy.registries.insecure');
    } finally {
      await project.cleanup();
      await podmanResult(['rmi', '--force', image]);
    }
  });
});
