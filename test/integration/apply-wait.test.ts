/**
 * `apply --wait` against real Podman: it returns once the touched services are healthy, and
 * fails naming a service that never becomes healthy (or exits), with its exit code and its
 * last log lines, secret values redacted.
 */
import { describe, expect, it } from 'vitest';
import { podman, loopAfter, service, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();

describe('phoenix apply --wait', { timeout: 120_000 }, () => {
  it('returns once a service that needs 2 s to become healthy is healthy', async () => {
    const project = suite.project();
    project.writeCompose({
      services: { slow: service({ command: loopAfter('(sleep 2; touch /tmp/healthy) &'), healthcheck: { test: ['CMD', 'test', '-f', '/tmp/healthy'], interval: '1s', timeout: '2s', retries: 10 } }) },
    });
    const run = await project.phoenix(['apply', '--yes', '--wait', '--wait-timeout', '30s']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).toContain('Healthy: slow.');
    expect(run.ms).toBeGreaterThanOrEqual(1500);
    // Healthy when apply returned: the check passes now, at once.
    await podman(['healthcheck', 'run', project.container('slow')]);
  });

  it('fails naming a service that never becomes healthy, with its last log lines (secrets redacted), long before the timeout', async () => {
    const project = suite.project();
    project.writeFile('environments/compose/token.txt', 'hunter2-not-real\n');
    project.writeCompose({
      services: {
        sick: service({
          secrets: ['token'],
          command: loopAfter('echo "booting sick with $(cat /run/secrets/token)"'),
          healthcheck: { test: ['CMD-SHELL', 'echo still broken; false'], interval: '1s', timeout: '2s', retries: 2 },
        }),
        fine: service(),
      },
      secrets: { token: { file: './token.txt' } },
    });
    const run = await project.phoenix(['apply', '--yes', '--wait', '--wait-timeout', '30s']);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stderr).toContain(`service "sick" did not become healthy (${project.container('sick')}, still running): PHX-WAIT-UNHEALTHY`);
    expect(run.stderr).toContain('still broken');
    expect(run.stderr).toContain('| booting sick with [REDACTED]');
    expect(run.stderr).not.toContain('hunter2-not-real');
    expect(run.stderr).not.toContain('service "fine"');
    expect(run.ms).toBeLessThan(30_000);
  });

  it('fails naming a service without a health check that exits, with its exit code', async () => {
    const project = suite.project();
    project.writeCompose({ services: { crash: service({ restart: 'no', command: ['sh', '-c', 'sleep 1; echo boom; exit 3'] }) } });
    const run = await project.phoenix(['apply', '--yes', '--wait', '--wait-timeout', '30s']);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stderr).toContain(`service "crash" did not become healthy (${project.container('crash')}, exit code 3): PHX-WAIT-EXITED`);
    expect(run.stderr).toContain('| boom');
  });
});
