/**
 * Runs a page's console example for real: a fresh copy of its fixture folder, `phoenix` on
 * PATH as the built CLI (bin/phoenix.js), a fresh state directory, each `$ ` line through
 * `sh`, and the output made comparable (temporary paths, times, ids and durations replaced by
 * stable placeholders).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConsoleExample } from './console-examples.js';
import { REPO_ROOT } from './cli-run.js';
import { podmanEnv, sweep } from './podman-host.js';

/** Where the examples' fixture folders live. */
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'troubleshooting');

/** The word a Podman example's project names start with; made unique per run and mapped back in the output. */
export const PROJECT_WORD = 'tsdoc';

/** One step's actual output (already normalised, `[exit N]` line included). */
export interface StepResult {
  readonly command: string;
  readonly output: string;
}

/** A command line that runs phoenix (as a command word, not `phoenix-demo` in an image name). */
const RUNS_PHOENIX = /(?:^|[\s;&|(])phoenix\s/;

/** How long one command may run before the example fails. */
const STEP_TIMEOUT_MS = 300_000;

/** Replaces `from` with `to` in every text file under `dir` (a Podman example's project names). */
function replaceInTree(dir: string, from: string, to: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) replaceInTree(full, from, to);
    else if (entry.isFile()) {
      const text = readFileSync(full, 'utf8');
      if (text.includes(from)) writeFileSync(full, text.split(from).join(to));
    }
  }
}

/**
 * Runs one shell command (bash, with pipefail, so that `phoenix ... | tail` shows phoenix's exit
 * code) in `cwd` in a process group of its own, whose pid goes to `groups` so that what it left
 * running in the background can be stopped; resolves with its interleaved stdout+stderr and
 * exit code.
 */
function runShell(command: string, cwd: string, env: NodeJS.ProcessEnv, groups: number[]): Promise<{ output: string; code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', `{ ${command}\n} 2>&1`], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    if (child.pid !== undefined) groups.push(child.pid);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), STEP_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ output, code: code ?? (signal === null ? 1 : 128 + os.constants.signals[signal]) });
    });
  });
}

/** The placeholders that make one run's output equal another's. */
function normalise(text: string, replacements: readonly (readonly [string, string])[]): string {
  let out = text;
  for (const [from, to] of replacements) out = out.split(from).join(to);
  return out
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, '<time>')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, '<time>')
    .replace(/\b[0-9a-f]{64}\b/g, '<id>')
    .replace(/\b[0-9a-f]{12}\b/g, 'xxxxxxxxxxxx')
    .replace(/\b[0-9a-f]{16}\b/g, 'xxxxxxxxxxxxxxxx')
    .replace(/\bpid \d+/g, 'pid <pid>')
    .replace(/\b\d+(?:\.\d+)? (?:ms|s)\b/g, '<dur>')
    // An ephemeral port (`--listen 127.0.0.1:0`).
    .replace(/127\.0\.0\.1:(?:3[2-9]\d{3}|[4-6]\d{4})\b/g, '127.0.0.1:<port>')
    // Watch's API token file is named after that port.
    .replace(/watch-token-\d+\b/g, 'watch-token-<port>')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n+$/, '');
}

/** Runs every step of `example` in order (a step's failure does not stop the next) and cleans up. */
export async function runConsoleExample(example: ConsoleExample): Promise<StepResult[]> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'phx-doc-'));
  const workspace = path.join(root, 'app');
  const stateDir = path.join(root, 'state');
  const binDir = path.join(root, 'bin');
  const fixture = path.join(FIXTURES, example.fixture);
  if (!statSync(fixture, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`fixture folder ${fixture} does not exist`);
  cpSync(fixture, workspace, { recursive: true });
  mkdirSync(stateDir, { mode: 0o700 });
  mkdirSync(binDir);
  // node by its absolute path: an example may run phoenix with a PATH that holds nothing else.
  writeFileSync(path.join(binDir, 'phoenix'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(REPO_ROOT, 'bin', 'phoenix.js'))} "$@"\n`);
  chmodSync(path.join(binDir, 'phoenix'), 0o755);
  const project = example.podman ? `${PROJECT_WORD}${randomBytes(3).toString('hex')}` : PROJECT_WORD;
  if (example.podman) replaceInTree(workspace, PROJECT_WORD, project);
  const inherited = Object.fromEntries(Object.entries(podmanEnv()).filter(([name]) => !name.startsWith('PHOENIX_')));
  const env: NodeJS.ProcessEnv = { ...inherited, PATH: `${binDir}:${process.env.PATH ?? ''}`, PHOENIX_STATE_DIR: stateDir, NO_COLOR: '1',
    // A loaded test machine (2 cores shared by the whole suite) is slow, not broken: every Podman
    // deadline ten times as long, as docs/errors.md advises (an example may set its own). Under a
    // load average of 20+ a REST call took over 30 s.
    PHOENIX_PODMAN_TIMEOUT_SCALE: '10' };
  const real = realpathSync(root);
  const replacements: [string, string][] = [
    [path.join(real, 'state'), '~/.local/state/phoenix'],
    [stateDir, '~/.local/state/phoenix'],
    [path.join(real, 'app'), '~/app'],
    [workspace, '~/app'],
    [project, PROJECT_WORD],
  ];
  const groups: number[] = [];
  try {
    const setup = path.join(workspace, 'setup.sh');
    if (statSync(setup, { throwIfNoEntry: false })?.isFile()) {
      const prepared = await runShell('sh ./setup.sh', workspace, env, groups);
      if (prepared.code !== 0) throw new Error(`${example.fixture}/setup.sh failed (${prepared.code}):\n${prepared.output}`);
    }
    const results: StepResult[] = [];
    for (const step of example.steps) {
      const command = example.podman ? step.command.split(PROJECT_WORD).join(project) : step.command;
      const { output, code } = await runShell(command, workspace, env, groups);
      const shown = RUNS_PHOENIX.test(step.command) || code !== 0 ? `${normalise(output, replacements)}\n[exit ${code}]` : normalise(output, replacements);
      results.push({ command: step.command, output: shown.replace(/^\n/, '') });
    }
    return results;
  } finally {
    for (const group of groups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // The group has ended: nothing left running.
      }
    }
    if (example.podman) await sweep(project);
    rmSync(root, { recursive: true, force: true });
  }
}

/** Runs `tasks` with at most `limit` at once; results in input order. */
export async function inParallel<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await tasks[index]!() };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
