/**
 * The environment lock (src/state/environment-lock.ts) with real sockets and, for "released
 * when the holder dies", a real child process holding it (the built module from dist/).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnvironmentLockedError, acquireEnvironmentLock, currentLockHolder, lockAddress } from '../../src/state/environment-lock.js';
import type { EnvironmentLock, LockRequestOptions } from '../../src/state/environment-lock.js';
import { requestReconcile } from '../../src/state/lock-client.js';
import type { LockHolder, RemoteReconcileOutcome } from '../../src/state/lock-protocol.js';
import { REPO, requireFreshBuild } from '../integration/support.js';

let stateDir = '';
const held: EnvironmentLock[] = [];
const children: ChildProcess[] = [];

beforeEach(() => {
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'phx-lock-'));
});

afterEach(async () => {
  for (const lock of held.splice(0)) await lock.release();
  for (const child of children.splice(0)) child.kill('SIGKILL');
  rmSync(stateDir, { recursive: true, force: true });
});

function options(extra: Partial<LockRequestOptions> = {}): LockRequestOptions {
  return { stateDir, project: 'shop', environment: 'dev', command: 'apply', timeoutMs: 0, ...extra };
}

async function take(extra: Partial<LockRequestOptions> = {}): Promise<EnvironmentLock> {
  const acquisition = await acquireEnvironmentLock(options(extra));
  if (acquisition.kind !== 'acquired') throw new Error('expected to acquire the lock');
  held.push(acquisition.lock);
  return acquisition.lock;
}

async function refusal(extra: Partial<LockRequestOptions> = {}): Promise<EnvironmentLockedError> {
  try {
    await acquireEnvironmentLock(options(extra));
  } catch (error) {
    if (error instanceof EnvironmentLockedError) return error;
    throw error;
  }
  throw new Error('expected the lock to be refused');
}

describe('the environment lock', () => {
  it('tells who holds it without waiting, with the status page of a watch', async () => {
    expect(await currentLockHolder(stateDir, 'shop', 'dev')).toBeNull();
    const lock = await take({ command: 'watch', telemetryUrl: 'http://127.0.0.1:9464' });
    expect(await currentLockHolder(stateDir, 'shop', 'dev')).toMatchObject({ pid: process.pid, command: 'watch', telemetryUrl: 'http://127.0.0.1:9464' });
    // Another environment's lock is another lock.
    expect(await currentLockHolder(stateDir, 'shop', 'prod')).toBeNull();
    await lock.release();
    expect(await currentLockHolder(stateDir, 'shop', 'dev')).toBeNull();
    // An apply says nothing of a page.
    await take();
    const apply = await currentLockHolder(stateDir, 'shop', 'dev');
    expect(apply?.command).toBe('apply');
    expect(apply?.telemetryUrl).toBeUndefined();
  });

  it('is held by one process at a time, and refused with PHX-LOCKED naming the holder', async () => {
    const lock = await take();
    expect(lock.holder).toMatchObject({ pid: process.pid, command: 'apply', project: 'shop', environment: 'dev' });
    const error = await refusal({ command: 'down' });
    expect(error.code).toBe('PHX-LOCKED');
    expect(error.holder).toMatchObject({ pid: process.pid, command: 'apply', since: lock.holder.since });
    expect(error.message).toContain(`locked by pid ${process.pid} (phoenix apply, since ${lock.holder.since})`);
    expect(error.remediation).toMatch(/--lock-timeout/);
  });

  it('is one lock per state directory, project and environment', async () => {
    await take();
    await take({ project: 'other' });
    await take({ environment: 'prod' });
    const otherState = mkdtempSync(path.join(os.tmpdir(), 'phx-lock-other-'));
    try {
      await take({ stateDir: otherState });
    } finally {
      rmSync(otherState, { recursive: true, force: true });
    }
    // Two spellings of one state directory are one lock.
    const link = `${stateDir}-link`;
    symlinkSync(stateDir, link);
    try {
      expect(lockAddress(link, 'shop', 'dev')).toBe(lockAddress(stateDir, 'shop', 'dev'));
      expect((await refusal({ stateDir: link })).code).toBe('PHX-LOCKED');
    } finally {
      rmSync(link);
    }
  });

  it('is an abstract socket on Linux (nothing left in the state directory) and a socket file elsewhere', () => {
    expect(lockAddress(stateDir, 'shop', 'dev', 'linux')).toMatch(/^\0phoenix-lock-[0-9a-f]{40}$/);
    expect(lockAddress(stateDir, 'shop', 'dev', 'darwin')).toMatch(new RegExp(`^${stateDir}/locks/[0-9a-f]{24}\\.sock$`));
  });

  it('makes a second actor wait, naming the holder, and lets it in as soon as the holder releases', async () => {
    const first = await take();
    const waits: (LockHolder | null)[] = [];
    let releasedAt = 0;
    setTimeout(() => {
      releasedAt = Date.now();
      void first.release();
    }, 400);
    const started = Date.now();
    const second = await acquireEnvironmentLock(options({ command: 'restart', timeoutMs: 10_000, onWait: (holder) => waits.push(holder) }));
    expect(second.kind).toBe('acquired');
    if (second.kind === 'acquired') held.push(second.lock);
    expect(waits).toEqual([first.holder]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    // Woken by the holder's connection closing: the 1 s poll would come 600 ms after the release.
    expect(Date.now() - releasedAt).toBeLessThan(550);
  });

  it('gives up after the timeout with the holder named', async () => {
    const first = await take({ command: 'watch' });
    const started = Date.now();
    const error = await refusal({ timeoutMs: 700 });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(690);
    expect(waited).toBeLessThan(3000);
    expect(error.holder).toMatchObject({ pid: process.pid, command: 'watch', since: first.holder.since });
    expect(error.remediation).toMatch(/phoenix watch/);
  });

  it('stops waiting when the signal aborts', async () => {
    await take();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted')), 200);
    const started = Date.now();
    await expect(acquireEnvironmentLock(options({ timeoutMs: 10_000, signal: controller.signal }))).rejects.toThrow('interrupted');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('lets a waiter yield to a holder that reconciles on request, and carries the request and its outcome', async () => {
    const outcome: RemoteReconcileOutcome = { ok: true, actions: 2, summary: 'Plan: 2 to create.', durationMs: 12, manifestInvalid: false, error: null };
    const asked: { pid: number; command: string }[] = [];
    await take({
      command: 'watch',
      onReconcileRequest: (from) => {
        asked.push(from);
        return Promise.resolve(outcome);
      },
    });
    const acquisition = await acquireEnvironmentLock(options({ timeoutMs: 10_000, yieldTo: (holder) => holder.reconcilesOnRequest }));
    expect(acquisition.kind).toBe('yielded');
    if (acquisition.kind !== 'yielded') return;
    expect(acquisition.holder).toMatchObject({ command: 'watch', reconcilesOnRequest: true });
    const result = await requestReconcile(acquisition.address, { pid: 4242, command: 'apply' }, 5000);
    expect(result).toEqual({ kind: 'outcome', holder: acquisition.holder, outcome });
    expect(asked).toEqual([{ pid: 4242, command: 'apply' }]);
  });

  it('has a holder that does not reconcile refuse the request', async () => {
    await take({ command: 'down' });
    const result = await requestReconcile(lockAddress(stateDir, 'shop', 'dev'), { pid: 1, command: 'apply' }, 5000);
    expect(result).toEqual({ kind: 'refused', reason: 'phoenix down does not take requests' });
  });

  it('tells a requester the holder went away when it stops before answering', async () => {
    let lock: EnvironmentLock | null = null;
    lock = await take({ command: 'watch', onReconcileRequest: () => new Promise(() => void setTimeout(() => void lock?.release(), 100)) });
    const result = await requestReconcile(lockAddress(stateDir, 'shop', 'dev'), { pid: 1, command: 'apply' }, 5000);
    expect(result).toEqual({ kind: 'gone' });
  });
});

describe('the environment lock held by another process', { timeout: 30_000 }, () => {
  /** A child process that takes the lock through the built module and keeps it until killed. */
  async function holderProcess(): Promise<ChildProcess> {
    requireFreshBuild();
    const module = path.join(REPO, 'dist', 'state', 'environment-lock.js');
    const script = `import(${JSON.stringify(module)}).then(async (m) => {
      await m.acquireEnvironmentLock({ stateDir: ${JSON.stringify(stateDir)}, project: 'shop', environment: 'dev', command: 'apply', timeoutMs: 0 });
      process.stdout.write('held\\n');
      setInterval(() => {}, 1000);
    });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('held')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the holder exited ${code}`)));
    });
    return child;
  }

  it('names the other process, and is released by the kernel when it is killed with SIGKILL', async () => {
    const child = await holderProcess();
    const error = await refusal();
    expect(error.holder).toMatchObject({ pid: child.pid, command: 'apply' });
    const waits: (LockHolder | null)[] = [];
    const waiting = acquireEnvironmentLock(options({ timeoutMs: 20_000, onWait: (holder) => waits.push(holder) }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = Date.now();
    child.kill('SIGKILL');
    const acquisition = await waiting;
    expect(acquisition.kind).toBe('acquired');
    if (acquisition.kind === 'acquired') held.push(acquisition.lock);
    expect(Date.now() - killedAt).toBeLessThan(1000);
    expect(waits.map((h) => h?.pid)).toEqual([child.pid]);
  });
});
