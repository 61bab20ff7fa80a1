/**
 * `policy.image_updates` in `phoenix watch`, against REAL Podman and a real registry on localhost:
 * a tag that moves in the registry is pulled within the interval and its container recreated on
 * the new image, without systemd and without a second command.
 */
import { describe, expect, it } from 'vitest';
import { IMAGE, LOOP, podman, podmanResult } from './support.js';
import { pushTo, useTestRegistry } from './registry.js';
import { startWatch, useWatchSuite, waitForContainer } from './watch-support.js';

const suite = useWatchSuite();
const registry = useTestRegistry();

async function imageId(reference: string): Promise<string> {
  return (await podman(['image', 'inspect', '--format', '{{.Id}}', reference])).trim();
}

describe.sequential('watch polls image tags (policy.image_updates)', { timeout: 120_000 }, () => {
  it('a tag moved in the registry is pulled and its container recreated on the new image', async () => {
    const project = suite.project();
    const image = `${registry.host}/${project.name}/app:1`;
    const v2 = `localhost/${project.name}-v2:latest`;
    try {
      await pushTo(registry, IMAGE, image);
      project.writeEnvironment({ policy: { prune: false, resync_interval: '1s', image_updates: { interval: '1s' }, registries: { insecure: [registry.host] } } });
      project.writeCompose({ services: { app: { image, stop_grace_period: '1s', command: ['sh', '-c', LOOP] } } });
      const watch = await startWatch(project, [], { env: { REGISTRY_AUTH_FILE: registry.authFile } });
      const name = project.container('app');
      const first = await waitForContainer(name, 'running', 30_000, (c) => c.running);
      expect((first.raw as { Image: string }).Image).toBe(await imageId(IMAGE));

      project.writeFile('v2/Dockerfile', `FROM ${IMAGE}\nLABEL phoenix.test=v2\n`);
      await podman(['build', '--tag', v2, `${project.dir}/v2`]);
      const movedAt = Date.now();
      await pushTo(registry, v2, image);
      const recreated = await waitForContainer(name, 'recreated on the new image', 30_000, (c) => c.running && c.id !== first.id);
      console.log(`[watch] tag moved -> container on the new image: ${Date.now() - movedAt} ms`);
      expect((recreated.raw as { Image: string }).Image).toBe(await imageId(v2));
      const kinds = watch.events('action.started').map((e) => `${String(e.data.kind)} ${String(e.data.resource)}`);
      expect(kinds).toContain(`image.pull ${image}`);
      expect(kinds).toContain(`container.recreate ${name}`);
      expect(await watch.stop()).toBe(0);
      expect(project.transcript.join('\n')).not.toContain(registry.password);
    } finally {
      await project.cleanup();
      for (const reference of [image, v2]) await podmanResult(['rmi', '--force', reference]);
    }
  });
});
