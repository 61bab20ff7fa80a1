/**
 * The VS Code tasks `phoenix editor vscode` writes, run for real: each task's command line,
 * with its `${input:…}` replaced by a value its pick list offers, is run by /bin/sh in the
 * workspace as VS Code runs it, against REAL Podman, and exits as it should. The watch task
 * runs under a pseudo-terminal (VS Code's terminal is one), and its background matcher's
 * begin/end patterns must match what watch really prints.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import type { ProblemMatcherJson } from '../support/vscode-problem-matcher.js';
import { backgroundCycles, withoutAnsi } from '../support/vscode-problem-matcher.js';
import { capturingIo, ENV, eventually, podman, podmanEnv, REPO, service, useIntegrationSuite } from './support.js';
import type { TestProject } from './support.js';
import { main } from '../../src/cli/main.js';

const suite = useIntegrationSuite();
const PHOENIX = `node ${path.join(REPO, 'bin', 'phoenix.js')}`;

/** A worker that prints a line a second, and stops at once on SIGTERM. `$$` is Compose's `$`. */
const TICKER = "trap 'exit 0' TERM INT; while :; do echo tick; sleep 1 & wait $$!; done";

interface TaskJson {
  readonly label: string;
  readonly command: string;
  readonly isBackground?: boolean;
  readonly problemMatcher: ProblemMatcherJson | [];
  readonly options: { readonly cwd: string; readonly shell: { readonly executable: string; readonly args: readonly string[] } };
}

interface InputJson {
  readonly id: string;
  readonly options: readonly (string | { readonly label: string; readonly value: string })[];
}

interface Workspace {
  readonly dir: string;
  readonly tasks: readonly TaskJson[];
  readonly inputs: readonly InputJson[];
  readonly env: NodeJS.ProcessEnv;
}

async function generate(project: TestProject): Promise<Workspace> {
  const captured = capturingIo(project.dir, { PHOENIX_STATE_DIR: project.stateDir });
  expect(await main(['editor', 'vscode', '--command', PHOENIX], captured.io), captured.stderr()).toBe(0);
  const file = parse(readFileSync(path.join(project.dir, '.vscode', 'tasks.json'), 'utf8')) as { tasks: TaskJson[]; inputs: InputJson[] };
  const env: NodeJS.ProcessEnv = { ...podmanEnv(), PHOENIX_STATE_DIR: project.stateDir };
  delete env.PHOENIX_ENVIRONMENTS; // the tasks find ./environments in the workspace
  return { dir: project.dir, tasks: file.tasks, inputs: file.inputs, env };
}

/** The value an input's pick list offers under `label` (VS Code substitutes the value). */
function pick(ws: Workspace, id: string, label: string): string {
  const input = ws.inputs.find((i) => i.id === id);
  const option = input?.options.find((o) => (typeof o === 'string' ? o : o.label) === label);
  if (option === undefined) throw new Error(`input ${id} offers no ${label}: ${JSON.stringify(input?.options)}`);
  return typeof option === 'string' ? option : option.value;
}

/** The task's command line as VS Code hands it to the shell, inputs substituted. */
function commandLine(ws: Workspace, label: string, inputs: Readonly<Record<string, string>> = {}): { task: TaskJson; line: string } {
  const task = ws.tasks.find((t) => t.label === `phoenix: ${label}`);
  if (task === undefined) throw new Error(`no task phoenix: ${label}`);
  const line = task.command.replace(/\$\{input:([A-Za-z]+)\}/g, (_, id: string) => {
    const value = inputs[id];
    if (value === undefined) throw new Error(`task ${label} needs the input ${id}`);
    return value;
  });
  expect(task.options.shell).toEqual({ executable: '/bin/sh', args: ['-c'] });
  expect(task.options.cwd).toBe('${workspaceFolder}');
  return { task, line };
}

function run(ws: Workspace, label: string, inputs: Readonly<Record<string, string>> = {}): { code: number | null; stdout: string; stderr: string } {
  const { line } = commandLine(ws, label, inputs);
  const result = spawnSync('/bin/sh', ['-c', line], { cwd: ws.dir, env: ws.env, encoding: 'utf8', timeout: 180_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts a long-running task in its own process group (as a terminal runs it) and collects its output. */
function start(ws: Workspace, line: string): { child: ChildProcess; output: () => string } {
  const child = spawn('/bin/sh', ['-c', line], { cwd: ws.dir, env: ws.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

/** The processes below `pid` (children first-level and on), from /proc. */
function descendants(pid: number): number[] {
  let children: number[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter((p) => p !== '').map(Number);
  } catch {
    return []; // the process has gone
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/**
 * Ctrl-C to the task: SIGINT to the Phoenix process the shell runs (in a terminal the shell gets
 * it too and ends by the signal, which VS Code shows as exit code 130); resolves with the
 * shell's exit code, which is Phoenix's.
 */
function interrupt(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const phoenix = descendants(child.pid!).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('phoenix.js');
    } catch {
      return false;
    }
  });
  if (phoenix.length === 0) throw new Error('no phoenix process under the task\'s shell');
  for (const pid of phoenix) process.kill(pid, 'SIGINT');
  return exited;
}

describe('the VS Code tasks against real Podman', () => {
  it('validate, plan, apply (cancelled, then confirmed), status, restart and logs of a picked service run and exit as they should', async () => {
    const project = suite.project();
    project.writeCompose({ services: { web: service(), worker: service({ command: ['sh', '-c', TICKER] }) } });
    const ws = await generate(project);
    const environment = pick(ws, 'phoenixEnvironment', ENV);

    const validate = run(ws, 'validate');
    expect(validate.stdout).toContain(`ok ${ENV}: valid, 2 services`);
    expect(validate.code).toBe(0);

    const plan = run(ws, 'plan', { phoenixEnvironment: environment });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/web/);
    expect((await project.containers()).size).toBe(0);

    const cancelled = run(ws, 'apply', { phoenixEnvironment: environment, phoenixConfirmApply: pick(ws, 'phoenixConfirmApply', 'Cancel') });
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain('phoenix: apply cancelled');
    expect((await project.containers()).size).toBe(0);

    const applied = run(ws, 'apply', { phoenixEnvironment: environment, phoenixConfirmApply: pick(ws, 'phoenixConfirmApply', 'Apply') });
    expect(applied.code, `${applied.stdout}\n${applied.stderr}`).toBe(0);
    expect((await project.inspect(project.container('web'))).running).toBe(true);
    expect((await project.inspect(project.container('worker'))).running).toBe(true);

    await eventually('status to exit 0 (converged)', 60_000, async () => (run(ws, 'status', { phoenixEnvironment: environment }).code === 0 ? true : undefined));

    const before = (await project.inspect(project.container('web'))).startedAt;
    const restart = run(ws, 'restart service', { phoenixService: pick(ws, 'phoenixService', `${ENV}: web`) });
    expect(restart.code, `${restart.stdout}\n${restart.stderr}`).toBe(0);
    const after = await project.inspect(project.container('web'));
    expect(after.running).toBe(true);
    expect(after.startedAt).not.toBe(before);

    const { line } = commandLine(ws, 'logs of service', { phoenixService: pick(ws, 'phoenixService', `${ENV}: worker`) });
    const logs = start(ws, line);
    await eventually('the worker log lines', 60_000, () => Promise.resolve(/tick\n.*tick/s.test(logs.output()) ? true : undefined));
    expect(logs.child.exitCode).toBeNull(); // --follow: still streaming
    expect(await interrupt(logs.child)).toBe(0);
    expect(logs.output()).toContain(project.container('worker'));
  }, 300_000);

  it("watch runs as a background task whose begin/end patterns match watch's real output", async () => {
    const project = suite.project();
    project.writeCompose({ services: { web: service() } });
    const ws = await generate(project);
    const { task, line } = commandLine(ws, 'watch', { phoenixEnvironment: pick(ws, 'phoenixEnvironment', ENV) });
    expect(task.isBackground).toBe(true);
    const matcher = task.problemMatcher as ProblemMatcherJson;
    // VS Code runs a task in a terminal: `script` gives watch a pseudo-terminal, as VS Code does.
    const watch = start(ws, `script -qfec ${JSON.stringify(line)} /dev/null`);
    try {
      const first = await eventually('the end of watch\'s first reconcile', 120_000, () => {
        const cycles = backgroundCycles(matcher, watch.output());
        return Promise.resolve(cycles.ends > 0 ? cycles : undefined);
      });
      expect(first.begins).toBeGreaterThan(0);
      expect(first.lines[0]).toMatch(new RegExp(`^\\S+ \\S+ ${ENV} +start · .*create ${project.container('web')}.* · ok in `));
      expect((await project.inspect(project.container('web'))).running).toBe(true);
      // A container removed behind watch's back is a second decision: a second cycle.
      await podman(['rm', '--force', '--time', '0', project.container('web')]);
      await eventually('a second reconcile line', 120_000, () => Promise.resolve(backgroundCycles(matcher, watch.output()).ends > first.ends ? true : undefined));
    } finally {
      const code = await interrupt(watch.child);
      expect(code, withoutAnsi(watch.output())).toBe(0);
    }
  }, 300_000);
});
