/**
 * Redaction where text leaves Phoenix (issue 11), against REAL Podman: a health check that
 * prints a file secret (ending in a newline, the usual case) must not put it, with or without
 * its newline or base64-encoded, in apply's output.
 */
import { describe, expect, it } from 'vitest';
import { service, useIntegrationSuite } from './support.js';

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
