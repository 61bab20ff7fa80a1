/**
 * `phoenix status` against real Podman: health is part of convergence. A running service whose
 * health check fails is degraded, and status exits 3 with its verdict and reason.
 */
import { describe, expect, it } from 'vitest';
import { service, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();

describe('phoenix status verdicts', { timeout: 120_000 }, () => {
  it('an unhealthy service makes status exit 3 (degraded) with its reason; a healthy neighbour is converged', async () => {
    const project = suite.project();
    project.writeCompose({
      services: {
        sick: service({ restart: 'unless-stopped', healthcheck: { test: ['CMD-SHELL', 'echo not ready; false'], interval: '1s', timeout: '2s', retries: 1 } }),
        fine: service({ restart: 'unless-stopped', healthcheck: { test: ['CMD', 'true'], interval: '1s', timeout: '2s', retries: 1 } }),
      },
    });
    await project.apply();

    const text = await project.phoenix(['status']);
    expect(text.code, text.stdout + text.stderr).toBe(3);
    expect(text.stdout).toContain(`sick: degraded (1/1 running) — unhealthy: ${project.container('sick')} is unhealthy: not ready`);
    expect(text.stdout).toContain('fine: converged (1/1 running)');
    expect(text.stdout).toContain('environment: degraded');
    // Rootless or rootful, as Podman decides it: by the effective user id.
    const mode = process.geteuid?.() === 0 ? 'rootful' : 'rootless';
    expect(text.stdout).toContain(`podman: ${mode}\n`);

    const json = await project.phoenix(['status', '--json']);
    expect(json.code).toBe(3);
    const report = JSON.parse(json.stdout) as { podman: string; verdict: string; services: { service: string; verdict: string; reason: string | null; containers: { health: string }[] }[] };
    expect(report.verdict).toBe('degraded');
    expect(report.podman).toBe(mode);
    expect(report.services.find((s) => s.service === 'sick')).toMatchObject({ verdict: 'degraded', reason: 'unhealthy', containers: [{ health: 'unhealthy' }] });
    expect(report.services.find((s) => s.service === 'fine')).toMatchObject({ verdict: 'converged', reason: null, containers: [{ health: 'healthy' }] });
  });
});
