/**
 * The health monitor on virtual time, against a test double of Podman (PodmanHealthTestDouble:
 * not Podman; the real one is in health-monitor.podman.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/events/event-bus.js';
import type { PhoenixEvent } from '../../../src/events/event-types.js';
import { PODMAN_OVERHEAD_MS } from '../../../src/controller/health/container-probe.js';
import { HealthMonitor } from '../../../src/controller/health/health-monitor.js';
import { FakeTimers, T0 } from './fake-timers.js';
import { check, desired, service } from './health-fixtures.js';
import { PodmanHealthTestDouble } from './podman-health-double.js';

let timers: FakeTimers;
let podman: PodmanHealthTestDouble;
let events: PhoenixEvent[];
let errors: string[];
let monitor: HealthMonitor;

beforeEach(() => {
  timers = new FakeTimers();
  podman = new PodmanHealthTestDouble(timers.now);
  events = [];
  errors = [];
  const bus = new EventBus();
  bus.subscribe({}, (event) => events.push(event));
  let id = 0;
  monitor = new HealthMonitor({ podman, bus, timers, newId: () => `e${++id}`, statusIntervalMs: 5000, onError: (_e, context) => errors.push(context) });
});
afterEach(async () => {
  await monitor.stop();
});

const kinds = (): string[] => events.map((e) => `${e.type.replace('io.phoenix.', '')} ${'container' in e.data ? String(e.data.container) : ''}`.trim());

describe('HealthMonitor', () => {
  it('runs each running container’s check on its interval, the check timeout (plus podman’s own start) as the call deadline', async () => {
    podman.add('app-test-web-1');
    await monitor.update(desired([service('web', { healthcheck: check({ intervalMs: 1000, timeoutMs: 300 }) })]));
    await timers.advance(2500);
    const runs = podman.callsOf('runHealthCheck', 'app-test-web-1');
    expect(runs.map((c) => c.at - T0)).toEqual([0, 1000, 2000]);
    expect(runs.every((c) => c.options?.timeoutMs === 300 + PODMAN_OVERHEAD_MS && c.options.signal !== undefined)).toBe(true);
    expect(monitor.statusOf('web')).toEqual([expect.objectContaining({ container: 'app-test-web-1', condition: 'healthy', output: 'ok', hasHealthCheck: true })]);
    expect(kinds()).toEqual(['container.healthy app-test-web-1']);
  });

  it('counts the start period from the container’s real start (from Podman), checking on the start interval meanwhile', async () => {
    // Started 5 s before the monitor; start period 10 s: failures before T0+5s do not count.
    podman.add('app-test-db-1', { startedAt: T0 - 5000 });
    podman.health = () => ({ healthy: false, output: 'connection refused' });
    await monitor.update(desired([service('db', { healthcheck: check({ intervalMs: 2000, startIntervalMs: 500, startPeriodMs: 10_000, retries: 2 }) })]));
    await timers.advance(4999);
    expect(monitor.statusOf('db')[0]).toMatchObject({ condition: 'starting', failingStreak: 0, output: 'connection refused', startedAt: T0 - 5000 });
    // Every 500 ms during the start period.
    expect(podman.callsOf('runHealthCheck').length).toBe(10);
    expect(events).toEqual([]);
    await timers.advance(1);
    await timers.advance(2000);
    expect(monitor.statusOf('db')[0]).toMatchObject({ condition: 'unhealthy', failingStreak: 2 });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'io.phoenix.container.unhealthy', subject: 'db', source: 'phoenix://app/test', severity: 'high', data: { container: 'app-test-db-1', output: 'connection refused', failures: 2 } });
  });

  it('publishes unhealthy once on the transition, and healthy on recovery', async () => {
    podman.add('app-test-web-1');
    podman.health = (_c, run) => (run >= 1 && run <= 4 ? { healthy: false, output: `bad ${run}` } : { healthy: true, output: `good ${run}` });
    await monitor.update(desired([service('web', { healthcheck: check({ retries: 2 }) })]));
    await timers.advance(6000);
    expect(kinds()).toEqual(['container.healthy app-test-web-1', 'container.unhealthy app-test-web-1', 'container.healthy app-test-web-1']);
    expect(events[1]?.data).toEqual({ container: 'app-test-web-1', output: 'bad 2', failures: 2 });
    expect(monitor.statusOf('web')[0]).toMatchObject({ condition: 'healthy', output: 'good 6', failingStreak: 0 });
  });

  it('shows every replica in statusOf, and a container without a check as running', async () => {
    podman.add('app-test-web-1').add('app-test-web-2').add('app-test-worker-1');
    podman.health = (container) => (container === 'app-test-web-2' ? { healthy: false, output: 'HTTP 500' } : { healthy: true, output: 'ok' });
    await monitor.update(desired([service('web', { healthcheck: check({ retries: 1 }) }, { replicas: 2 }), service('worker')]));
    await timers.advance(10);
    expect(monitor.statusOf('web').map((s) => [s.container, s.condition, s.output])).toEqual([
      ['app-test-web-1', 'healthy', 'ok'],
      ['app-test-web-2', 'unhealthy', 'HTTP 500'],
    ]);
    expect(monitor.statusOf('worker')).toEqual([expect.objectContaining({ condition: 'running', hasHealthCheck: false, output: null })]);
    expect(podman.callsOf('runHealthCheck', 'app-test-worker-1')).toEqual([]);
    expect(monitor.snapshot()).toHaveLength(3);
  });

  it('looks at containers without a check with one list per status interval, not one state request each (200 containers: 200 requests every interval before)', async () => {
    const services = Array.from({ length: 200 }, (_, i) => service(`s${i}`));
    for (let i = 0; i < 200; i += 1) podman.add(`app-test-s${i}-1`);
    await monitor.update(desired(services));
    await timers.advance(10);
    const listsAtStart = podman.callsOf('observe').length;
    await timers.advance(3 * 5000);
    expect(podman.callsOf('containerStatus')).toEqual([]);
    // One list per 5 s interval (at T0 + 5000, 10000, 15000), whatever the number of containers.
    expect(podman.callsOf('observe').length - listsAtStart).toBe(3);
    expect(monitor.statusOf('s7')).toEqual([expect.objectContaining({ container: 'app-test-s7-1', condition: 'running' })]);
    // What a list shows is what a state request would have: a container that exited is seen at the next sweep.
    podman.exit('app-test-s7-1', 3);
    await timers.advance(5000);
    expect(monitor.statusOf('s7')[0]).toMatchObject({ condition: 'not-running', state: 'exited', exitCode: 3 });
    expect(monitor.statusOf('s8')[0]).toMatchObject({ condition: 'running' });
  });

  it('sees a container that stopped, runs no check on it, and starts its health afresh when it runs again', async () => {
    podman.add('app-test-web-1');
    await monitor.update(desired([service('web', { healthcheck: check() })]));
    await timers.advance(10);
    podman.exit('app-test-web-1', 1);
    await timers.advance(1000);
    expect(monitor.statusOf('web')[0]).toMatchObject({ condition: 'not-running', state: 'exited', exitCode: 1, startedAt: null, output: null });
    const checksBefore = podman.callsOf('runHealthCheck').length;
    await timers.advance(4000);
    expect(podman.callsOf('runHealthCheck').length).toBe(checksBefore);
    await podman.startContainer('app-test-web-1');
    await timers.advance(5000);
    expect(monitor.statusOf('web')[0]).toMatchObject({ condition: 'healthy', startedAt: T0 + 6000 });
  });

  it('a check that cannot run on a running container counts as failed, with the error as its output', async () => {
    podman.add('app-test-web-1');
    podman.health = () => Object.assign(new Error('podman healthcheck run did not finish within 3000 ms'), { code: 'PODMAN-TIMEOUT' });
    await monitor.update(desired([service('web', { healthcheck: check({ retries: 1 }) })]));
    await timers.advance(10);
    expect(monitor.statusOf('web')[0]).toMatchObject({ condition: 'unhealthy', output: 'PODMAN-TIMEOUT: podman healthcheck run did not finish within 3000 ms' });
  });

  it('when Podman cannot be asked at all, nothing changes and nothing is published', async () => {
    podman.add('app-test-web-1');
    await monitor.update(desired([service('web', { healthcheck: check({ retries: 1 }) })]));
    await timers.advance(10);
    events.length = 0;
    podman.failing.set('runHealthCheck', new Error('podman: cannot connect'));
    podman.failing.set('containerStatus', new Error('podman: cannot connect'));
    await timers.advance(5000);
    expect(events).toEqual([]);
    expect(monitor.statusOf('web')[0]).toMatchObject({ condition: 'healthy', probeError: 'podman: cannot connect' });
    expect(errors).toContain('probing app-test-web-1');
  });

  it('update(): keeps an unchanged container’s health, starts a changed one afresh, forgets a removed one', async () => {
    podman.add('app-test-web-1').add('app-test-db-1');
    await monitor.update(desired([service('web', { healthcheck: check() }), service('db', { healthcheck: check() })]));
    await timers.advance(10);
    await monitor.update(desired([service('web', { healthcheck: check() }, { configHash: 'hash-2' })]));
    expect(monitor.statusOf('web')[0]).toMatchObject({ condition: 'unknown' });
    expect(monitor.statusOf('db')).toEqual([]);
    const dbChecks = podman.callsOf('runHealthCheck', 'app-test-db-1').length;
    await timers.advance(3000);
    expect(podman.callsOf('runHealthCheck', 'app-test-db-1').length).toBe(dbChecks);
    expect(monitor.statusOf('web')[0]).toMatchObject({ condition: 'healthy' });
    await monitor.update(desired([service('web', { healthcheck: check() }, { configHash: 'hash-2' })]));
    expect(monitor.statusOf('web')[0]).toMatchObject({ condition: 'healthy' });
  });

  it('noteRestarted() starts the container’s health afresh and drops a probe in flight', async () => {
    podman.add('app-test-web-1');
    podman.health = () => ({ healthy: false, output: 'down' });
    await monitor.update(desired([service('web', { healthcheck: check({ retries: 1, startPeriodMs: 3000 }) })]));
    await timers.advance(10);
    expect(monitor.statusOf('web')[0]).toMatchObject({ condition: 'starting' });
    await timers.advance(3000);
    expect(monitor.statusOf('web')[0]).toMatchObject({ condition: 'unhealthy' });
    monitor.noteRestarted('app-test-web-1');
    expect(monitor.statusOf('web')[0]).toMatchObject({ condition: 'starting', startedAt: timers.now(), output: null });
    await timers.advance(2000);
    expect(monitor.statusOf('web')[0]).toMatchObject({ condition: 'starting' });
  });

  it('pause() stops probing; resume learns start times again and probes at once', async () => {
    podman.add('app-test-web-1');
    await monitor.update(desired([service('web', { healthcheck: check({ startPeriodMs: 60_000 }) })]));
    await timers.advance(10);
    const resume = monitor.pause();
    const checks = podman.callsOf('runHealthCheck').length;
    await timers.advance(10_000);
    expect(podman.callsOf('runHealthCheck').length).toBe(checks);
    // An apply restarted it meanwhile.
    podman.add('app-test-web-1', { startedAt: timers.now() - 100 });
    podman.health = () => ({ healthy: false, output: 'warming up' });
    await resume();
    await timers.advance(0);
    expect(podman.callsOf('runHealthCheck').length).toBe(checks + 1);
    expect(monitor.statusOf('web')[0]).toMatchObject({ condition: 'starting', startedAt: timers.now() - 100, output: 'warming up' });
  });

  it('stop() clears every timer', async () => {
    podman.add('app-test-web-1');
    await monitor.update(desired([service('web', { healthcheck: check() })]));
    await timers.advance(10);
    await monitor.stop();
    expect(timers.pending()).toBe(0);
    const calls = podman.calls.length;
    await timers.advance(10_000);
    expect(podman.calls.length).toBe(calls);
  });
});
