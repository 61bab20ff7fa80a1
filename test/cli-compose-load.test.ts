import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchCanDo } from '../src/cli/apply-command.js';
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

describe('every problem at once, through the command line', () => {
  it('validate prints the unknown key and the port, reference and policy problems together, exit 1', async () => {
    const cwd = workspace({
      'environments/dev.yaml': 'project: shop\ncompose: [compose.yaml]\n',
      'environments/compose.yaml': `services:
  web:
    image: nginx:1.27
    shm_sise: 64m
    ports: ["8080:80"]
    privileged: true
  api:
    image: busybox:1
    ports: ["8080:81"]
    volumes: [cache:/cache]
`,
    });
    const result = await run(cwd, ['validate', '--env', 'dev']);
    expect(result.code).toBe(1);
    const lines = (result.stdout + result.stderr).split('\n').filter((l) => / error PHX-/.test(l));
    expect(lines.map((l) => l.replace(/^(\S+ error \S+).*$/, '$1'))).toEqual([
      'environments/compose.yaml:4:5 error PHX-UNKNOWN-KEY',
      'environments/compose.yaml:5:13 error PHX-PORT-CONFLICT',
      'environments/compose.yaml:6:5 error PHX-POLICY-PRIVILEGED',
      'environments/compose.yaml:10:15 error PHX-VOLUME-UNDECLARED',
    ]);
  });

  it('one tab in a long file is one line of output', async () => {
    let compose = 'services:\n';
    for (let i = 0; i < 60; i++) compose += `  svc${i}:\n    image: busybox:1\n    command: [sleep, "1"]\n`;
    const cwd = workspace({ 'environments/dev.yaml': 'project: shop\ncompose: [compose.yaml]\n', 'environments/compose.yaml': compose.replace('  svc2:\n    image', '  svc2:\n\timage') });
    const result = await run(cwd, ['validate', '--env', 'dev']);
    expect(result.code).toBe(1);
    const lines = (result.stdout + result.stderr).split('\n').filter((l) => l.includes('PHX-'));
    expect(lines).toEqual(['environments/compose.yaml:9:1 error PHX-YAML-SYNTAX YAML syntax error: Tabs are not allowed as indentation. Fix the YAML syntax at this position (indentation, quotes, a missing colon).']);
  });
});

describe('extends and include, through plan --observed', () => {
  it('plans the included and the extending services with their resolved paths', async () => {
    const cwd = workspace({
      'environments/dev.yaml': 'project: shop\ncompose: [app/compose.yaml]\n',
      'environments/app/compose.yaml': 'include:\n  - ../db/compose.yaml\nservices:\n  web:\n    extends:\n      file: ../common/web.yaml\n      service: base\n    depends_on: [db]\n',
      'environments/common/web.yaml': 'services:\n  base:\n    image: nginx:1.27\n    volumes: ["./html:/usr/share/nginx/html:ro"]\n',
      'environments/db/compose.yaml': 'services:\n  db:\n    image: postgres:${PG}\n',
      'environments/db/.env': 'PG=16\n',
      'empty.json': '{}\n',
    });
    const result = await run(cwd, ['plan', '--env', 'dev', '--observed', 'empty.json', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as { actions: { kind: string; container?: { name: string; spec: { image: string; mounts: { source?: string }[] } } }[] };
    const creates = plan.actions.filter((a) => a.kind === 'container.create');
    const byName = new Map(creates.map((a) => [a.container!.name, a.container!.spec]));
    expect([...byName.keys()].sort()).toEqual(['shop-dev-db-1', 'shop-dev-web-1']);
    expect(byName.get('shop-dev-db-1')!.image).toBe('postgres:16');
    expect(byName.get('shop-dev-web-1')!.mounts[0]!.source).toBe(path.join(cwd, 'environments/common/html'));
  });
});

describe('apply --profile while watch runs', () => {
  it('is not handed over to watch, which reconciles with its own profiles', () => {
    const base = { env: 'dev' };
    expect(watchCanDo(base)).toBe(true);
    expect(watchCanDo({ ...base, profile: ['debug'] })).toBe(false);
  });
});
