/**
 * Read-only and removal commands need no secret values, against real Podman: an environment
 * applied with its secrets set is then shown (status), restarted and taken down without them,
 * with the right exit codes, no false drift and nothing recreated; plan and apply still refuse
 * to run without them, with the clear error they always gave.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { service, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();

describe('status, restart and down without secret values', { timeout: 180_000 }, () => {
  it('show no drift, restart in place and remove everything; plan and apply still refuse', async () => {
    const project = suite.project();
    const variable = `PHXIT_DB_PASSWORD_${randomBytes(4).toString('hex').toUpperCase()}`;
    const canary = `phxit-canary-${randomBytes(12).toString('hex')}`;
    const fileCanary = `phxit-canary-${randomBytes(12).toString('hex')}`;
    project.writeEnvironment({ secrets: { db_password: { environment: variable }, api_token: { file: 'compose/token.txt' } } });
    project.writeCompose({
      services: { web: service({ secrets: ['db_password', 'api_token'] }), worker: service({ secrets: ['db_password'] }), plain: service() },
      secrets: { db_password: {}, api_token: {} },
    });
    const tokenFile = project.writeFile('environments/compose/token.txt', fileCanary);
    const withSecret = { [variable]: canary };

    const applied = await project.phoenix(['apply', '--yes'], { env: withSecret });
    expect(applied.code, applied.stderr).toBe(0);
    const before = await project.containers();
    expect([...before.keys()].sort()).toEqual([project.container('plain'), project.container('web'), project.container('worker')].sort());
    const secretsBefore = await project.secrets();
    expect(secretsBefore).toHaveLength(2);

    // Neither the variable nor the secret file is here any more.
    rmSync(tokenFile);
    const status = await project.phoenix(['status']);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).not.toContain('drifted');
    expect(status.stdout.match(/in sync/g)).toHaveLength(3);
    expect(status.stdout).toContain('environment: converged');
    expect(status.stdout).toContain(`note: secret "db_password" was not read (the variable ${variable} is not set): compared as the version Podman runs, ${project.object('db_password')}-`);
    expect(status.stdout).toContain('note: secret "api_token" was not read (its file is not readable here)');
    expect(status.stderr).toBe('');

    const json = await project.phoenix(['status', '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { verdict: string; unreadSecrets: { name: string; comparedAs: string }[]; services: { containers: { inSync: boolean }[] }[] };
    expect(report.verdict).toBe('converged');
    expect(report.services.flatMap((s) => s.containers.map((c) => c.inSync))).toEqual([true, true, true]);
    expect(report.unreadSecrets.map((u) => u.name).sort()).toEqual(['api_token', 'db_password']);
    expect(report.unreadSecrets.every((u) => secretsBefore.includes(u.comparedAs))).toBe(true);

    // A value that is there and differs is real drift, and status says so.
    const wrong = await project.phoenix(['status'], { env: { [variable]: 'not-the-applied-value' } });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout).toContain('drifted');

    // plan and apply need the values: the same clear error as ever, and nothing changes.
    const plan = await project.phoenix(['plan']);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('PHX-SECRET-SOURCE-MISSING');
    expect(plan.stderr).toContain(`secret "db_password" reads the environment variable ${variable}, which is not set.`);
    const apply = await project.phoenix(['apply', '--yes']);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(`Set ${variable} in Phoenix's environment before plan or apply.`);
    expect(apply.stderr).toContain('nothing was done');

    // logs and config read no secret either.
    const logs = await project.phoenix(['logs', 'web', '--tail', '1']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stderr).not.toContain('PHX-SECRET-SOURCE-MISSING');
    const config = await project.phoenix(['config', '--services']);
    expect(config.stdout).toBe('plain\nweb\nworker\n');

    // restart: the same containers, started again, none recreated.
    const restart = await project.phoenix(['restart', 'web', 'worker']);
    expect(restart.code, restart.stdout + restart.stderr).toBe(0);
    const after = await project.containers();
    for (const name of [project.container('web'), project.container('worker')]) {
      expect(after.get(name)!.id, `${name} not recreated`).toBe(before.get(name)!.id);
      expect(after.get(name)!.running).toBe(true);
      expect(after.get(name)!.startedAt, `${name} restarted`).not.toBe(before.get(name)!.startedAt);
    }
    expect(after.get(project.container('plain'))!.startedAt).toBe(before.get(project.container('plain'))!.startedAt);
    expect(await project.secrets()).toEqual(secretsBefore);

    // down: everything goes, the secrets too.
    const down = await project.phoenix(['down', '--yes']);
    expect(down.code, down.stdout + down.stderr).toBe(0);
    const left = await project.state();
    expect(left).toEqual({ containers: [], networks: [], volumes: [], secrets: [] });

    for (const text of project.transcript) {
      expect(text).not.toContain(canary);
      expect(text).not.toContain(fileCanary);
    }
  });
});
