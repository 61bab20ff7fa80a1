/**
 * The restart driver with the real health monitor, on virtual time, against a test double of
 * Podman (PodmanHealthTestDouble: not Podman; the real one is in health-monitor.podman.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/events/event-bus.js';
import type { PhoenixEvent } from '../../../src/events/event-types.js';
import { HealthMonitor } from '../../../src/controller/health/health-monitor.js';
import type { RestartActuator, RestartDriverOptions } from '../../../src/controller/health/restart-driver.js';
import { RestartDriver } from '../../../src/controller/health/restart-driver.js';
import type { DesiredState, HealthPolicy } from '../../../src/model/desired.js';
import { FakeTimers, T0 } from './fake-timers.js';
import { check, desired, service } from './health-fixtures.js';
import { PodmanHealthTestDouble } from './podman-health-double.js';

const HEALTH: HealthPolicy = { maxRestarts: 3, windowMs: 600_000, backoff: { initialMs: 1000, maxMs: 8000, multiplier: 2 } };
const WEB = 'app-test-web-1';

let timers: FakeTimers;
let podman: PodmanHealthTestDouble;
let events: PhoenixEvent[];
let monitor: HealthMonitor;
let driver: RestartDriver;
let reconcileRequests: string[];

function start(actuator: RestartActuator = { kind: 'podman', podman }, extra: Pick<RestartDriverOptions, 'evidence' | 'redact'> = {}): void {
  const bus = new EventBus();
  bus.subscribe({}, (event) => events.push(event));
  monitor = new HealthMonitor({ podman, bus, timers, statusIntervalMs: 1000 });
  driver = new RestartDriver({ actuator, bus, monitor, timers, ...extra });
}

async function apply(state: DesiredState): Promise<void> {
  driver.update(state);
  await monitor.update(state);
}

beforeEach(() => {
  timers = new FakeTimers();
  podman = new PodmanHealthTestDouble(timers.now);
  events = [];
  reconcileRequests = [];
});
afterEach(async () => {
  await driver.stop();
  await monitor.stop();
});

const of = (kind: string): PhoenixEvent[] => events.filter((e) => e.type === `io.phoenix.${kind}`);
const unhealthyWeb = (configHash = 'hash-1'): DesiredState => desired([service('web', { healthcheck: check({ retries: 1 }) }, { configHash })], { health: HEALTH });

describe('RestartDriver', () => {
  it('restarts an unhealthy container with growing backoff, then marks the service crash-looping and stops restarting', async () => {
    start();
    podman.add(WEB);
    podman.health = () => ({ healthy: false, output: 'HTTP 503' });
    await apply(unhealthyWeb());
    await timers.advance(60_000);
    const restarted = of('container.restarted');
    // The first restart is immediate, then 1 s, then 2 s: the delay doubles between restarts.
    expect(restarted.map((e) => e.data)).toEqual(
      [
        [1, 0],
        [2, 1000],
        [3, 2000],
      ].map(([attempt, backoffMs]) => ({ container: WEB, reason: expect.stringContaining('HTTP 503'), attempt, backoffMs })),
    );
    expect(restarted.every((e) => e.subject === 'web')).toBe(true);
    expect(podman.callsOf('stopContainer')).toHaveLength(3);
    // Found unhealthy at 0 s: restarted at once. Unhealthy again at the next check (1 s): +1 s → 2 s. Again at 3 s: +2 s → 5 s.
    expect(podman.callsOf('startContainer').map((c) => c.at - T0)).toEqual([0, 2000, 5000]);
    const looping = of('service.crash-looping');
    expect(looping).toHaveLength(1);
    expect(looping[0]).toMatchObject({ subject: 'web', severity: 'critical', data: { restarts: 3, windowMs: 600_000, lastError: expect.stringMatching(/^app-test-web-1: unhealthy: .*HTTP 503/) } });
    expect(driver.isCrashLooping('web')).toBe(true);
    // A circuit breaker, not a storm: an hour later, long past the window, still nothing.
    await timers.advance(3_600_000);
    expect(podman.callsOf('startContainer')).toHaveLength(3);
    expect(of('service.crash-looping')).toHaveLength(1);
    expect(driver.statusOf('web')).toEqual([{ service: 'web', container: WEB, crashLooping: true, restartsInWindow: 0, nextRestartAt: null, lastError: expect.stringContaining('HTTP 503') }]);
  });

  it('restarts at once the first time, then waits out the backoff before the next restart, and shows when it is due', async () => {
    start();
    podman.add(WEB);
    podman.health = () => ({ healthy: false, output: 'down' });
    await apply(unhealthyWeb());
    await timers.advance(10);
    expect(podman.callsOf('startContainer').map((c) => c.at)).toEqual([T0]);
    expect(driver.statusOf('web')[0]?.nextRestartAt).toBeNull();
    // Unhealthy again at the next check (T0 + 1 s): the second restart waits initialMs.
    await timers.advance(1000);
    expect(driver.statusOf('web')[0]?.nextRestartAt).toBe(T0 + 2000);
    expect(podman.callsOf('startContainer')).toHaveLength(1);
    await timers.advance(989);
    expect(podman.callsOf('startContainer')).toHaveLength(1);
    await timers.advance(1);
    expect(podman.callsOf('startContainer').map((c) => c.at)).toEqual([T0, T0 + 2000]);
    expect(of('container.restarted')[1]?.data).toMatchObject({ attempt: 2, backoffMs: 1000 });
  });

  it('closes the breaker when the container is healthy again, and restarts resume', async () => {
    start();
    podman.add(WEB);
    let healthy = false;
    podman.health = () => ({ healthy, output: healthy ? 'ok' : 'down' });
    await apply(unhealthyWeb());
    await timers.advance(60_000);
    expect(driver.isCrashLooping('web')).toBe(true);
    healthy = true;
    await timers.advance(1000);
    expect(driver.isCrashLooping('web')).toBe(false);
    expect(of('container.healthy').length).toBeGreaterThan(0);
    healthy = false;
    await timers.advance(5000);
    // A fresh budget: restart number 1 again, at once when found unhealthy (62 s), then the backoff again (+1 s after 63 s).
    expect(podman.callsOf('startContainer').map((c) => c.at - T0)).toEqual([0, 2000, 5000, 62_000, 64_000]);
    expect(of('container.restarted').slice(3).map((e) => e.data)).toEqual([expect.objectContaining({ attempt: 1, backoffMs: 0 }), expect.objectContaining({ attempt: 2, backoffMs: 1000 })]);
  });

  it('starts afresh when the manifest changes (a new config hash)', async () => {
    start();
    podman.add(WEB);
    podman.health = () => ({ healthy: false, output: 'down' });
    await apply(unhealthyWeb());
    await timers.advance(60_000);
    expect(driver.isCrashLooping('web')).toBe(true);
    await apply(unhealthyWeb());
    expect(driver.isCrashLooping('web')).toBe(true);
    await apply(unhealthyWeb('hash-2'));
    expect(driver.isCrashLooping('web')).toBe(false);
    await timers.advance(5000);
    expect(podman.callsOf('startContainer').length).toBeGreaterThan(3);
  });

  it('starts an exited container that should run (no stop first), and leaves a finished one-shot alone', async () => {
    start();
    podman.add('app-test-worker-1', { running: false, exitCode: 2 }).add('app-test-migrate-1', { running: false, exitCode: 0 });
    await apply(desired([service('worker', { restart: 'always' }), service('migrate', { restart: 'no' })], { health: HEALTH }));
    await timers.advance(1500);
    // Found exited at the first look (T0): started at once, the first restart waiting no backoff.
    expect(podman.callsOf('startContainer').map((c) => [c.container, c.at])).toEqual([['app-test-worker-1', T0]]);
    expect(podman.callsOf('stopContainer')).toEqual([]);
    expect(of('container.restarted')[0]?.data).toEqual({ container: 'app-test-worker-1', reason: 'exited with code 2', attempt: 1, backoffMs: 0 });
    await timers.advance(5000);
    expect(monitor.statusOf('worker')[0]).toMatchObject({ condition: 'running' });
    expect(podman.callsOf('startContainer')).toHaveLength(1);
  });

  it('a crash-looping exited container trips the breaker the same way', async () => {
    start();
    podman.add('app-test-worker-1', { running: false, exitCode: 1 });
    podman.onStart = (name) => podman.exit(name, 1);
    await apply(desired([service('worker', { restart: 'unless-stopped' })], { health: HEALTH }));
    await timers.advance(120_000);
    expect(podman.callsOf('startContainer')).toHaveLength(3);
    expect(of('service.crash-looping')).toHaveLength(1);
    expect(driver.decisions()).toEqual({ restart: [], hold: ['worker'] });
  });

  it('a failed restart counts, and the alert says why', async () => {
    start();
    podman.add(WEB);
    podman.health = () => ({ healthy: false, output: 'down' });
    podman.failing.set('startContainer', new Error('podman start failed: OCI runtime error'));
    await apply(unhealthyWeb());
    await timers.advance(120_000);
    expect(of('container.restarted')).toEqual([]);
    expect(of('service.crash-looping')[0]?.data).toMatchObject({ restarts: 3, lastError: 'app-test-web-1: exited with code 143; the last restart failed: podman start failed: OCI runtime error' });
  });

  it('the crash-loop alert carries the exit code and the last log lines; a failed restart is its own event, redacted', async () => {
    const read: string[] = [];
    start({ kind: 'podman', podman }, { evidence: async (container) => (read.push(container), [`${container} said boom`]), redact: (text) => text.replaceAll('s3cret', '[REDACTED]') });
    podman.add('app-test-worker-1', { running: false, exitCode: 3 });
    podman.onStart = (name) => podman.exit(name, 3);
    await apply(desired([service('worker', { restart: 'unless-stopped' })], { health: HEALTH }));
    await timers.advance(120_000);
    const alert = of('service.crash-looping');
    expect(alert).toHaveLength(1);
    expect(alert[0]?.data).toMatchObject({ container: 'app-test-worker-1', exitCode: 3, logLines: ['app-test-worker-1 said boom'], lastError: 'app-test-worker-1: exited with code 3' });
    podman.failing.set('startContainer', new Error('start failed: token s3cret rejected'));
    podman.onStart = () => undefined;
    await apply(desired([service('worker', { restart: 'unless-stopped' }, { configHash: 'hash-2' })], { health: HEALTH }));
    await timers.advance(5_000);
    const failed = of('container.restart-failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]).toMatchObject({ severity: 'high', subject: 'worker', data: { container: 'app-test-worker-1', attempt: 1, exitCode: 3, logLines: ['app-test-worker-1 said boom'] } });
    expect(JSON.stringify(failed)).not.toContain('s3cret');
    expect((failed[0]?.data as { error: string }).error).toContain('[REDACTED]');
  });

  it('through the reconciler: asks for a reconcile, names the container to restart, counts noteStarted, and holds while backing off before the next restart', async () => {
    start({ kind: 'reconcile', requestReconcile: (reason) => reconcileRequests.push(reason) });
    podman.add('app-test-worker-1', { running: false, exitCode: 1 });
    podman.add(WEB);
    podman.health = () => ({ healthy: false, output: 'down' });
    await apply(desired([service('web', { healthcheck: check({ retries: 1 }) }), service('worker', { restart: 'always' })], { health: HEALTH }));
    await timers.advance(10);
    // Both failing for the first time: restarted at once, so nothing is held; the running web is named for the plan.
    expect(reconcileRequests).toEqual([expect.stringContaining(`restart ${WEB} (attempt 1): unhealthy`), expect.stringContaining('restart app-test-worker-1 (attempt 1): exited with code 1')]);
    expect(driver.decisions()).toEqual({ restart: [WEB], hold: [] });
    expect(podman.callsOf('startContainer')).toEqual([]);
    // The reconcile ran the plan and reports the starts back.
    await podman.startContainer(WEB);
    await podman.startContainer('app-test-worker-1');
    driver.noteStarted(WEB);
    driver.noteStarted('app-test-worker-1');
    expect(driver.decisions()).toEqual({ restart: [], hold: [] });
    expect(of('container.restarted').map((e) => e.data)).toEqual([
      { container: WEB, reason: expect.stringContaining('unhealthy'), attempt: 1, backoffMs: 0 },
      { container: 'app-test-worker-1', reason: 'exited with code 1', attempt: 1, backoffMs: 0 },
    ]);
    expect(monitor.statusOf('web')[0]).toMatchObject({ condition: 'starting' });
    // A start of a container that was not failing is not a restart.
    driver.noteStarted('app-test-worker-1');
    expect(of('container.restarted')).toHaveLength(2);

    // Both fail again: the worker (no check) is found by the sweep of the containers without a
    // check at T0 + 1000, the web by its own check at T0 + 1010. The second restarts back off.
    podman.exit('app-test-worker-1', 1);
    await timers.advance(1000);
    // Both backing off: the stopped worker is held, so a resync does not start it early; no reconcile is asked for yet.
    expect(driver.decisions()).toEqual({ restart: [], hold: ['worker'] });
    expect(driver.statusOf('worker')[0]?.nextRestartAt).toBe(T0 + 2000);
    expect(driver.statusOf('web')[0]?.nextRestartAt).toBe(T0 + 2010);
    expect(reconcileRequests).toHaveLength(2);
    await timers.advance(989);
    expect(driver.decisions()).toEqual({ restart: [], hold: ['worker'] });
    await timers.advance(11);
    expect(reconcileRequests.slice(2)).toEqual([expect.stringContaining('restart app-test-worker-1 (attempt 2): exited with code 1'), expect.stringContaining(`restart ${WEB} (attempt 2): unhealthy`)]);
    expect(driver.decisions()).toEqual({ restart: [WEB], hold: [] });
    await podman.startContainer(WEB);
    await podman.startContainer('app-test-worker-1');
    driver.noteStarted(WEB);
    driver.noteStarted('app-test-worker-1');
    expect(driver.decisions()).toEqual({ restart: [], hold: [] });
    expect(of('container.restarted').slice(2).map((e) => e.data)).toEqual([
      { container: WEB, reason: expect.stringContaining('unhealthy'), attempt: 2, backoffMs: 1000 },
      { container: 'app-test-worker-1', reason: 'exited with code 1', attempt: 2, backoffMs: 1000 },
    ]);
  });
});
