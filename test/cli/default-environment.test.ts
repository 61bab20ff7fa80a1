/**
 * The default environment: `--env` may be left out when PHOENIX_ENV is set or the folder holds
 * exactly one environment; otherwise a clear error that lists them. In-process; no Podman.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWorkspace, runCli } from '../support/cli-run.js';

let root: string;
let stateDir: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'phoenix-default-env-test-'));
  stateDir = path.join(root, 'state');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function environment(project: string, service: string): Record<string, string> {
  return { [`environments/${project}.yaml`]: `project: ${project}\ncompose: [compose/${project}.yaml]\n`, [`environments/compose/${project}.yaml`]: `services:\n  ${service}:\n    image: localhost/x:1\n` };
}

describe('default environment', () => {
  it('is the only environment in the folder', async () => {
    const ws = cliWorkspace(root, environment('solo', 'api'));
    const services = await runCli(ws, ['config', '--services'], stateDir);
    expect(services.code, services.stderr).toBe(0);
    expect(services.stdout).toBe('api\n');
    const validate = await runCli(ws, ['validate'], stateDir);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain('ok solo: valid, 1 services');
  });

  it('is $PHOENIX_ENV when set, and --env still wins over it', async () => {
    const ws = cliWorkspace(root, { ...environment('alpha', 'one'), ...environment('beta', 'two') });
    expect((await runCli(ws, ['config', '--services'], stateDir, { PHOENIX_ENV: 'beta' })).stdout).toBe('two\n');
    expect((await runCli(ws, ['config', '--services', '--env', 'alpha'], stateDir, { PHOENIX_ENV: 'beta' })).stdout).toBe('one\n');
    const validate = await runCli(ws, ['validate'], stateDir, { PHOENIX_ENV: 'alpha' });
    expect(validate.stdout).toBe('ok alpha: valid, 1 services\n');
  });

  it('with several environments and no PHOENIX_ENV, fails listing them, for every command that takes --env', async () => {
    const ws = cliWorkspace(root, { ...environment('alpha', 'one'), ...environment('beta', 'two') });
    for (const command of [['config'], ['plan'], ['apply'], ['status'], ['down'], ['restart'], ['logs'], ['build'], ['pull'], ['validate'], ['watch'], ['history'], ['rollback'], ['events']]) {
      const run = await runCli(ws, command, stateDir);
      expect(run.code, command.join(' ')).toBe(1);
      expect(run.stderr, command.join(' ')).toBe(`phoenix ${command[0]}: no environment given, and ${path.join(ws, 'environments')} holds 2: alpha, beta. Pass --env NAME, or set PHOENIX_ENV=NAME.\n`);
      expect(run.stdout).toBe('');
    }
  });

  it('with no environment at all, says the folder holds none', async () => {
    const ws = cliWorkspace(root, { 'README.md': 'nothing here\n' });
    const run = await runCli(ws, ['status'], stateDir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${path.join(ws, 'environments')} holds no environment (<name>.yaml)`);
  });

  it('a PHOENIX_ENV naming no environment is the usual unknown-environment error', async () => {
    const ws = cliWorkspace(root, environment('solo', 'api'));
    const run = await runCli(ws, ['config'], stateDir, { PHOENIX_ENV: 'prod' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('environment "prod" has no file');
    expect(run.stderr).toContain('Known environments: solo.');
  });

  it('validate --all is not narrowed to the default, and init keeps its own --env', async () => {
    const ws = cliWorkspace(root, { ...environment('alpha', 'one'), ...environment('beta', 'two') });
    const all = await runCli(ws, ['validate', '--all'], stateDir, { PHOENIX_ENV: 'alpha' });
    expect(all.stdout).toBe('ok alpha: valid, 1 services\nok beta: valid, 1 services\n');
    const help = await runCli(ws, ['init', '--help'], stateDir);
    expect(help.stdout).not.toContain('$PHOENIX_ENV,');
    const statusHelp = await runCli(ws, ['status', '--help'], stateDir);
    expect(statusHelp.stdout.replace(/\s+/g, ' ')).toContain('(default: $PHOENIX_ENV, else the only environment in the folder)');
  });
});
