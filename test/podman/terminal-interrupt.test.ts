/**
 * Ctrl-C in a terminal sends SIGINT to the whole foreground process group: Phoenix and every
 * podman it runs. A podman killed by that signal used to be reported as a failure
 * (PODMAN-FAILED, "podman was killed by SIGINT") instead of the cancellation it is. Podman is
 * played by a test double of the podman binary (test/support/podman-binary-test-double.ts)
 * that hangs, so that the signal surely arrives while a podman call runs; Phoenix is the built
 * CLI (`npm run build`), run as a terminal runs a job: a process group of its own.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PodmanRunner } from '../../src/podman/podman-runner.js';
import type { PodmanBinaryTestDouble } from '../support/podman-binary-test-double.js';
import { BEHAVIOUR, isRunning, podmanBinaryTestDouble, removeDoubles } from '../support/podman-binary-test-double.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const doubles: PodmanBinaryTestDouble[] = [];
const folders: string[] = [];
afterEach(() => {
  removeDoubles(doubles);
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function hangingPodman(): PodmanBinaryTestDouble {
  const made = podmanBinaryTestDouble(BEHAVIOUR.hang);
  doubles.push(made);
  return made;
}

/** The process group of a process (field 5 of /proc/PID/stat). */
function processGroup(pid: number | 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('podman children and a terminal Ctrl-C', () => {
  it('runs each podman call in a process group of its own, which a cancel still stops', async () => {
    const podman = hangingPodman();
    const runner = new PodmanRunner({ binary: podman.binary, env: { PATH: process.env.PATH ?? '' }, timeoutMs: 60_000 });
    const controller = new AbortController();
    const call = runner.exec(['ps'], { signal: controller.signal });
    await until('the podman double to start', () => podman.pids().length === 1);
    const [pid] = podman.pids();
    expect(processGroup(pid!)).not.toBe(processGroup('self'));
    controller.abort();
    const result = await call;
    expect('error' in result && result.error.code).toBe('PODMAN-ABORTED');
    await until('the cancelled podman to end', () => !isRunning(pid!));
  });

  it('phoenix status interrupted by a Ctrl-C reports a cancellation, not a podman failure', async () => {
    const podman = hangingPodman();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'phx-interrupt-'));
    folders.push(dir);
    mkdirSync(path.join(dir, 'environments', 'compose'), { recursive: true });
    writeFileSync(path.join(dir, 'environments', 'dev.yaml'), 'project: phxint\ncompose: [compose/app.yaml]\n');
    writeFileSync(path.join(dir, 'environments', 'compose', 'app.yaml'), 'services:\n  web:\n    image: localhost/phoenix-demo/busybox:1\n');
    // No API socket can answer here: the status goes to the (hanging) CLI path at once.
    const cli = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'phoenix.js'), 'status', '--env', 'dev', '--state-dir', path.join(dir, 'state')], {
      cwd: dir,
      env: { HOME: dir, PATH: podman.path, XDG_RUNTIME_DIR: dir },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    cli.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    cli.stdout.resume();
    const exited = new Promise<number | null>((resolve) => cli.on('exit', (code) => resolve(code)));
    // The API service Phoenix tries first, then the observation's podman calls: all hang.
    await until('podman calls to hang', () => podman.pids().length >= 3);
    // What a terminal does on Ctrl-C: SIGINT to every process of the foreground group.
    process.kill(-cli.pid!, 'SIGINT');
    const code = await exited;
    expect(stderr).not.toMatch(/killed by SIGINT|PODMAN-FAILED/);
    expect(stderr).toMatch(/cancelled/);
    expect(code).not.toBe(0);
  });
});
