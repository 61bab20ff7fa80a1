/**
 * `build:` against real Podman: images built from a local context on the demo image, the build
 * digest as a convergence input (an edited context file rebuilds and recreates exactly that
 * service; an unchanged or ignored file builds nothing), `phoenix build`, and bad input.
 */
import { describe, expect, it } from 'vitest';
import type { TestProject } from './support.js';
import { IMAGE, LOOP, podman, podmanResult, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();

const DOCKERFILE = `FROM ${IMAGE}\nCOPY . /app\n`;

/** A service built from `compose/<name>/` that serves nothing and stops at once. */
function built(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { build: `./${name}`, stop_grace_period: '1s', command: ['sh', '-c', LOOP], ...extra };
}

/** The tag Phoenix gives a service's built image: Compose's `<project>-<service>`, as Podman stores it. */
function imageOf(project: TestProject, service: string): string {
  return `localhost/${project.name}-${service}:latest`;
}

/** Removes the images a test built (after its containers are gone). */
async function removeImages(project: TestProject, services: readonly string[]): Promise<void> {
  for (const service of services) await podmanResult(['rmi', '--force', imageOf(project, service)]);
}

async function ids(project: TestProject, services: readonly string[]): Promise<Record<string, string>> {
  const containers = await project.containers();
  return Object.fromEntries(services.map((s) => [s, `${containers.get(project.container(s))?.id ?? 'missing'} ${containers.get(project.container(s))?.startedAt ?? ''}`]));
}

describe.sequential('build: against real Podman', { timeout: 180_000 }, () => {
  it('builds from a local context; an edited file rebuilds and recreates exactly that service; unchanged and ignored files build nothing', async () => {
    const project = suite.project();
    try {
      project.writeFile('environments/compose/web/Dockerfile', DOCKERFILE);
      project.writeFile('environments/compose/web/index.html', 'version 1\n');
      project.writeFile('environments/compose/web/.dockerignore', 'notes.txt\n');
      project.writeFile('environments/compose/web/notes.txt', 'not sent to the build\n');
      project.writeFile('environments/compose/api/Dockerfile', DOCKERFILE);
      project.writeFile('environments/compose/api/api.txt', 'api\n');
      project.writeCompose({ services: { web: built('web'), api: built('api'), plain: { image: IMAGE, stop_grace_period: '1s', command: ['sh', '-c', LOOP] } } });

      const first = await project.apply();
      expect(first.stdout).toContain(`* build image ${imageOf(project, 'web')}`);
      expect(first.stdout).toContain(`* build image ${imageOf(project, 'api')}`);
      // The build's own output is streamed as progress lines.
      expect(first.stdout).toContain(`  | ${imageOf(project, 'web')}: STEP 2/4: COPY . /app`);
      expect(first.stdout).toContain('2 built, ');
      const label = (await podman(['image', 'inspect', '--format', '{{index .Labels "io.phoenix.build-digest"}}', imageOf(project, 'web')])).trim();
      expect(label).toMatch(/^[0-9a-f]{64}$/);
      expect((await podman(['exec', project.container('web'), 'cat', '/app/index.html'])).trim()).toBe('version 1');
      const before = await ids(project, ['web', 'api', 'plain']);

      const again = await project.apply();
      expect(again.stdout).toContain(`No changes: ${project.name}/it matches the manifests.`);
      expect(again.stdout).not.toContain('build image');

      project.writeFile('environments/compose/web/notes.txt', 'edited, but ignored\n');
      const ignored = await project.phoenix(['plan', '--detailed-exitcode']);
      expect(ignored.code, ignored.stdout + ignored.stderr).toBe(0);

      project.writeFile('environments/compose/web/index.html', 'version 2\n');
      const plan = await project.phoenix(['plan']);
      expect(plan.stdout).toContain(`* build image ${imageOf(project, 'web')}`);
      expect(plan.stdout).toContain('because build inputs changed: index.html');
      expect(plan.stdout).toContain(`~ recreate container ${project.container('web')}`);
      expect(plan.stdout).toContain(`because image ${imageOf(project, 'web')} is rebuilt: build inputs changed: index.html`);
      expect(plan.stdout).not.toContain(`build image ${imageOf(project, 'api')}`);
      expect(plan.stdout).toContain('Plan: 1 to build, 0 to create, 1 to recreate');

      const rebuilt = await project.apply();
      expect(rebuilt.stdout).toContain('1 built, 0 created, 1 recreated');
      const after = await ids(project, ['web', 'api', 'plain']);
      expect(after.web).not.toBe(before.web);
      expect(after.api).toBe(before.api);
      expect(after.plain).toBe(before.plain);
      expect((await podman(['exec', project.container('web'), 'cat', '/app/index.html'])).trim()).toBe('version 2');
      expect((await project.phoenix(['plan', '--detailed-exitcode'])).code).toBe(0);
    } finally {
      await project.cleanup();
      await removeImages(project, ['web', 'api']);
    }
  });

  it('image: names the built image; phoenix build builds without touching containers', async () => {
    const project = suite.project();
    const tag = `localhost/${project.name}/custom:2`;
    try {
      project.writeFile('environments/compose/web/Dockerfile', DOCKERFILE);
      project.writeFile('environments/compose/web/a.txt', 'a\n');
      project.writeCompose({ services: { web: built('web', { image: tag }) } });
      const unknown = await project.phoenix(['build', 'nosuch']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('no service nosuch');
      const build = await project.phoenix(['build', 'web']);
      expect(build.code, build.stdout + build.stderr).toBe(0);
      expect(build.stdout).toContain(`build image ${tag}`);
      expect((await podmanResult(['container', 'exists', project.container('web')])).code).toBe(1);
      // Built already and labelled with its digest: apply only creates the container.
      const apply = await project.apply();
      expect(apply.stdout).not.toContain('build image');
      expect(apply.stdout).toContain(`ok create container ${project.container('web')}`);
      expect((await podman(['container', 'inspect', '--format', '{{.ImageName}}', project.container('web')])).trim()).toBe(tag);
      const rebuild = await project.phoenix(['build', '--no-cache']);
      expect(rebuild.code, rebuild.stdout + rebuild.stderr).toBe(0);
      expect((await podman(['container', 'inspect', '--format', '{{.State.Status}}', project.container('web')])).trim()).toBe('running');
    } finally {
      await project.cleanup();
      await podmanResult(['rmi', '--force', tag]);
    }
  });

  it('a missing context folder or Dockerfile is an error at file:line:col, and nothing is created', async () => {
    const project = suite.project();
    try {
      const text = project.writeCompose('services:\n  web:\n    build:\n      context: ./nowhere\n  api:\n    build:\n      context: ./api\n      dockerfile: Missing.Dockerfile\n');
      expect(text).toContain('nowhere');
      project.writeFile('environments/compose/api/x.txt', 'x');
      const run = await project.phoenix(['apply', '--yes']);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/compose\/app\.yaml:4:16 error PHX-BUILD-CONTEXT-MISSING services\.web\.build: .*nowhere/);
      expect(run.stderr).toMatch(/compose\/app\.yaml:8:19 error PHX-BUILD-DOCKERFILE-MISSING services\.api\.build: .*Missing\.Dockerfile/);
      expect((await project.state()).containers).toEqual([]);
      expect((await podmanResult(['image', 'exists', imageOf(project, 'web')])).code).toBe(1);
    } finally {
      await project.cleanup();
    }
  });
});
