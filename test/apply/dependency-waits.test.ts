import { describe, expect, it } from 'vitest';
import type { ExecutionEvent } from '../../src/apply/events.js';
import { outcomeOf } from '../../src/apply/report.js';
import { status } from './fake-podman.js';
import { harness } from './harness.js';
import { act, healthcheck, intent, planOf, waitFor } from './plan-fixtures.js';

/** A plan: start app-1 after waiting for db; a dependent of that start; a neighbour that does not care. */
function startPlan(wait: ReturnType<typeof waitFor>) {
  return planOf([act.containerStart(1, 'app-1', [wait]), act.containerCreate(2, 'after-app-1', [1]), act.networkCreate(3, 'neighbour')]);
}

function withApp() {
  const h = harness();
  h.podman.addContainer('app-1', intent('app-1'), 'created').addContainer('db-1', intent('db-1'));
  return h;
}

const healthy = { healthy: true, output: 'ok' };
const failing = (attempt: number) => ({ healthy: false, output: `connection refused #${attempt}` });

describe('service_healthy', () => {
  it('runs the health check until it passes, then starts', async () => {
    const h = withApp();
    h.podman.health('db-1', (attempt) => (attempt < 3 ? failing(attempt) : healthy));
    const report = await h.run(startPlan(waitFor('db', 'service_healthy', { healthcheck: healthcheck({ intervalMs: 2000, retries: 5 }) })));
    expect(report.ok).toBe(true);
    expect(h.podman.callsTo('runHealthCheck').map((call) => call.startedAt)).toEqual([0, 2000, 4000, 6000]);
    expect(h.podman.callsTo('startContainer')[0]).toMatchObject({ target: 'app-1', startedAt: 6000 });
    expect(h.events.find((event) => event.type === 'wait.waiting')).toMatchObject({ service: 'db', containers: ['db-1'], condition: 'service_healthy' });
  });

  it('fails after `retries` failures in a row, naming the service, the container and the last output; only dependents are skipped', async () => {
    const h = withApp();
    h.podman.health('db-1', failing);
    const report = await h.run(startPlan(waitFor('db', 'service_healthy', { healthcheck: healthcheck({ intervalMs: 1000, retries: 3 }) })));
    const error = outcomeOf(report, 1)?.error;
    expect(error?.code).toBe('PHX-WAIT-UNHEALTHY');
    expect(error?.message).toContain('container db-1 of service "db"');
    expect(error?.message).toContain('3 times in a row');
    expect(error?.message).toContain('"connection refused #2"');
    expect(error?.remediation).toContain('podman logs db-1');
    expect(h.clock.now()).toBe(2000);
    expect(h.podman.callsTo('startContainer')).toEqual([]);
    expect(outcomeOf(report, 2)).toMatchObject({ status: 'skipped', reason: 'depends on #1 which failed' });
    expect(outcomeOf(report, 3)?.status).toBe('succeeded');
  });

  it('does not count failures during the start period, and checks every min(interval, 1 s) there', async () => {
    const h = withApp();
    // Fails until 12 s; the start period is 10 s and 2 failures in a row would be fatal.
    h.podman.health('db-1', (attempt, now) => (now < 12_000 ? failing(attempt) : healthy));
    const check = healthcheck({ intervalMs: 5000, retries: 2, startPeriodMs: 10_000 });
    const report = await h.run(startPlan(waitFor('db', 'service_healthy', { healthcheck: check })));
    expect(report.ok).toBe(true);
    expect(h.podman.callsTo('runHealthCheck').map((call) => call.startedAt)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000, 15_000]);
  });

  it('counts the same failures once there is no start period', async () => {
    const h = withApp();
    h.podman.health('db-1', (attempt, now) => (now < 12_000 ? failing(attempt) : healthy));
    const report = await h.run(startPlan(waitFor('db', 'service_healthy', { healthcheck: healthcheck({ intervalMs: 5000, retries: 2 }) })));
    expect(outcomeOf(report, 1)?.error?.code).toBe('PHX-WAIT-UNHEALTHY');
    expect(h.clock.now()).toBe(5000);
  });

  it('times out with the last health check output', async () => {
    const h = withApp();
    h.podman.health('db-1', failing);
    const check = healthcheck({ intervalMs: 1000, retries: 3, startPeriodMs: 3_600_000 });
    const report = await h.run(startPlan(waitFor('db', 'service_healthy', { healthcheck: check })), { waitTimeoutMs: 10_000 });
    const error = outcomeOf(report, 1)?.error;
    expect(error?.code).toBe('PHX-WAIT-TIMEOUT');
    expect(error?.message).toBe(
      'timed out after 10 s waiting for container db-1 of service "db" to become healthy (service_healthy); no health check has passed yet; last health check output: "connection refused #10".',
    );
    expect(h.clock.now()).toBe(10_000);
  });

  it('waits for every container of the dependency', async () => {
    const h = withApp();
    h.podman.health('db-1', () => healthy).health('db-2', (attempt) => (attempt < 2 ? failing(attempt) : healthy));
    const report = await h.run(startPlan(waitFor('db', 'service_healthy', { containers: ['db-1', 'db-2'] })));
    expect(report.ok).toBe(true);
    expect(h.podman.callsTo('startContainer')[0]?.startedAt).toBe(2000);
  });

  it('fails at once when the dependency has no health check to run', async () => {
    const h = withApp();
    const report = await h.run(startPlan(waitFor('db', 'service_healthy', { healthcheck: null })));
    expect(outcomeOf(report, 1)?.error?.code).toBe('PHX-WAIT-NO-HEALTHCHECK');
  });
});

describe('service_completed_successfully', () => {
  it('polls until the container is no longer running and accepts exit code 0', async () => {
    const h = withApp();
    h.podman.statuses('db-1', status('running'), status('running'), status('exited', 0));
    const report = await h.run(startPlan(waitFor('db', 'service_completed_successfully')), { pollIntervalMs: 500 });
    expect(report.ok).toBe(true);
    expect(h.podman.callsTo('containerStatus').map((call) => call.startedAt)).toEqual([0, 500, 1000]);
    expect(h.podman.callsTo('startContainer')[0]?.startedAt).toBe(1000);
  });

  it('fails naming the exit code when it is not 0', async () => {
    const h = withApp();
    h.podman.statuses('db-1', status('running'), status('exited', 1));
    const report = await h.run(startPlan(waitFor('db', 'service_completed_successfully')));
    const error = outcomeOf(report, 1)?.error;
    expect(error?.code).toBe('PHX-WAIT-EXIT-CODE');
    expect(error?.message).toBe('container db-1 of service "db" finished with exit code 1; service_completed_successfully needs exit code 0.');
    expect(outcomeOf(report, 2)?.status).toBe('skipped');
    expect(outcomeOf(report, 3)?.status).toBe('succeeded');
  });

  it('does not take a container that never ran for a completed one', async () => {
    const h = withApp();
    h.podman.statuses('db-1', status('created', 0));
    const report = await h.run(startPlan(waitFor('db', 'service_completed_successfully')), { waitTimeoutMs: 3000 });
    expect(outcomeOf(report, 1)?.error).toMatchObject({ code: 'PHX-WAIT-TIMEOUT', message: expect.stringContaining('it is created') });
  });
});

describe('service_started', () => {
  it('accepts a running container and one that has run', async () => {
    const h = withApp();
    h.podman.statuses('db-1', status('running')).statuses('init-1', status('exited', 0));
    const report = await h.run(planOf([act.containerStart(1, 'app-1', [waitFor('db', 'service_started'), waitFor('init', 'service_started')])]));
    expect(report.ok).toBe(true);
    expect(h.clock.now()).toBe(0);
  });

  it('times out naming the service, the container and what it waited for', async () => {
    const h = withApp();
    const report = await h.run(startPlan(waitFor('cache', 'service_started')), { waitTimeoutMs: 5000, pollIntervalMs: 2000 });
    const error = outcomeOf(report, 1)?.error;
    expect(error?.code).toBe('PHX-WAIT-TIMEOUT');
    expect(error?.message).toBe('timed out after 5 s waiting for container cache-1 of service "cache" to start (service_started); it does not exist.');
    expect(error?.remediation).toContain('required: false');
    // Polls at 0, 2, 4 and a last time right at the deadline.
    expect(h.podman.callsTo('containerStatus').map((call) => call.startedAt)).toEqual([0, 2000, 4000, 5000]);
    expect(outcomeOf(report, 2)?.status).toBe('skipped');
    expect(outcomeOf(report, 3)?.status).toBe('succeeded');
  });
});

describe('required: false', () => {
  it('warns and starts anyway when an optional dependency fails', async () => {
    const h = withApp();
    h.podman.statuses('db-1', status('exited', 3));
    const report = await h.run(startPlan(waitFor('db', 'service_completed_successfully', { required: false })));
    expect(report.ok).toBe(true);
    const warning = h.events.find((event): event is Extract<ExecutionEvent, { type: 'wait.warning' }> => event.type === 'wait.warning');
    expect(warning).toMatchObject({ service: 'db', condition: 'service_completed_successfully', error: { code: 'PHX-WAIT-EXIT-CODE' } });
    expect(h.podman.containers.get('app-1')?.state).toBe('running');
  });

  it('stops the other waits as soon as a required one fails', async () => {
    const h = withApp();
    h.podman.statuses('db-1', status('exited', 2)).statuses('cache-1', status('created'));
    const plan = planOf([act.containerStart(1, 'app-1', [waitFor('cache', 'service_started', { required: false }), waitFor('db', 'service_completed_successfully')])]);
    const report = await h.run(plan);
    expect(outcomeOf(report, 1)?.error?.code).toBe('PHX-WAIT-EXIT-CODE');
    expect(h.clock.now()).toBe(0);
    expect(h.events.some((event) => event.type === 'wait.warning')).toBe(false);
  });
});

describe('cancellation during a wait', () => {
  it('cancels a start that is waiting', async () => {
    const h = withApp();
    h.podman.health('db-1', failing);
    const controller = new AbortController();
    void h.clock.sleep(2500).then(() => controller.abort());
    const check = healthcheck({ startPeriodMs: 60_000 });
    const report = await h.run(startPlan(waitFor('db', 'service_healthy', { healthcheck: check })), { signal: controller.signal });
    expect(outcomeOf(report, 1)).toMatchObject({ status: 'cancelled', durationMs: 2500, error: { code: 'PHX-EXEC-CANCELLED' } });
    expect(outcomeOf(report, 2)?.status).toBe('cancelled');
    expect(h.podman.callsTo('startContainer')).toEqual([]);
    expect(h.clock.now()).toBe(2500);
  });
});
