/**
 * The health monitor and the restart driver against the real Podman of this machine (no
 * mocks, real time, short intervals): a container whose check fails is found unhealthy,
 * restarted, declared crash-looping after the policy's restarts, and recovers when its
 * check passes again. Everything is named `phxtest-<random>-...` and swept away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/events/event-bus.js';
import type { PhoenixEvent } from '../../../src/events/event-types.js';
import { HealthMonitor } from '../../../src/controller/health/health-monitor.js';
import { RestartDriver } from '../../../src/controller/health/restart-driver.js';
import { PodmanCli } from '../../../src/podman/podman-cli.js';
import { containerIntent } from '../../support/podman-fixtures.js';
import { eventually, podman, podmanEnv, requirePodman, sweep, testPrefix } from '../../support/podman-host.js';
import { check, desired, service } from './health-fixtures.js';

const prefix = testPrefix();
let podmanReady = false;
beforeAll(async () => {
  await requirePodman();
  podmanReady = true;
}, 120_000);
afterAll(async () => {
  if (podmanReady) await sweep(prefix);
}, 30_000);

const startedAt = async (name: string): Promise<string> => (await podman(['inspect', '--format', '{{.State.StartedAt}}', name])).trim();

describe('health monitor and restart driver against real Podman', () => {
  it('finds a failing container unhealthy, restarts it, stops at crash-looping, and sees it recover', async () => {
    const name = `${prefix}-web`;
    const healthcheck = check({ test: ['CMD-SHELL', 'test -f /tmp/healthy || { echo "no /tmp/healthy"; exit 1; }'], intervalMs: 500, timeoutMs: 3000, retries: 2 });
    const spec = { healthcheck, command: ['sleep', '300'], stopGracePeriodSeconds: 0 };
    const client = new PodmanCli({ env: podmanEnv() });
    await client.createContainer(containerIntent(name, spec));
    await client.startContainer(name);
    const firstStart = await startedAt(name);

    const bus = new EventBus();
    const events: PhoenixEvent[] = [];
    bus.subscribe({ types: ['container.*', 'service.*'] }, (event) => events.push(event));
    const errors: unknown[] = [];
    const monitor = new HealthMonitor({ podman: client, bus, statusIntervalMs: 500, onError: (error) => errors.push(error) });
    const driver = new RestartDriver({ actuator: { kind: 'podman', podman: client }, bus, monitor, onError: (error) => errors.push(error) });
    const state = desired([{ ...service('web', spec), containerNames: [name] }], { health: { maxRestarts: 2, windowMs: 120_000, backoff: { initialMs: 200, maxMs: 1000, multiplier: 2 } } });
    try {
      driver.update(state);
      await monitor.update(state);
      const kinds = (): string[] => events.map((e) => e.type.replace('io.phoenix.', ''));

      await eventually(async () => (kinds().includes('container.restarted') ? true : undefined), 30_000, 'a restart');
      const unhealthy = events.find((e) => e.type === 'io.phoenix.container.unhealthy');
      expect(unhealthy?.data).toEqual({ container: name, output: 'no /tmp/healthy', failures: 2 });
      // The first restart is immediate: no backoff before it.
      expect(events.find((e) => e.type === 'io.phoenix.container.restarted')?.data).toEqual({ container: name, reason: expect.stringContaining('no /tmp/healthy'), attempt: 1, backoffMs: 0 });
      expect(await startedAt(name)).not.toBe(firstStart);

      const alert = await eventually(async () => events.find((e) => e.type === 'io.phoenix.service.crash-looping'), 30_000, 'the crash-loop alert');
      expect(alert).toMatchObject({ subject: 'web', data: { restarts: 2, windowMs: 120_000, lastError: expect.stringContaining('no /tmp/healthy') } });
      // The second one waited the initial backoff.
      expect(events.filter((e) => e.type === 'io.phoenix.container.restarted').map((e) => e.data)).toEqual([
        expect.objectContaining({ attempt: 1, backoffMs: 0 }),
        { container: name, reason: expect.stringContaining('no /tmp/healthy'), attempt: 2, backoffMs: 200 },
      ]);
      const lastStart = await startedAt(name);
      // The breaker holds: no more restarts while it keeps failing.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(await startedAt(name)).toBe(lastStart);
      expect(driver.isCrashLooping('web')).toBe(true);
      expect(monitor.statusOf('web')[0]).toMatchObject({ condition: 'unhealthy', output: 'no /tmp/healthy' });

      await podman(['exec', name, 'touch', '/tmp/healthy']);
      await eventually(async () => (driver.isCrashLooping('web') ? undefined : true), 15_000, 'recovery');
      expect(events.at(-1)).toMatchObject({ type: 'io.phoenix.container.healthy', data: { container: name } });
      expect(monitor.statusOf('web')[0]).toMatchObject({ condition: 'healthy' });
      expect(errors).toEqual([]);
    } finally {
      await driver.stop();
      await monitor.stop();
    }
  }, 90_000);
});
