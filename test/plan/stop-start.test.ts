/**
 * phoenix stop / start without Podman: the pure plans (dependency order), and how the planner,
 * the verdict and ps treat a service stopped on purpose (the state directory's mark, fed in as
 * ObservedState.stoppedServices). The integration test (test/integration/verbs.test.ts) runs
 * the same against real Podman.
 */
import { describe, expect, it } from 'vitest';
import type { ObservedState } from '../../src/model/observed.js';
import { plan } from '../../src/plan/plan.js';
import { renderOrderLine } from '../../src/plan/render-text.js';
import { planStart, planStop, withDependencies } from '../../src/plan/stop-start.js';
import { reportStatus } from '../../src/plan/status.js';
import { verdict } from '../../src/plan/verdict.js';
import { psRows } from '../../src/plan/ps-report.js';
import { touchedServices } from '../../src/plan/touched-services.js';
import { desiredFrom } from '../support/load-fixture.js';
import { applyPlanToModel, observedFromDesired } from '../support/observed-model.js';

const COMPOSE = `
services:
  db:
    image: localhost/phoenix-demo/busybox:1
    restart: unless-stopped
  api:
    image: localhost/phoenix-demo/busybox:1
    restart: unless-stopped
    depends_on: [db]
  web:
    image: localhost/phoenix-demo/busybox:1
    restart: unless-stopped
    depends_on: [api]
    ports: ["8080:80"]
  migrate:
    image: localhost/phoenix-demo/busybox:1
    restart: "no"
`;
const desired = desiredFrom(COMPOSE);
const running = observedFromDesired(desired);
const SINCE = '2026-12-04T10:00:00.000Z';

function stopped(observed: ObservedState, services: readonly string[]): ObservedState {
  const names = new Set(desired.services.filter((s) => services.includes(s.name)).flatMap((s) => s.containerNames));
  return { ...observed, containers: observed.containers.map((c) => (names.has(c.name) ? { ...c, state: 'exited', exitCode: 0 } : c)), stoppedServices: Object.fromEntries(services.map((s) => [s, SINCE])) };
}

/** The plan's actions as `kind name`, with the names of what each waits for. */
function lines(result: ReturnType<typeof planStop>): string[] {
  return result.actions.map(renderOrderLine);
}

describe('planStop', () => {
  it('stops every running container, dependents before their dependencies', () => {
    const result = planStop(desired, running, []);
    const order = result.actions.map((a) => (a.kind === 'container.stop' ? a.name : '?'));
    expect(order).toHaveLength(4);
    expect(order.indexOf('app-test-web-1')).toBeLessThan(order.indexOf('app-test-api-1'));
    expect(order.indexOf('app-test-api-1')).toBeLessThan(order.indexOf('app-test-db-1'));
    const db = result.actions.find((a) => a.kind === 'container.stop' && a.name === 'app-test-db-1')!;
    const api = result.actions.find((a) => a.kind === 'container.stop' && a.name === 'app-test-api-1')!;
    expect(db.dependsOn).toContain(api.id);
    expect(result.summary).toMatchObject({ stop: 4, start: 0, create: 0, remove: 0 });
  });

  it('stops only the named services (their dependents keep running), and nothing already stopped', () => {
    expect(lines(planStop(desired, running, ['db']))).toEqual(['#1 container:app-test-db-1 stop (phoenix stop)']);
    expect(planStop(desired, stopped(running, ['db']), ['db']).actions).toEqual([]);
  });
});

describe('planStart', () => {
  it('starts a service and what it depends on, dependencies first, waiting for their conditions', () => {
    expect(withDependencies(desired, ['web'])).toEqual(['api', 'db', 'web']);
    const down = stopped(running, ['db', 'api', 'web']);
    const result = planStart(desired, down, ['web'], ['db', 'api', 'web']);
    const starts = result.actions.filter((a) => a.kind === 'container.start');
    expect(starts.map((a) => (a.kind === 'container.start' ? a.name : ''))).toEqual(['app-test-db-1', 'app-test-api-1', 'app-test-web-1']);
    const [db, api, web] = starts;
    expect(api!.dependsOn).toContain(db!.id);
    expect(web!.dependsOn).toContain(api!.id);
    expect(web!.kind === 'container.start' && web!.awaits.map((w) => [w.service, w.condition])).toEqual([['api', 'service_started']]);
  });

  it('leaves a one-shot that finished by itself alone, but starts one that phoenix stop stopped', () => {
    const done = stopped(running, ['migrate']);
    expect(planStart(desired, done, ['migrate'], []).actions).toEqual([]);
    expect(planStart(desired, done, ['migrate'], ['migrate']).actions.map((a) => a.kind)).toEqual(['container.start']);
  });
});

describe('a service stopped with phoenix stop', () => {
  const down = stopped(running, ['api']);

  it('is not started by the planner (a warning says why), and is converged for the verdict', () => {
    const result = plan(desired, down);
    expect(result.ok && result.value.actions).toEqual([]);
    expect(result.ok && result.value.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/stopped with phoenix stop \(since 2026-12-04T10:00:00.000Z\).*phoenix start api/)]);
    expect(verdict(desired, down).verdict).toBe('converged');
    // Without the mark the same exited container is drift: started again, and degraded meanwhile.
    const { stoppedServices: _marks, ...unmarked } = down;
    const again = plan(desired, unmarked);
    expect(again.ok && again.value.actions.map((a) => a.kind)).toEqual(['container.start']);
    expect(verdict(desired, unmarked).verdict).toBe('degraded');
  });

  it('is stopped again when someone started it behind its back', () => {
    const startedByHand: ObservedState = { ...running, stoppedServices: { api: SINCE } };
    const result = plan(desired, startedByHand);
    expect(result.ok && result.value.actions.map((a) => [a.kind, a.kind === 'container.stop' ? a.name : ''])).toEqual([['container.stop', 'app-test-api-1']]);
    expect(result.ok && result.value.actions[0]!.cause).toMatch(/stopped with phoenix stop/);
  });

  it('is created or recreated on a manifest change but not started, and apply --wait does not wait for it', () => {
    const changed = desiredFrom(COMPOSE.replace('depends_on: [db]', 'depends_on: [db]\n    environment: { MODE: two }'));
    const result = plan(changed, down);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.actions.map((a) => a.kind)).toEqual(['container.recreate']);
    expect(result.value.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/is recreated but not started/)]);
    expect(touchedServices(changed, [result.value], down.stoppedServices).map((s) => s.name)).toEqual([]);
    expect(touchedServices(changed, [result.value]).map((s) => s.name)).toEqual(['api']);
    // The model keeps only Podman's objects; the mark comes from the state directory, as before.
    const after = { ...applyPlanToModel(down, result.value), stoppedServices: down.stoppedServices };
    expect(after.containers.find((c) => c.name === 'app-test-api-1')!.state).toBe('created');
    expect(verdict(changed, after).verdict).toBe('converged');
  });

  it('is reported as stopped by status and ps', () => {
    const report = reportStatus(desired, down);
    expect(report.services.find((s) => s.service === 'api')).toMatchObject({ verdict: 'converged', stoppedSince: SINCE, runningReplicas: 0 });
    expect(report.services.find((s) => s.service === 'db')!.stoppedSince).toBeUndefined();
    const rows = psRows(desired, down);
    expect(rows.find((r) => r.service === 'api')).toMatchObject({ state: 'exited', stoppedSince: SINCE });
  });
});
