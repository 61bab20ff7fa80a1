/**
 * Watch mode's health monitor and restart policy against real Podman: a container whose
 * health check starts failing is restarted; a crash-looping one is restarted with growing
 * backoff until the breaker opens (one alert), stays down, and recovers once its manifest is
 * fixed.
 */
import { describe, expect, it } from 'vitest';
import { LOOP, loopAfter, podman, podmanResult, service } from './support.js';
import { metricSum, parsePrometheus, startWatch, tryInspect, waitForContainer, useWatchSuite } from './watch-support.js';

const suite = useWatchSuite();

describe.sequential('watch: health checks and the restart policy', { timeout: 120_000 }, () => {
  it('a container whose health check starts failing is restarted, and is healthy again', async () => {
    const project = suite.project();
    project.writeEnvironment({ policy: { prune: false, health: { max_restarts: 5, window: '1m', backoff: { initial: '500ms', max: '2s' } } } });
    // Healthy while /tmp/healthy exists; the command creates it at every start.
    const check = { test: ['CMD', 'test', '-f', '/tmp/healthy'], interval: '1s', timeout: '2s', retries: 2 };
    project.writeCompose({ services: { probed: service({ command: loopAfter('touch /tmp/healthy'), healthcheck: check }), other: service() } });
    const watch = await startWatch(project);
    const [probed, other] = [project.container('probed'), project.container('other')];
    await watch.waitForEvent('probed to become healthy', 30_000, (e) => e.event === 'container.healthy' && e.data.container === probed);
    const before = await waitForContainer(probed, 'running', 10_000, (c) => c.running);
    const otherBefore = (await tryInspect(other))!;
    const from = watch.events().length;

    await podman(['exec', probed, 'rm', '/tmp/healthy']);
    const unhealthy = await watch.waitForEvent('container.unhealthy', 20_000, (e) => e.event === 'container.unhealthy', from);
    expect(unhealthy.data).toMatchObject({ container: probed, failures: 2 });
    const restarted = await watch.waitForEvent('container.restarted', 20_000, (e) => e.event === 'container.restarted', from);
    expect(restarted.service).toBe('probed');
    expect(restarted.data).toMatchObject({ container: probed, attempt: 1, backoffMs: 0 });
    expect(String(restarted.data.reason)).toMatch(/^unhealthy: its health check failed 2 times in a row/);
    // Stopped and started by the health policy: the same container, a new start.
    expect(watch.since(from, 'action.succeeded').map((e) => `${String(e.data.kind)} ${String(e.data.resource)}`)).toEqual([`container.stop ${probed}`, `container.start ${probed}`]);
    const after = await waitForContainer(probed, 'running again', 10_000, (c) => c.running && c.startedAt !== before.startedAt);
    expect(after.id).toBe(before.id);
    await watch.waitForEvent('probed to be healthy again', 20_000, (e) => e.event === 'container.healthy' && e.data.container === probed, from);
    const other2 = (await tryInspect(other))!;
    expect([other2.id, other2.startedAt]).toEqual([otherBefore.id, otherBefore.startedAt]);

    const status = await watch.status();
    const report = status.environments[0]!.services.find((s) => s.service === 'probed')!;
    expect(report.health[0]!.condition).toBe('healthy');
    expect(report.restarts[0]).toMatchObject({ crashLooping: false, restartsInWindow: 1 });
    const metrics = parsePrometheus((await watch.get('/metrics')).body);
    expect(metricSum(metrics, 'phoenix_restarts_total', { service: 'probed' })).toBe(1);
    expect(metricSum(metrics, 'phoenix_health_status', { container: probed })).toBe(1);
  });

  it('a killed container with a health check is restarted at once, not after `retries` failed checks', async () => {
    const project = suite.project();
    project.writeEnvironment({ policy: { prune: false, health: { max_restarts: 5, window: '1m', backoff: { initial: '500ms', max: '2s' } } } });
    // Five failed checks a second apart would take 5 s: the restart must not wait for them.
    const check = { test: ['CMD', 'test', '-f', '/tmp/healthy'], interval: '1s', timeout: '2s', retries: 5 };
    project.writeCompose({ services: { web: service({ command: loopAfter('touch /tmp/healthy'), healthcheck: check }) } });
    const watch = await startWatch(project);
    const web = project.container('web');
    await watch.waitForEvent('web to become healthy', 30_000, (e) => e.event === 'container.healthy' && e.data.container === web);
    const before = await waitForContainer(web, 'running', 10_000, (c) => c.running);
    const from = watch.events().length;

    const killedAt = Date.now();
    await podman(['kill', web]);
    const after = await waitForContainer(web, 'running again', 30_000, (c) => c.running && c.startedAt !== before.startedAt);
    const ms = Date.parse(after.startedAt) - killedAt;
    console.log(`[watch] kill -> running, with a health check (retries 5, interval 1s; a first failure waits no backoff): ${ms} ms`);
    const restarted = await watch.waitForEvent('container.restarted', 10_000, (e) => e.event === 'container.restarted', from);
    expect(restarted.data).toMatchObject({ container: web, attempt: 1, backoffMs: 0 });
    expect(String(restarted.data.reason)).toMatch(/^(exited|stopped) with code 137$/);
    expect(watch.since(from, 'container.unhealthy')).toEqual([]);
    expect(ms).toBeLessThan(4000);
    await watch.waitForEvent('web to be healthy again', 20_000, (e) => e.event === 'container.healthy' && e.data.container === web, from);
  });

  it('a crash-looping service: restarts with growing backoff, stops at the limit with one alert, recovers once fixed', async () => {
    const project = suite.project();
    // resync every 2 s: were anything to start the held container, it would within the wait below.
    project.writeEnvironment({ policy: { prune: false, resync_interval: '2s', health: { max_restarts: 3, window: '1m', backoff: { initial: '500ms', max: '2s', multiplier: 2 } } } });
    project.writeCompose({ services: { crash: service({ command: ['sh', '-c', 'echo boom; exit 1'] }), steady: service() } });
    const watch = await startWatch(project);
    const [crash, steady] = [project.container('crash'), project.container('steady')];

    const alert = await watch.waitForEvent('service.crash-looping', 40_000, (e) => e.event === 'service.crash-looping');
    expect(alert.service).toBe('crash');
    expect(alert.data).toMatchObject({ restarts: 3, windowMs: 60_000 });
    // Podman 4 reports `stopped` between the exit and its cleanup, `exited` after.
    expect(String(alert.data.lastError)).toMatch(new RegExp(`^${crash}: (exited|stopped) with code 1$`));
    const restarts = watch.events('container.restarted');
    expect(restarts.map((e) => [e.service, e.data.attempt, e.data.backoffMs])).toEqual([
      ['crash', 1, 0],
      ['crash', 2, 500],
      ['crash', 3, 1000],
    ]);
    // The backoff is real: each restart after the first comes at least its delay after the
    // previous one (the delay counts from the failure, which follows the previous restart).
    const times = restarts.map((e) => Date.parse(e.time));
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(500);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(1000);

    // Held: two resyncs later (and past the longest backoff) still no restart, still exited, one alert.
    const heldFrom = watch.events().length;
    for (let i = 0; i < 2; i++) {
      await watch.waitForEvent(`resync ${i + 1} after the alert`, 15_000, (e) => e.event === 'reconcile.succeeded' && String(e.data.trigger).includes('periodic resync'), watch.events().length);
    }
    expect(watch.since(heldFrom, 'container.restarted')).toEqual([]);
    expect(watch.since(heldFrom, 'action.started')).toEqual([]);
    expect(watch.events('service.crash-looping')).toHaveLength(1);
    expect(watch.events('container.restarted')).toHaveLength(3);
    expect((await tryInspect(crash))!.running).toBe(false);
    const heldStatus = (await watch.status()).environments[0]!;
    const held = heldStatus.services.find((s) => s.service === 'crash')!;
    expect(held.restarts[0]).toMatchObject({ crashLooping: true, restartsInWindow: 3 });
    // Health is part of convergence: never `converged` next to crashLooping.
    expect(held).toMatchObject({ verdict: 'degraded', reason: 'crash-looping' });
    expect(heldStatus.verdict).toBe('degraded');
    const heldMetrics = parsePrometheus((await watch.get('/metrics')).body);
    expect(metricSum(heldMetrics, 'phoenix_crash_looping', { service: 'crash' })).toBe(1);
    expect(metricSum(heldMetrics, 'phoenix_service_verdict', { service: 'crash', verdict: 'degraded' })).toBe(1);
    expect(metricSum(heldMetrics, 'phoenix_service_verdict', { service: 'crash', verdict: 'converged' })).toBe(0);
    expect(metricSum(heldMetrics, 'phoenix_restarts_total', { service: 'crash' })).toBe(3);
    expect((await tryInspect(steady))!.running).toBe(true);

    // The fix: a command that stays up. The service is recreated, runs, and is no longer held.
    const fixFrom = watch.events().length;
    project.writeCompose({ services: { crash: service({ command: ['sh', '-c', LOOP] }), steady: service() } });
    const fixed = await waitForContainer(crash, 'recreated and running', 30_000, (c) => c.running);
    const stillRunning = await waitForContainer(crash, 'still running 3 s later', 15_000, (c) => c.running && Date.now() - Date.parse(c.startedAt) > 3000);
    expect(stillRunning.id).toBe(fixed.id);
    expect(watch.since(fixFrom, 'action.succeeded').map((e) => `${String(e.data.kind)} ${String(e.data.resource)}`)).toEqual([`container.recreate ${crash}`, `container.start ${crash}`]);
    // Recreating with a new manifest is no restart of the old, crash-looping container.
    expect(watch.since(fixFrom, 'container.restarted')).toEqual([]);
    const recovered = (await watch.status()).environments[0]!.services.find((s) => s.service === 'crash')!;
    expect(recovered.restarts[0]).toMatchObject({ crashLooping: false, restartsInWindow: 0 });
    expect(recovered.verdict).toBe('converged');
    expect(recovered.runningReplicas).toBe(1);
    const metrics = parsePrometheus((await watch.get('/metrics')).body);
    expect(metricSum(metrics, 'phoenix_crash_looping', { service: 'crash' })).toBe(0);
    expect((await podmanResult(['logs', crash])).stdout).not.toContain('boom');
  });
});
