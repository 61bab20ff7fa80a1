/**
 * `phoenix logs` against REAL Podman: `-f` as a real process (the built CLI) following a
 * service across a recreate by `phoenix apply`, and until the service is removed by
 * `phoenix down`; `--since` and `--timestamps`; and the wording of `phoenix down`.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TestProject } from './support.js';
import { ENV, REPO, eventually, podman, requireFreshBuild, service, sleep, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();
const LAUNCHER = path.join(REPO, 'bin', 'phoenix.js');
const children: ChildProcess[] = [];

// Registered after the suite's hooks, so it runs before the project's cleanup.
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }
});

/** A service that prints `tick <MARK>` every 0.2 s and stops at once on SIGTERM. */
function ticking(mark: string): Record<string, unknown> {
  return service({
    environment: { MARK: mark },
    command: ['sh', '-c', "trap 'exit 0' TERM INT; while :; do echo \"tick $$MARK\"; sleep 0.2 & wait $$!; done"],
  });
}

interface Follower {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `phoenix logs -f <args>` as a process of the built CLI. */
function follow(project: TestProject, args: readonly string[]): Follower {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.PHOENIX_ENVIRONMENTS;
  delete env.PHOENIX_STATE_DIR;
  const child = spawn(process.execPath, [LAUNCHER, 'logs', '-f', ...args, '--env', ENV, ...project.locationArgs()], { cwd: project.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

describe('phoenix logs against real Podman', { timeout: 180_000 }, () => {
  it('-f follows a service across a recreate in the same process, and ends (exit 0) once down removed it', async () => {
    requireFreshBuild();
    const project = suite.project();
    project.writeCompose({ services: { web: ticking('first'), other: ticking('other') } });
    await project.apply();
    const web = project.container('web');
    const firstId = (await project.inspect(web)).id;

    const logs = follow(project, ['web', '--timestamps']);
    const output = (): string => `\n--- stdout (tail)\n${logs.stdout().slice(-2000)}\n--- stderr\n${logs.stderr()}`;
    const lines = (): string[] => logs.stdout().split('\n').filter((l) => l !== '');
    const stamped = new RegExp(`^${web} \\| \\d{4}-\\d\\d-\\d\\dT\\S+ tick (first|second)$`);
    await eventually('a line of the first container', 20_000, () => {
      if (logs.child.exitCode !== null) throw new Error(`phoenix logs -f exited ${logs.child.exitCode}${output()}`);
      return Promise.resolve(logs.stdout().includes(' tick first') ? true : undefined);
    });

    // Change the environment: apply recreates web (a new container, the same name).
    project.writeCompose({ services: { web: ticking('second'), other: ticking('other') } });
    await project.apply();
    const secondId = (await project.inspect(web)).id;
    expect(secondId).not.toBe(firstId);

    await eventually('a line of the new container in the same process', 30_000, () => {
      if (logs.child.exitCode !== null) throw new Error(`phoenix logs -f exited ${logs.child.exitCode} after the recreate${output()}`);
      return Promise.resolve(logs.stdout().includes(' tick second') ? true : undefined);
    });
    expect(logs.stderr(), output()).toContain(`--- ${web} recreated (${firstId.slice(0, 12)} → ${secondId.slice(0, 12)}) ---`);
    // Every line is web's (the service asked for), prefixed and stamped; the first container's lines come first.
    for (const line of lines()) expect(line).toMatch(stamped);
    const lastFirst = lines().map((l) => l.endsWith('first')).lastIndexOf(true);
    const firstSecond = lines().findIndex((l) => l.endsWith('second'));
    expect(lastFirst).toBeLessThan(firstSecond);

    // A restart stops and starts the same container: its stream ends, and the follow goes on
    // with the lines of its new run, none shown twice. (Whether a marker says so depends on
    // whether the follower saw it stopped, and on Podman's start times, which ps gives to the second.)
    const restart = await project.phoenix(['restart', 'web']);
    expect(restart.code, restart.stdout + restart.stderr).toBe(0);
    const count = lines().length;
    await eventually('more lines after the restart', 20_000, () => Promise.resolve(lines().length > count + 3 ? true : undefined));
    expect(new Set(lines()).size, `a line was shown twice${output()}`).toBe(lines().length);
    expect(logs.stderr()).not.toMatch(/recreated \(\w+ → \w+\) ---[\s\S]*recreated/);
    expect(logs.child.exitCode).toBeNull();

    // down removes the service for good: the follow says so and ends with 0.
    const down = await project.phoenix(['down', '--yes']);
    expect(down.code, down.stdout + down.stderr).toBe(0);
    const exit = await Promise.race([logs.exited, sleep(30_000).then(() => null)]);
    expect(exit, `phoenix logs -f did not end after down${output()}`).toEqual({ code: 0, signal: null });
    expect(logs.stderr()).toContain(`--- ${web} removed: no container of service web replica 1 for 10 s ---`);
    expect(logs.stderr()).toContain('every container followed was removed');
  });

  it('--since keeps only recent lines; --timestamps shows the time Podman logged each line at', async () => {
    const project = suite.project();
    project.writeCompose({ services: { web: service({ command: ['sh', '-c', "echo early; sleep 3; echo late; trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"] }) } });
    await project.apply();
    const web = project.container('web');
    await eventually('the late line', 20_000, async () => ((await podman(['logs', web])).includes('late') ? true : undefined));

    const all = await project.phoenix(['logs', '--timestamps']);
    expect(all.code, all.stderr).toBe(0);
    const stamped = all.stdout.split('\n').filter((l) => l !== '');
    expect(stamped).toHaveLength(2);
    for (const line of stamped) expect(line).toMatch(new RegExp(`^${web} \\| \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+(Z|[+-]\\d\\d:\\d\\d) (early|late)$`));
    const lateAt = / (\S+) late$/.exec(stamped[1]!)![1]!;

    // --since the late line's own time (a timestamp): only the late line.
    const sinceTime = await project.phoenix(['logs', '--since', lateAt]);
    expect(sinceTime.code, sinceTime.stderr).toBe(0);
    expect(sinceTime.stdout.trim()).toBe(`${web} | late`);
    // --since a duration: an hour ago keeps both; a date in the future keeps none.
    const sinceDuration = await project.phoenix(['logs', '--since', '1h']);
    expect(sinceDuration.stdout.trim().split('\n')).toEqual([`${web} | early`, `${web} | late`]);
    const future = await project.phoenix(['logs', '--since', '2099-01-01']);
    expect(future.code, future.stderr).toBe(0);
    expect(future.stdout).toBe('');

    // Bad input: a clear error, exit 1, nothing printed from Podman.
    const bad = await project.phoenix(['logs', '--since', 'yesterday']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--since takes a duration before now (10m, 1h30m) or a time');
    const badTail = await project.phoenix(['logs', '--tail', 'ten']);
    expect(badTail.code).toBe(1);
    expect(badTail.stderr).toContain('--tail takes a whole number of lines');
  });

  it('down says it takes the environment down, not that the manifests no longer declare what it removes', async () => {
    const project = suite.project();
    project.writeCompose({ services: { web: service() } });
    await project.apply();
    const down = await project.phoenix(['down', '--yes']);
    expect(down.code, down.stdout + down.stderr).toBe(0);
    expect(down.stdout).toContain(`- remove container ${project.container('web')}\n      because \`phoenix down\` takes the environment down`);
    expect(down.stdout).toContain(`network:${project.object('default')} remove (\`phoenix down\` takes the environment down)`);
    expect(down.stdout).not.toContain('no longer in the manifests');
    expect(down.stdout).not.toContain('(prune)');
  });
});
