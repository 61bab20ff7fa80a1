/**
 * Redaction where text leaves Phoenix (issue 11), against REAL Podman: a health check that
 * prints a file secret (ending in a newline, the usual case) must not put it, with or without
 * its newline or base64-encoded, in apply's output.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiServicePids, podman, service, stopApiServices, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();
const SECRET = 'hunter2-Zq8wVx3Lp0-not-real';

describe('a failing health check that prints a secret', { timeout: 120_000 }, () => {
  it("leaves no trace of it in apply's output (plain, JSON, base64)", async () => {
    const project = suite.project();
    project.writeFile('environments/compose/token.txt', `${SECRET}\n`);
    project.writeCompose({
      services: {
        leaky: service({
          secrets: ['token'],
          // Prints the secret as it is, and base64-encoded, then fails.
          healthcheck: { test: ['CMD', 'sh', '-c', 'cat /run/secrets/token; base64 /run/secrets/token; exit 1'], interval: '1s', timeout: '2s', retries: 1 },
        }),
        waiting: service({ depends_on: { leaky: { condition: 'service_healthy' } } }),
      },
      secrets: { token: { file: './token.txt' } },
    });
    for (const args of [['apply', '--yes', '--wait-timeout', '10s'], ['apply', '--yes', '--json', '--wait-timeout', '10s']]) {
      const run = await project.phoenix(args);
      expect(run.code, run.stdout + run.stderr).toBe(1);
      const printed = run.stdout + run.stderr;
      expect(printed).toContain('PHX-WAIT-UNHEALTHY');
      // The check's output is there, with the secret replaced.
      expect(printed).toContain('[REDACTED]');
      expect(printed).not.toContain(SECRET);
      expect(printed).not.toContain(Buffer.from(`${SECRET}\n`).toString('base64').slice(0, 20));
    }
  });
});

describe('a secret read from an environment variable', { timeout: 120_000 }, () => {
  it('is in the environment of no process Phoenix spawns: the REST API service that outlives it included', async () => {
    const project = suite.project();
    project.writeCompose({ services: { app: service({ secrets: ['token'] }) }, secrets: { token: { environment: 'PHX_IT_TOKEN' } } });
    // apply observes through the API service it starts on <state dir>/podman.sock (connectPodman):
    // none may run yet, so that this apply, with the secret in its environment, starts it.
    await stopApiServices(suite.stateDir);
    const run = await project.phoenix(['apply', '--yes', '--wait-timeout', '20s'], { env: { PHX_IT_TOKEN: SECRET } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await podman(['exec', project.container('app'), 'cat', '/run/secrets/token'])).toBe(SECRET);
    const pids = apiServicePids(suite.stateDir);
    expect(pids.length, 'the API service Phoenix started').toBeGreaterThan(0);
    for (const pid of pids) {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      expect(environ).toContain('PATH=');
      expect(environ).not.toContain('PHX_IT_TOKEN');
      expect(environ).not.toContain(SECRET);
    }
  });
});
