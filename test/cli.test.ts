import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import type { CliIo } from '../src/cli/io.js';

/**
 * The command line, run in-process through main(argv, io) on real files in temporary
 * folders, plus one run of the built launcher.
 */

const REPO = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let tmp: string;
let stateDir: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'phoenix-cli-test-'));
  stateDir = path.join(tmp, 'state');
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** A fresh working folder under the temporary root, with the given files (relative paths). */
function workspace(files: Record<string, string> = {}, copyRepoEnvironments = false): string {
  const dir = mkdtempSync(path.join(tmp, 'ws-'));
  if (copyRepoEnvironments) cpSync(path.join(REPO, 'environments'), path.join(dir, 'environments'), { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/** Runs phoenix in-process in `cwd`, with a controlled environment and the test's state dir. */
async function run(cwd: string, argv: readonly string[], env: Record<string, string> = {}): Promise<Run> {
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
  const code = await main([...argv, '--state-dir', stateDir], io);
  return { code, stdout, stderr };
}

function expectNoStackTrace(result: Run): void {
  const all = result.stdout + result.stderr;
  expect(all).not.toMatch(/^\s+at .+[(:]/m);
  expect(all).not.toContain('internal error');
}

describe('phoenix validate', () => {
  it('--all passes on a copy of the repository\'s environments/', async () => {
    const cwd = workspace({}, true);
    const result = await run(cwd, ['validate', '--all']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ok demo: valid, 3 services/m);
    expect(result.stdout).toMatch(/^ok dev: valid, \d+ services/m);
    expect(result.stdout).toMatch(/^ok prod: valid, \d+ services/m);
    // --state-dir is where the secret digest key went.
    expect(existsSync(path.join(stateDir, 'secret-digest.key'))).toBe(true);
  });

  it('--all passes on the repository\'s own environments/ (cwd = repository root)', async () => {
    const result = await run(REPO, ['validate', '--all']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ok demo:/m);
    expect(result.stdout).not.toMatch(/^FAIL/m);
  });

  it.each([
    ['a YAML syntax error in the environment file', { 'environments/bad.yaml': 'project: app\ncompose: x: y\n' }, 'environments/bad.yaml:2:10 error PHX-YAML-SYNTAX'],
    [
      'an unknown key in a compose file',
      { 'environments/bad.yaml': 'project: app\ncompose: [compose/app.yaml]\n', 'environments/compose/app.yaml': 'services:\n  web:\n    image: nginx\n    frobnicate: .\n' },
      'environments/compose/app.yaml:4:5 error PHX-UNKNOWN-KEY services.web.frobnicate:',
    ],
    [
      'a missing compose file',
      { 'environments/bad.yaml': 'project: app\ncompose:\n  - compose/nope.yaml\n' },
      'environments/bad.yaml:3:5 error PHX-FILE-NOT-FOUND compose: compose file environments/compose/nope.yaml does not exist.',
    ],
    [
      'a dependency cycle',
      { 'environments/bad.yaml': 'project: app\ncompose: [c/app.yaml]\n', 'environments/c/app.yaml': 'services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n' },
      'environments/c/app.yaml:7:18 error PHX-DEPENDENCY-CYCLE services.b.depends_on.a: depends_on forms a cycle: a -> b -> a.',
    ],
  ])('%s: prints file:line:col, exits 1, no stack trace', async (_what, files, expected) => {
    const cwd = workspace(files);
    const result = await run(cwd, ['validate', '--env', 'bad']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(expected);
    expect(result.stdout).toMatch(/^FAIL bad: 1 error$/m);
    expectNoStackTrace(result);
  });

  it('an unknown environment lists the known ones', async () => {
    const cwd = workspace({}, true);
    const result = await run(cwd, ['validate', '--env', 'staging']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('environments/staging.yaml:1:1 error PHX-FILE-NOT-FOUND');
    expect(result.stdout).toContain('Known environments: demo, dev, prod.');
    expectNoStackTrace(result);
  });

  it('--json prints a parseable report', async () => {
    const cwd = workspace({ 'environments/bad.yaml': 'project: app\ncompose: x: y\n' });
    const result = await run(cwd, ['validate', '--env', 'bad', '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { valid: boolean; environments: { environment: string; valid: boolean; issues: { code: string; location: unknown }[] }[] };
    expect(report.valid).toBe(false);
    expect(report.environments[0]).toMatchObject({ environment: 'bad', valid: false });
    expect(report.environments[0]!.issues[0]).toMatchObject({ code: 'PHX-YAML-SYNTAX', location: { file: 'environments/bad.yaml', line: 2, column: 10 } });
  });

  it('with neither --env nor --all, and several environments, exits 1 listing them', async () => {
    const result = await run(workspace({}, true), ['validate']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no environment given, and ');
    expect(result.stderr).toContain('holds 3: demo, dev, prod. Pass --env NAME, or set PHOENIX_ENV=NAME.');
    expect(result.stdout).toBe('');
  });

  it('--environments points at another folder', async () => {
    const cwd = workspace({ 'elsewhere/one.yaml': 'project: app\ncompose: [c.yml]\n', 'elsewhere/c.yml': 'services:\n  web:\n    image: nginx\n' });
    const result = await run(cwd, ['validate', '--env', 'one', '--environments', 'elsewhere']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ok one: valid, 1 services');
  });
});

describe('phoenix plan --observed', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = workspace({ 'empty.json': '{}\n', 'broken.json': '{"containers": \n', 'wrong.json': '{"containers": 3}\n' }, true);
  });

  it('prints the plan and exits 0', async () => {
    const result = await run(cwd, ['plan', '--env', 'demo', '--observed', 'empty.json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('phoenix-demo/demo');
    for (const name of ['phoenix-demo-demo-web-1', 'phoenix-demo-demo-worker-1', 'phoenix-demo-demo-migrate-1', 'phoenix-demo-demo-app', 'phoenix-demo-demo-demo_data']) {
      expect(result.stdout).toContain(name);
    }
  });

  it('--json prints JSON with formatVersion 1 that never holds the secret value', async () => {
    const result = await run(cwd, ['plan', '--env', 'demo', '--observed', 'empty.json', '--json']);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as { formatVersion: number; project: string; environment: string; actions: { kind: string }[] };
    expect(plan.formatVersion).toBe(1);
    expect(plan.project).toBe('phoenix-demo');
    expect(plan.environment).toBe('demo');
    expect(plan.actions.map((a) => a.kind)).toContain('container.create');
    const token = readFileSync(path.join(cwd, 'environments/secrets/demo/demo_token.txt'), 'utf8').trim();
    expect(token.length).toBeGreaterThan(0);
    expect(result.stdout).not.toContain(token);
  });

  it('--detailed-exitcode exits 2 when there are changes', async () => {
    const result = await run(cwd, ['plan', '--env', 'demo', '--observed', 'empty.json', '--detailed-exitcode']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('phoenix-demo-demo-web-1');
  });

  it('--out writes the JSON plan to a file', async () => {
    const result = await run(cwd, ['plan', '--env', 'demo', '--observed', 'empty.json', '--out', 'plan.json']);
    expect(result.code).toBe(0);
    const saved = JSON.parse(readFileSync(path.join(cwd, 'plan.json'), 'utf8')) as { formatVersion: number; environment: string; actions: unknown[] };
    expect(saved.formatVersion).toBe(1);
    expect(saved.environment).toBe('demo');
    expect(saved.actions.length).toBeGreaterThan(0);
  });

  it('--out into a folder that does not exist is a clear error, not a stack trace (bug fix)', async () => {
    const result = await run(cwd, ['plan', '--env', 'demo', '--observed', 'empty.json', '--out', 'no/such/dir/plan.json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot write the plan to no/such/dir/plan.json');
    expectNoStackTrace(result);
  });

  it.each([
    ['not JSON', 'broken.json', 'observed snapshot broken.json is not JSON'],
    ['missing', 'missing.json', 'observed snapshot missing.json does not exist'],
    ['of the wrong shape', 'wrong.json', 'wrong.json: containers must be a list of objects'],
  ])('a snapshot %s exits 1 with a message', async (_what, file, message) => {
    const result = await run(cwd, ['plan', '--env', 'demo', '--observed', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
    expectNoStackTrace(result);
  });

  it('an invalid environment is reported with file:line:col and nothing is planned', async () => {
    const bad = workspace({ 'empty.json': '{}', 'environments/bad.yaml': 'project: app\ncompose: [c.yaml]\n', 'environments/c.yaml': 'services:\n  web:\n    image: nginx\n    privileged: true\n' });
    const result = await run(bad, ['plan', '--env', 'bad', '--observed', 'empty.json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('environments/c.yaml:4:5 error PHX-POLICY-PRIVILEGED');
    expect(result.stderr).toContain('nothing was planned');
    expect(result.stdout).toBe('');
    expectNoStackTrace(result);
  });

  it('a secret from an unset variable blocks the plan (while validate only warns)', async () => {
    const env = { 'empty.json': '{}', 'environments/x.yaml': 'project: app\ncompose: [c.yaml]\nsecrets:\n  tok:\n    environment: TOK\n', 'environments/c.yaml': 'services:\n  web:\n    image: nginx\n    secrets: [tok]\n' };
    const dir = workspace(env);
    const planned = await run(dir, ['plan', '--env', 'x', '--observed', 'empty.json']);
    expect(planned.code).toBe(1);
    expect(planned.stderr).toContain('environments/x.yaml:5:18 error PHX-SECRET-SOURCE-MISSING');
    const validated = await run(dir, ['validate', '--env', 'x']);
    expect(validated.code).toBe(0);
    expect(validated.stdout).toContain('environments/x.yaml:5:18 warning PHX-SECRET-SOURCE-MISSING');
    const withValue = await run(dir, ['plan', '--env', 'x', '--observed', 'empty.json', '--json'], { TOK: 'canary-s3cr3t-value' });
    expect(withValue.code).toBe(0);
    expect(withValue.stdout).not.toContain('canary-s3cr3t-value');
  });
});

describe('the built launcher', () => {
  it('node bin/phoenix.js validate --all exits 0 on the repository', () => {
    const built = path.join(REPO, 'dist', 'cli', 'main.js');
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` before this test (npm test does).`);
    const result = spawnSync(process.execPath, ['bin/phoenix.js', 'validate', '--all', '--state-dir', stateDir], {
      cwd: REPO,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: tmp },
    });
    expect(result.error).toBeUndefined();
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^ok demo: valid/m);
    expect(result.status).toBe(0);
  });

  it('ends quietly with exit 0 when the reader closes the pipe early (`| head`), no EPIPE stack trace', async () => {
    const child = spawn(process.execPath, ['bin/phoenix.js', 'validate', '--all', '--json', '--state-dir', stateDir], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', HOME: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Closing our end before the child writes makes its first write fail with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  });
});
