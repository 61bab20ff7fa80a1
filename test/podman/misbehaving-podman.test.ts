/**
 * A Podman that hangs, prints garbage or fails, played by a test double of the podman binary
 * (test/support/podman-binary-test-double.ts; the real Podman cannot be made to misbehave on
 * demand). Each finding of issue 10 is one test: a hung podman reported after minutes, a
 * `phoenix logs` that never returned, garbage taken as an answer, a 3 s wait for the API service
 * in front of every failing run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { DEFAULT_CALL_DEADLINES, scaledDeadlines } from '../../src/podman/call-deadlines.js';
import { PodmanCli } from '../../src/podman/podman-cli.js';
import { PodmanError } from '../../src/podman/podman-error.js';
import { parseLogLine } from '../../src/podman/podman-logs.js';
import { withResilience } from '../../src/podman/resilient-client.js';
import type { PodmanBinaryTestDouble } from '../support/podman-binary-test-double.js';
import { BEHAVIOUR, isRunning, podmanBinaryTestDouble, removeDoubles } from '../support/podman-binary-test-double.js';

const doubles: PodmanBinaryTestDouble[] = [];
const folders: string[] = [];
afterEach(() => {
  removeDoubles(doubles);
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function double(body: string): PodmanBinaryTestDouble {
  const made = podmanBinaryTestDouble(body);
  doubles.push(made);
  return made;
}

/** The error a promise rejects with, and how long it took. */
async function failure(promise: Promise<unknown>): Promise<{ error: PodmanError; ms: number }> {
  const started = Date.now();
  const error = await promise.then(
    () => new Error('expected a rejection, but the call succeeded'),
    (e: unknown) => e,
  );
  if (!(error instanceof PodmanError)) throw error;
  expect(error.remediation).not.toBe('');
  return { error, ms: Date.now() - started };
}

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const ID = 'a'.repeat(64);
/** Answers the logs preflight (`container inspect --format {{.Id}}`) with one id per name, and runs `logs` as given. */
const logsDouble = (logs: string): string => `case "$1" in\n  container) shift 4; for n in "$@"; do echo ${ID}; done ;;\n  logs) ${logs} ;;\n  *) exit 125 ;;\nesac`;

describe('a hanging podman', () => {
  it('fails a read with PODMAN-TIMEOUT after its deadline, naming the call, and kills the process', async () => {
    const hung = double(BEHAVIOUR.hang);
    const client = new PodmanCli({ binary: hung.binary, deadlines: { read: 300 } });
    const { error, ms } = await failure(client.observe('p', []));
    expect(error.code).toBe('PODMAN-TIMEOUT');
    expect(error.message).toMatch(/^podman (ps|network ls|volume ls|secret ls) did not answer within 300 ms; it was stopped$/);
    expect(error.remediation).toMatch(/PHOENIX_PODMAN_TIMEOUT_SCALE/);
    expect(ms).toBeLessThan(3000);
    expect(hung.pids().length).toBeGreaterThanOrEqual(4);
    await until('every hung podman to be killed', () => hung.pids().every((pid) => !isRunning(pid)));
  });

  it('gives a read seconds, and a stop its container’s stop timeout on top', async () => {
    expect(DEFAULT_CALL_DEADLINES.read).toBeLessThanOrEqual(10_000);
    expect(scaledDeadlines({ PHOENIX_PODMAN_TIMEOUT_SCALE: '3' }).read).toBe(DEFAULT_CALL_DEADLINES.read * 3);
    expect(scaledDeadlines({ PHOENIX_PODMAN_TIMEOUT_SCALE: 'fast' })).toBe(DEFAULT_CALL_DEADLINES);
    const hung = double(BEHAVIOUR.hang);
    const client = new PodmanCli({ binary: hung.binary, deadlines: { stop: 200 } });
    const { error, ms } = await failure(client.removeContainer('web-1', 1));
    expect(error.code).toBe('PODMAN-TIMEOUT');
    expect(error.message).toBe('podman rm did not answer within 1.2 s; it was stopped');
    expect(ms).toBeGreaterThanOrEqual(1150);
  });

  it('is reported after two attempts of a read through the resilient client, not four (244 s before)', async () => {
    const hung = double(BEHAVIOUR.hang);
    const client = withResilience(new PodmanCli({ binary: hung.binary, deadlines: { read: 300 } }), { initialDelayMs: 10, maxDelayMs: 10 });
    const { error, ms } = await failure(client.containerStatus('web-1'));
    expect(error.code).toBe('PODMAN-TIMEOUT');
    expect(hung.pids()).toHaveLength(2);
    expect(ms).toBeLessThan(2000);
  });

  it('ends `logs` with PODMAN-TIMEOUT: a hung preflight, and a hung podman logs without --follow', async () => {
    const hungInspect = double(BEHAVIOUR.hang);
    const client = new PodmanCli({ binary: hungInspect.binary, deadlines: { read: 300 } });
    expect((await failure(client.streamLogs(['web-1'], { follow: true }, () => undefined))).error.code).toBe('PODMAN-TIMEOUT');

    const hungLogs = double(logsDouble("echo '2026-12-04T18:51:16.192840532Z first line'; exec sleep 600"));
    const lines: string[] = [];
    const logs = new PodmanCli({ binary: hungLogs.binary, deadlines: { read: 300 } });
    const { error, ms } = await failure(logs.streamLogs(['web-1'], { follow: false }, (line) => lines.push(line.text)));
    expect(error.code).toBe('PODMAN-TIMEOUT');
    expect(error.message).toMatch(/^podman logs did not answer within 300 ms/);
    expect(lines).toEqual(['first line']);
    expect(ms).toBeLessThan(3000);
    await until('the hung podman logs to be killed', () => hungLogs.pids().every((pid) => !isRunning(pid)));
  });
});

describe('a podman that prints garbage', () => {
  it('is PODMAN-OUTPUT-INVALID on every call that reads its output, never an answer', async () => {
    const liar = double(BEHAVIOUR.garbage);
    const client = new PodmanCli({ binary: liar.binary });
    const calls = [() => client.observe('p', []), () => client.containerStatus('web-1'), () => client.version(), () => client.streamLogs(['web-1'], { follow: false }, () => undefined)];
    for (const call of calls) {
      const { error } = await failure(call());
      expect(error.code).toBe('PODMAN-OUTPUT-INVALID');
      expect(error.message).toMatch(/printed .*"this is not what podman prints/);
    }
  });

  it('fails logs whose lines are not timestamped log lines, without passing them off as the container’s', async () => {
    const liar = double(logsDouble("echo '2026-12-04T18:51:16.192840532Z real line'; printf '\\001\\002 garbage\\n'; echo '2026-12-04T18:51:17Z after'"));
    const lines: string[] = [];
    const client = new PodmanCli({ binary: liar.binary });
    const { error } = await failure(client.streamLogs(['web-1'], { follow: false }, (line) => lines.push(line.text)));
    expect(error.code).toBe('PODMAN-OUTPUT-INVALID');
    expect(error.message).toBe('podman logs printed a line that is not a timestamped log line: "?? garbage"');
    expect(lines).toEqual(['real line']);
  });

  it('reads the framing of `podman logs --timestamps`: the time is cut, Podman’s own stderr diagnostics skipped', () => {
    expect(parseLogLine('stdout', '2026-12-04T18:51:16.192840532Z hello world')).toBe('hello world');
    expect(parseLogLine('stderr', '2026-12-04T18:51:16.192840532+01:00 oops')).toBe('oops');
    expect(parseLogLine('stdout', '2026-12-04T18:51:16.192840532Z ')).toBe('');
    expect(parseLogLine('stderr', 'time="2026-12-04T18:51:16Z" level=warning msg="something"')).toBeNull();
    expect(parseLogLine('stdout', 'time="2026-12-04T18:51:16Z" level=warning')).toBeInstanceOf(PodmanError);
    expect(parseLogLine('stdout', 'hello')).toBeInstanceOf(PodmanError);
  });
});

describe('a podman that fails', () => {
  it('is reported at once, without waiting for the API service it cannot start (3 s before)', async () => {
    const broken = double(BEHAVIOUR.fail);
    const socketDir = mkdtempSync(path.join(os.tmpdir(), 'phx-api-'));
    folders.push(socketDir);
    const client = new PodmanCli({ binary: broken.binary, apiSocket: path.join(socketDir, 'podman.sock') });
    const { error, ms } = await failure(client.observe('p', []));
    expect(error.code).toBe('PODMAN-FAILED');
    expect(error.message).toMatch(/the podman test double fails on purpose/);
    expect(ms).toBeLessThan(1500);
    // The service was tried (one run), then the CLI (the observation's runs).
    expect(broken.pids().length).toBeGreaterThan(1);
  });
});

describe('phoenix on a misbehaving podman', () => {
  /** Runs phoenix in-process with the double first on PATH, in a folder with a one-service environment. */
  async function phoenix(podman: PodmanBinaryTestDouble, argv: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string; ms: number }> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'phx-misbehaving-'));
    folders.push(dir);
    mkdirSync(path.join(dir, 'environments', 'compose'), { recursive: true });
    writeFileSync(path.join(dir, 'environments', 'dev.yaml'), 'project: phxmis\ncompose: [compose/app.yaml]\n');
    writeFileSync(path.join(dir, 'environments', 'compose', 'app.yaml'), 'services:\n  web:\n    image: localhost/phoenix-demo/busybox:1\n');
    let stderr = '';
    const io: CliIo = {
      stdout: () => undefined,
      stderr: (text) => void (stderr += text),
      env: { HOME: dir, PATH: podman.path, ...env },
      cwd: dir,
      interactive: false,
      confirm: () => Promise.resolve(false),
    };
    const started = Date.now();
    const code = await main([...argv, '--env', 'dev', '--state-dir', path.join(dir, 'state')], io);
    return { code, stderr, ms: Date.now() - started };
  }

  it('phoenix logs ends with an error on a hung podman, and on garbage', async () => {
    const hung = await phoenix(double(BEHAVIOUR.hang), ['logs'], { PHOENIX_PODMAN_TIMEOUT_SCALE: '0.05' });
    expect(hung.code).toBe(1);
    expect(hung.stderr).toMatch(/PODMAN-TIMEOUT/);
    expect(hung.ms).toBeLessThan(5000);
    const garbage = await phoenix(double(logsDouble("printf 'garbage\\n'")), ['logs']);
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toMatch(/PODMAN-OUTPUT-INVALID/);
  });

  it('phoenix status fails at once when podman fails, with no wait for the API service', async () => {
    const run = await phoenix(double(BEHAVIOUR.fail), ['status']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the podman test double fails on purpose/);
    expect(run.ms).toBeLessThan(2500);
  });
});
