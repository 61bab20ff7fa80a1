/**
 * /readyz and /status of `phoenix watch` against real Podman: the moment /readyz says ready,
 * /status shows the containers the first reconcile started as running (it said `missing` for
 * ~10 s), and /readyz says why it is not ready while the reconciles fail (it answered 200).
 * The failing Podman is a test double of the podman binary (it cannot be made to fail on demand).
 */
import { describe, expect, it } from 'vitest';
import { BEHAVIOUR, podmanBinaryTestDouble } from '../support/podman-binary-test-double.js';
import { eventually, service } from './support.js';
import { startWatch, useWatchSuite } from './watch-support.js';

const suite = useWatchSuite();

describe.sequential('phoenix watch readiness', { timeout: 120_000 }, () => {
  it('is ready only once /status shows the containers the first reconcile started, running', async () => {
    const project = suite.project();
    project.writeCompose({ services: { app: service(), worker: service() } });
    const watch = await startWatch(project);
    // startWatch returned as /readyz answered 200: /status must already say running, at once.
    const status = await watch.status();
    const services = status.environments[0]!.services;
    expect(services.map((s) => [s.service, s.containers.map((c) => c.state)])).toEqual([
      ['app', ['running']],
      ['worker', ['running']],
    ]);
    expect(status.environments[0]!.lastReconcile).toMatchObject({ ok: true });
    // /status says whether Podman runs rootless or rootful (Podman's rule: the effective user id).
    expect((status as unknown as { podman: string }).podman).toBe(process.geteuid?.() === 0 ? 'rootful' : 'rootless');
  });

  it('answers 503 with the reason while reconciles fail', async () => {
    const project = suite.project();
    project.writeCompose({ services: { app: service() } });
    const broken = podmanBinaryTestDouble(BEHAVIOUR.fail);
    try {
      const watch = await startWatch(project, [], { waitReady: false, env: { PATH: broken.path, PHOENIX_PODMAN_API: '0' } });
      const answer = await eventually('/readyz to say why it is not ready', 20_000, async () => {
        const res = await watch.get('/readyz');
        return res.body.includes('failed') ? res : undefined;
      });
      expect(answer.status).toBe(503);
      expect(answer.body).toMatch(/^not ready: the last reconcile of it failed: PODMAN-FAILED .*the podman test double fails on purpose/);
      expect(await watch.stop()).toBe(0);
    } finally {
      broken.remove();
    }
  });
});
