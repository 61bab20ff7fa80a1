import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { MAX_INPUT_FILE_BYTES, readRegularFile, unreadable } from '../src/manifest/bounded-read.js';
import { capturingIo } from './integration/support.js';

/**
 * Input files that crashed or hung Phoenix (issue 10): symlink loops, FIFOs, devices, folders,
 * files too large, a 300-character environment name, absurd replica counts and nesting. Each is
 * now a PHX- error naming the path, in bounded time, with no stack trace. Runs `phoenix
 * validate` in-process on real files.
 */

let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'phoenix-input-files-'));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const SERVICE = 'services:\n  web:\n    image: localhost/app:1\n';

/** A workspace whose environments/ holds `files`; `prepare` adds links, FIFOs and the like. */
function workspace(files: Record<string, string>, prepare: (environments: string) => void = () => {}): string {
  const dir = mkdtempSync(path.join(tmp, 'ws-'));
  const environments = path.join(dir, 'environments');
  mkdirSync(environments);
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(environments, file), text);
  prepare(environments);
  return dir;
}

async function validate(cwd: string, args: readonly string[] = ['--env', 'app']): Promise<{ code: number; out: string; ms: number }> {
  const captured = capturingIo(cwd);
  const started = performance.now();
  const code = await main(['validate', ...args, '--state-dir', path.join(tmp, 'state')], captured.io);
  return { code, out: captured.stdout() + captured.stderr(), ms: performance.now() - started };
}

function expectRefused(run: { code: number; out: string; ms: number }, expected: string): void {
  expect(run.out).toContain(expected);
  expect(run.code).toBe(1);
  expect(run.out).not.toMatch(/^\s+at .+[(:]/m);
  expect(run.out).not.toContain('internal error');
  expect(run.ms).toBeLessThan(5000);
}

const fifo = (file: string): void => void execFileSync('mkfifo', [file]);

describe('input files that crashed or hung are PHX- errors naming the path', { timeout: 20_000 }, () => {
  it('an environment file that is a symlink loop', async () => {
    const cwd = workspace({}, (env) => symlinkSync('app.yaml', path.join(env, 'app.yaml')));
    expectRefused(await validate(cwd), 'error PHX-FILE-UNREADABLE');
  });

  it('a compose file that is a symlink loop', async () => {
    const cwd = workspace({ 'app.yaml': 'project: app\ncompose: [c.yaml]\n' }, (env) => symlinkSync('c.yaml', path.join(env, 'c.yaml')));
    expectRefused(await validate(cwd), 'environments/c.yaml:1:1 error PHX-FILE-UNREADABLE');
  });

  it('a secret source that is a symlink loop', async () => {
    const cwd = workspace({ 'app.yaml': 'project: app\ncompose: [c.yaml]\nsecrets:\n  token: {file: token.txt}\n', 'c.yaml': `${SERVICE}    secrets: [token]\n` }, (env) => symlinkSync('token.txt', path.join(env, 'token.txt')));
    expectRefused(await validate(cwd), 'symbolic link loop');
  });

  it('an env_file that is a symlink loop', async () => {
    const cwd = workspace({ 'app.yaml': 'project: app\ncompose: [c.yaml]\n', 'c.yaml': `${SERVICE}    env_file: web.env\n` }, (env) => symlinkSync('web.env', path.join(env, 'web.env')));
    expectRefused(await validate(cwd), 'environments/web.env:1:1 error PHX-FILE-UNREADABLE');
  });

  it('an environments folder that is a symlink loop', async () => {
    const cwd = workspace({});
    symlinkSync('loop-b', path.join(cwd, 'loop-a'));
    symlinkSync('loop-a', path.join(cwd, 'loop-b'));
    expectRefused(await validate(cwd, ['--all', '--environments', 'loop-a']), 'PHX-FILE-UNREADABLE');
  });

  it('an environment file that is a FIFO is refused at once, not waited on', async () => {
    const cwd = workspace({}, (env) => fifo(path.join(env, 'app.yaml')));
    expectRefused(await validate(cwd), 'is a named pipe (FIFO); Phoenix reads only regular files');
  });

  it('a secret source that is a FIFO is refused at once', async () => {
    const cwd = workspace({ 'app.yaml': 'project: app\ncompose: [c.yaml]\nsecrets:\n  token: {file: token.txt}\n', 'c.yaml': `${SERVICE}    secrets: [token]\n` }, (env) => fifo(path.join(env, 'token.txt')));
    expectRefused(await validate(cwd), 'PHX-FILE-NOT-REGULAR');
  });

  it('compose: [/dev/zero] is refused before a byte is read', async () => {
    const cwd = workspace({ 'app.yaml': 'project: app\ncompose: [/dev/zero]\n' });
    expectRefused(await validate(cwd), '/dev/zero:1:1 error PHX-FILE-NOT-REGULAR /dev/zero is a device');
  });

  it('a folder named as the compose file', async () => {
    const cwd = workspace({ 'app.yaml': 'project: app\ncompose: [c.yaml]\n' }, (env) => mkdirSync(path.join(env, 'c.yaml')));
    expectRefused(await validate(cwd), 'is a folder');
  });

  it('a compose file larger than the limit', async () => {
    const cwd = workspace({ 'app.yaml': 'project: app\ncompose: [c.yaml]\n', 'c.yaml': `${SERVICE}# ${'x'.repeat(MAX_INPUT_FILE_BYTES)}\n` });
    expectRefused(await validate(cwd), 'PHX-FILE-TOO-LARGE');
  });

  it('a 300-character environment name', async () => {
    const cwd = workspace({});
    expectRefused(await validate(cwd, ['--env', 'a'.repeat(300)]), 'error PHX-INVALID-VALUE');
  });

  it('replicas: .inf, 1000000000 and 100000 are refused at once', async () => {
    for (const replicas of ['.inf', '1000000000', '100000']) {
      const cwd = workspace({ 'app.yaml': 'project: app\ncompose: [c.yaml]\n', 'c.yaml': `${SERVICE}    deploy: {replicas: ${replicas}}\n` });
      expectRefused(await validate(cwd), 'environments/c.yaml:4:24 error');
    }
  });

  it('nesting deeper than the limit', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const cwd = workspace({ 'app.yaml': 'project: app\ncompose: [c.yaml]\n', 'c.yaml': `${SERVICE}x-deep: ${deep}\nx-less: ${'['.repeat(100)}${']'.repeat(100)}\n` });
    const run = await validate(cwd);
    expect(run.code).toBe(1);
    expect(run.out).not.toContain('internal error');
    const nested = workspace({ 'app.yaml': 'project: app\ncompose: [c.yaml]\n', 'c.yaml': `${SERVICE}x-less: ${'['.repeat(100)}${']'.repeat(100)}\n` });
    expectRefused(await validate(nested), 'error PHX-LIMIT-EXCEEDED');
  });

  it('a permission error names the path and says what to do (the errno mapping; root reads every file)', () => {
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const refusal = unreadable(denied, '/srv/secret.txt');
    expect(refusal.code).toBe('PHX-FILE-UNREADABLE');
    expect(refusal.message).toBe('/srv/secret.txt cannot be read: permission denied.');
    expect(refusal.remediation).toContain('read permission');
  });

  it('a regular file is read whole, and a missing one is null', () => {
    const cwd = workspace({ 'ok.txt': 'hello' });
    expect(readRegularFile(path.join(cwd, 'environments', 'ok.txt'))?.toString()).toBe('hello');
    expect(readRegularFile(path.join(cwd, 'environments', 'missing.txt'))).toBeNull();
  });
});
