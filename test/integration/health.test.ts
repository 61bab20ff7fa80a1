/**
 * depends_on service_healthy against real Podman: Phoenix runs the dependency's check itself
 * (Podman's timers need systemd) and starts the dependent only once it passes; a dependency
 * that never passes fails its dependents, and only them.
 */
import { describe, expect, it } from 'vitest';
import { loopAfter, service, timeMs, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();

const HEALTH_FILE_CHECK = { test: ['CMD', 'test', '-f', '/tmp/healthy'], interval: '1s', timeout: '2s', retries: 10 };

describe('depends_on: service_healthy', { timeout: 120_000 }, () => {
  it('starts the dependent only after the dependency became healthy', async () => {
    const project = suite.project();
    project.writeCompose({
      services: {
        // Healthy about 2 s after it starts.
        slow: service({ command: loopAfter('(sleep 2; touch /tmp/healthy) &'), healthcheck: HEALTH_FILE_CHECK }),
        dependent: service({ depends_on: { slow: { condition: 'service_healthy' } } }),
      },
    });
    const run = await project.apply();
    expect(run.stdout).toContain(`start container ${project.container('dependent')}: waiting for slow (service_healthy)`);
    const containers = await project.containers();
    const slow = containers.get(project.container('slow'))!;
    const dependent = containers.get(project.container('dependent'))!;
    expect(slow.state).toBe('running');
    expect(dependent.state).toBe('running');

    // The checks Phoenix ran are in Podman's health log: failures first, then the first pass.
    const firstPass = slow.healthLog.find((entry) => entry.exitCode === 0);
    expect(firstPass, JSON.stringify(slow.healthLog)).toBeDefined();
    expect(slow.healthLog.some((entry) => entry.exitCode !== 0)).toBe(true);
    expect(timeMs(dependent.startedAt)).toBeGreaterThanOrEqual(timeMs(firstPass!.end));
    // And independently of that log: the file appears 2 s after the dependency's start
    // (a little slack for when Podman records StartedAt).
    expect(timeMs(dependent.startedAt) - timeMs(slow.startedAt)).toBeGreaterThanOrEqual(1750);
  });

  it('a dependency that never becomes healthy fails its dependents with a message naming it; an independent neighbour still runs', async () => {
    const project = suite.project();
    project.writeCompose({
      services: {
        sick: service({ healthcheck: { test: ['CMD', 'false'], interval: '1s', timeout: '2s', retries: 2 } }),
        victim: service({ depends_on: { sick: { condition: 'service_healthy' } } }),
        neighbour: service(),
      },
    });
    const run = await project.phoenix(['apply', '--yes', '--wait-timeout', '10s']);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const printed = run.stdout + run.stderr;
    expect(printed).toMatch(new RegExp(`FAILED start container ${project.container('victim')} \\([^)]*\\): PHX-WAIT-UNHEALTHY [^\\n]*sick`));
    expect(printed).toMatch(/"sick"/);
    // It gave up on the check, not on the 10 s deadline.
    expect(run.ms).toBeLessThan(10_000);

    const containers = await project.containers();
    expect(containers.get(project.container('neighbour'))!.state).toBe('running');
    expect(containers.get(project.container('sick'))!.state).toBe('running');
    const victim = containers.get(project.container('victim'));
    expect(victim === undefined || victim.state !== 'running', `victim is ${victim?.state}`).toBe(true);
  });
});
