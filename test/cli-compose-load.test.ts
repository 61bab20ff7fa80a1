import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import type { CliIo } from '../src/cli/io.js';

/**
 * The command line on the Compose loading features (profiles, extends, include, every
 * problem at once): phoenix runs in-process on real files in a temporary folder.
 */

let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'phoenix-cli-load-'));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmp, 'ws-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

async function run(cwd: string, argv: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    env: { HOME: tmp, ...env },
    cwd,
    interactive: false,
    confirm: () => Promise.resolve(false),
  };
  const code = await main([...argv, '--state-dir', path.join(tmp, 'state')], io);
  return { code, stdout, stderr };
}

const PROFILES = {
  'environments/dev.yaml': 'project: shop\ncompose: [compose.yaml]\n',
  'environments/compose.yaml': `services:
  web:
    image: nginx:1.27
  debug:
    image: busybox:1
    profiles: [debug]
  report:
    image: busybox:1
    profiles: [reports]
    depends_on: [debug]
`,
  'empty.json': '{}\n',
};

describe('--profile on plan and validate', () => {
  it('plan --observed creates the profile-gated service only with its profile', async () => {
    const cwd = workspace(PROFILES);
    const without = await run(cwd, ['plan', '--env', 'dev', '--observed', 'empty.json']);
    expect(without.stderr).toBe('');
    expect(without.code).toBe(0);
    expect(without.stdout).toContain('shop-dev-web-1');
    expect(without.stdout).not.toContain('shop-dev-debug-1');

    const withProfile = await run(cwd, ['plan', '--env', 'dev', '--observed', 'empty.json', '--profile', 'debug']);
    expect(withProfile.code).toBe(0);
    expect(withProfile.stdout).toContain('shop-dev-debug-1');
    expect(withProfile.stdout).not.toContain('shop-dev-report-1');

    const fromVariable = await run(cwd, ['plan', '--env', 'dev', '--observed', 'empty.json'], { COMPOSE_PROFILES: 'debug,reports' });
    expect(fromVariable.code).toBe(0);
    expect(fromVariable.stdout).toContain('shop-dev-report-1');
  });

  it('validate --profile reports a dependency on a service left out, with file:line:col, exit 1', async () => {
    const cwd = workspace(PROFILES);
    const result = await run(cwd, ['validate', '--env', 'dev', '--profile', 'reports']);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain('environments/compose.yaml:10:18 error PHX-PROFILE-DEPENDENCY services.report.depends_on.debug: service "report" depends on "debug", which is left out');
    const fixed = await run(cwd, ['validate', '--env', 'dev', '--profile', 'reports', '--profile', 'debug']);
    expect(fixed.code).toBe(0);
  });
});
