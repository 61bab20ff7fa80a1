/**
 * The commands that change Podman and the environment lock, in-process: a held lock refuses
 * them with PHX-LOCKED (naming the holder) before Podman is reached, and a bad --lock-timeout
 * is a clear error. The lock is taken before Podman is observed: these runs never start a podman.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { acquireEnvironmentLock } from '../src/state/environment-lock.js';
import type { EnvironmentLock } from '../src/state/environment-lock.js';
import { capturingIo } from './integration/support.js';

let dir = '';
let stateDir = '';
const held: EnvironmentLock[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'phx-cli-lock-'));
  stateDir = path.join(dir, 'state');
  mkdirSync(path.join(dir, 'environments'), { recursive: true });
  writeFileSync(path.join(dir, 'environments', 'dev.yaml'), 'project: shop\ncompose: [compose.yaml]\n');
  writeFileSync(path.join(dir, 'environments', 'compose.yaml'), 'services:\n  web:\n    image: localhost/web:1\n  api:\n    build: api\n');
  mkdirSync(path.join(dir, 'environments', 'api'));
  writeFileSync(path.join(dir, 'environments', 'api', 'Dockerfile'), 'FROM localhost/web:1\n');
});

afterEach(async () => {
  for (const lock of held.splice(0)) await lock.release();
  rmSync(dir, { recursive: true, force: true });
});

async function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, stdout, stderr } = capturingIo(dir, { PHOENIX_PODMAN_API: '0' });
  const code = await main([...args, '--env', 'dev', '--environments', path.join(dir, 'environments'), '--state-dir', stateDir], io);
  return { code, stdout: stdout(), stderr: stderr() };
}

async function holdLock(command: string): Promise<EnvironmentLock> {
  const acquisition = await acquireEnvironmentLock({ stateDir, project: 'shop', environment: 'dev', command, timeoutMs: 0 });
  if (acquisition.kind !== 'acquired') throw new Error('expected the lock');
  held.push(acquisition.lock);
  return acquisition.lock;
}

describe('commands that change Podman take the environment lock', () => {
  for (const args of [['apply', '--yes'], ['down', '--yes'], ['restart'], ['build'], ['pull']]) {
    it(`${args[0]} waits up to --lock-timeout, then is refused with PHX-LOCKED naming the holder`, async () => {
      const lock = await holdLock('apply');
      const started = Date.now();
      const result = await run([...args, '--lock-timeout', '300ms']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`shop/dev is locked by pid ${process.pid} (phoenix apply, since ${lock.holder.since}); waiting up to 300ms (--lock-timeout).`);
      expect(result.stderr).toMatch(/error PHX-LOCKED: shop\/dev is locked by pid \d+ .*; nothing was done\.\n {2}.*--lock-timeout/);
      expect(result.stderr).not.toMatch(/PODMAN-/);
    });
  }

  it('a bad --lock-timeout is a clear error', async () => {
    const result = await run(['apply', '--yes', '--lock-timeout', 'soon']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--lock-timeout takes a duration such as 30s or 5m (got soon)');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('an environment that does not validate is reported before any wait for the lock', async () => {
    await holdLock('watch');
    writeFileSync(path.join(dir, 'environments', 'compose.yaml'), 'services:\n  web:\n    image: localhost/web:1\n    bogus: 1\n');
    const result = await run(['apply', '--yes', '--lock-timeout', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PHX-UNKNOWN-KEY');
    expect(result.stderr).not.toContain('PHX-LOCKED');
  });

  it('read-only commands take no lock', async () => {
    await holdLock('apply');
    const result = await run(['validate']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('locked');
  });
});
