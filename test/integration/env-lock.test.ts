/**
 * One actor per environment, against real Podman (issue 10): two Phoenix processes applying
 * one environment at once, a recreate pair racing, an apply while `phoenix watch` runs, and a
 * holder killed with SIGKILL. After each race: no failed run, every container of the project
 * inspectable, and after `phoenix down` every name can be taken again by `podman create`.
 * The applies are real processes (the built CLI), so they race as two users' would.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestProject } from './support.js';
import { ENV, IMAGE, REPO, eventually, loopAfter, podman, podmanResult, requireFreshBuild, service } from './support.js';
import { startWatch, useWatchSuite } from './watch-support.js';

const suite = useWatchSuite();
const LAUNCHER = path.join(REPO, 'bin', 'phoenix.js');
const spawned: ChildProcess[] = [];

beforeAll(() => requireFreshBuild());
afterEach(() => {
  for (const child of spawned.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

interface Spawned {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
}

/** Runs `phoenix <args> --env it` of the project as a real process. */
function spawnPhoenix(project: TestProject, args: readonly string[]): Spawned {
  const child = spawn(process.execPath, [LAUNCHER, ...args, '--env', ENV, ...project.locationArgs()], { cwd: project.dir, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.once('exit', (code, signal) => {
      project.transcript.push(output);
      resolve({ code, signal, output });
    }),
  );
  return { child, output: () => output, exited };
}

/** Three services; web waits for db to be healthy (3 s), so an apply stays busy a while. */
function compose(version: string): Record<string, unknown> {
  return {
    services: {
      db: service({
        environment: { VERSION: version },
        volumes: ['data:/data'],
        command: loopAfter('(sleep 2; touch /tmp/ready) &'),
        healthcheck: { test: ['CMD', 'test', '-f', '/tmp/ready'], interval: '1s', timeout: '2s', retries: 20 },
      }),
      web: service({ environment: { VERSION: version }, depends_on: { db: { condition: 'service_healthy' } } }),
      side: service({ environment: { VERSION: version } }),
    },
    volumes: { data: {} },
  };
}

const SERVICES = ['db', 'side', 'web'];

/** Each desired container exactly once, running at `version`, inspectable, and nothing else of the project. */
async function expectConverged(project: TestProject, version: string, context: string): Promise<void> {
  const containers = await project.containers();
  expect([...containers.keys()].sort(), context).toEqual(SERVICES.map((s) => project.container(s)));
  for (const c of containers.values()) {
    expect(c.state, `${c.name}\n${context}`).toBe('running');
    expect(await podman(['exec', c.name, 'sh', '-c', 'echo $VERSION']), c.name).toBe(`${version}\n`);
  }
  // Podman's storage is sound: listing every container works, and so does inspecting the
  // project's (project.containers() above; other tests' containers come and go meanwhile).
  const listed = await podmanResult(['ps', '--all', '--format', '{{.ID}} {{.Names}}']);
  expect(listed.code, listed.stderr).toBe(0);
  expect((await podmanResult(['inspect', '--type', 'container', ...containers.keys()])).code).toBe(0);
  const settled = await project.phoenix(['plan', '--detailed-exitcode']);
  expect(settled.code, settled.stdout).toBe(0);
}

/** After `phoenix down`, every name the project used can be taken again (no name lost for good). */
async function expectNamesFree(project: TestProject): Promise<void> {
  const down = await project.phoenix(['down', '--yes']);
  expect(down.code, down.stderr).toBe(0);
  for (const name of SERVICES.map((s) => project.container(s))) {
    const created = await podmanResult(['create', '--name', name, IMAGE, 'true']);
    expect(created.code, `podman create --name ${name}: ${created.stderr}`).toBe(0);
    await podman(['rm', '--force', name]);
  }
}

/** Two applies of the project started at the same moment; both must succeed, one after the other. */
async function racingApplies(project: TestProject): Promise<string[]> {
  const runs = [spawnPhoenix(project, ['apply', '--yes', '--wait-timeout', '30s']), spawnPhoenix(project, ['apply', '--yes', '--wait-timeout', '30s'])];
  const results = await Promise.all(runs.map((r) => r.exited));
  for (const result of results) expect(result.code, result.output).toBe(0);
  const outputs = results.map((r) => r.output);
  // They did overlap: one of them waited, naming the other.
  const waited = outputs.filter((o) => /is locked by pid \d+ \(phoenix apply, since /.test(o));
  expect(waited.length, outputs.join('\n-----\n')).toBe(1);
  const holderPid = /is locked by pid (\d+)/.exec(waited[0]!)![1];
  expect(runs.map((r) => String(r.child.pid))).toContain(holderPid);
  return outputs;
}

describe('one actor per environment (real Podman, real processes)', { timeout: 240_000 }, () => {
  it('two applies at once: the second waits for the first, both succeed, nothing is broken', async () => {
    const project = suite.project();
    project.writeCompose(compose('1'));
    const outputs = await racingApplies(project);
    await expectConverged(project, '1', outputs.join('\n-----\n'));
    await expectNamesFree(project);
  });

  it('recreate pairs racing, three rounds: no failed run, no -next left over, every name usable after down', async () => {
    const project = suite.project();
    project.writeCompose(compose('0'));
    await project.apply();
    for (const version of ['1', '2', '3']) {
      project.writeCompose(compose(version));
      const outputs = await racingApplies(project);
      await expectConverged(project, version, outputs.join('\n-----\n'));
    }
    await expectNamesFree(project);
  });

  it('a holder killed with SIGKILL releases the lock: the next apply proceeds at once', async () => {
    const project = suite.project();
    project.writeCompose(compose('1'));
    const first = spawnPhoenix(project, ['apply', '--yes']);
    // Killed while it waits for db to turn healthy (it holds the lock then).
    await eventually('db to be created by the first apply', 30_000, async () => {
      if (first.child.exitCode !== null) throw new Error(`the apply finished before it could be killed:\n${first.output()}`);
      return (await podmanResult(['container', 'exists', project.container('db')])).code === 0 ? true : undefined;
    });
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const started = Date.now();
    const next = spawnPhoenix(project, ['apply', '--yes', '--lock-timeout', '0', '--wait-timeout', '30s']);
    const result = await next.exited;
    expect(result.code, result.output).toBe(0);
    expect(result.output).not.toMatch(/locked by/);
    expect(Date.now() - started).toBeLessThan(60_000);
    await expectConverged(project, '1', result.output);
  });

  it('a second watch of the environment waits, fails its reconciles with PHX-LOCKED naming the first, and takes over once the first stops', async () => {
    const project = suite.project();
    project.writeCompose(compose('1'));
    const first = await startWatch(project);
    const second = await startWatch(project, ['--lock-timeout', '1s'], { waitReady: false });
    const refused = await second.waitForEvent('a reconcile refused by the lock', 20_000, (e) => e.event === 'reconcile.failed');
    expect(refused.data.error).toMatchObject({ code: 'PHX-LOCKED', message: expect.stringMatching(new RegExp(`^${project.name}/${ENV} is locked by pid ${process.pid} \\(phoenix watch, since `)) as unknown });
    expect(second.events('action.started')).toEqual([]);
    expect(await first.stop()).toBe(0);
    await second.waitForEvent('the second watch to reconcile once the lock is free', 30_000, (e) => e.event === 'reconcile.succeeded');
    await expectConverged(project, '1', second.stdout().slice(-4000));
  });

  it('an apply while watch runs hands its request to the watcher and prints the outcome; an apply (or down) watch cannot do waits and is refused after --lock-timeout', async () => {
    const project = suite.project();
    project.writeCompose(compose('1'));
    const watch = await startWatch(project);
    const from = watch.events().length;
    project.writeCompose(compose('2'));
    const apply = await spawnPhoenix(project, ['apply', '--yes']).exited;
    expect(apply.code, apply.output).toBe(0);
    expect(apply.output).toContain(`kept by phoenix watch (pid ${process.pid}`);
    expect(apply.output).toMatch(new RegExp(`Reconciled by phoenix watch \\(pid ${process.pid}\\): .*succeeded`));
    await expectConverged(project, '2', apply.output);
    const log = watch.since(from);
    expect(log.filter((e) => e.event === 'reconcile.failed' || e.event === 'action.failed'), JSON.stringify(log, null, 1)).toEqual([]);
    expect(log.some((e) => e.event === 'reconcile.started' && String(e.data.trigger).includes('requested by phoenix apply'))).toBe(true);

    // --prune is not what watch does: this apply waits for the lock, and gives up naming watch.
    const before = await project.state();
    const refused = await spawnPhoenix(project, ['apply', '--yes', '--prune', '--lock-timeout', '1s']).exited;
    expect(refused.code, refused.output).toBe(1);
    expect(refused.output).toMatch(new RegExp(`error PHX-LOCKED: ${project.name}/${ENV} is locked by pid ${process.pid} \\(phoenix watch, since `));
    expect(refused.output).toContain('nothing was done');
    expect(await project.state()).toEqual(before);
    // And a down waits too.
    const down = await spawnPhoenix(project, ['down', '--yes', '--lock-timeout', '0']).exited;
    expect(down.code, down.output).toBe(1);
    expect(down.output).toContain('PHX-LOCKED');
    expect(await project.state()).toEqual(before);

    // Once watch stops, the lock is free.
    expect(await watch.stop()).toBe(0);
    project.writeCompose(compose('3'));
    const after = await spawnPhoenix(project, ['apply', '--yes', '--lock-timeout', '0', '--wait-timeout', '30s']).exited;
    expect(after.code, after.output).toBe(0);
    await expectConverged(project, '3', after.output);
  });
});
