/**
 * Phoenix killed with SIGKILL in the middle of an apply (a real process: the built CLI), then
 * applied again: it converges from what it finds, with no duplicate or `-next` leftovers, and
 * a named volume keeps its data.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestProject } from './support.js';
import { ENV, REPO, childrenOf, eventually, loopAfter, podman, requireFreshBuild, service, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();
const LAUNCHER = path.join(REPO, 'bin', 'phoenix.js');

interface Killed {
  /** The project's container names when the kill happened. */
  readonly names: readonly string[];
  /** What Phoenix printed until then. */
  readonly output: string;
}

/**
 * Runs `phoenix apply --yes` as a real process and SIGKILLs it as soon as the project's
 * container names (polled with a cheap `podman ps`) satisfy `when`; then lets the podman calls
 * it had in flight finish on their own, as they would after a real crash.
 */
async function applyAndKill(project: TestProject, when: (names: readonly string[]) => boolean): Promise<Killed> {
  const child = spawn(process.execPath, [LAUNCHER, 'apply', '--env', ENV, '--yes', ...project.locationArgs()], { cwd: project.dir, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const names = await eventually('the moment to kill phoenix', 30_000, async () => {
    if (child.exitCode !== null) throw new Error(`phoenix exited (${child.exitCode}) before it could be killed:\n${output}`);
    const listed = (await podman(['ps', '--all', '--format', '{{.Names}}', '--filter', `name=${project.name}`])).split('\n').filter((n) => n !== '');
    return when(listed) ? listed : undefined;
  });
  const inFlight = childrenOf(child.pid!);
  child.kill('SIGKILL');
  expect(await exited, `phoenix finished before the kill:\n${output}`).toEqual({ code: null, signal: 'SIGKILL' });
  expect(output).not.toMatch(/\d+ created, \d+ recreated/);
  await eventually('the orphaned podman calls to end', 30_000, () => Promise.resolve(inFlight.every((pid) => !exists(pid)) ? true : undefined));
  return { names, output };
}

/** db is healthy 3 s after each start, and web waits for that: the apply stays busy a while. */
function compose(version: string): Record<string, unknown> {
  return {
    services: {
      db: service({
        restart: 'unless-stopped',
        environment: { VERSION: version },
        volumes: ['data:/data'],
        command: loopAfter('(sleep 3; touch /tmp/ready) &'),
        healthcheck: { test: ['CMD', 'test', '-f', '/tmp/ready'], interval: '1s', timeout: '2s', retries: 20 },
      }),
      web: service({ restart: 'unless-stopped', environment: { VERSION: version }, depends_on: { db: { condition: 'service_healthy' } } }),
      // Ignores SIGTERM: stopping it takes its whole 1 s grace period, which keeps its
      // `-next` replacement in Podman long enough for the test to see it.
      side: service({ restart: 'unless-stopped', environment: { VERSION: version }, command: ['sh', '-c', "trap '' TERM; while :; do sleep 1; done"] }),
    },
    volumes: { data: {} },
  };
}

/** After the kill, one apply converges: each desired container exactly once, running, at `version`. */
async function expectConverges(project: TestProject, killed: Killed, version: string): Promise<void> {
  const wanted = ['db', 'side', 'web'].map((s) => project.container(s));
  await project.apply();
  const containers = await project.containers();
  expect([...containers.keys()].sort(), `Podman had ${killed.names.join(', ')} at the kill, after:\n${killed.output}`).toEqual(wanted);
  for (const c of containers.values()) {
    expect(c.state, c.name).toBe('running');
    expect(await podman(['exec', c.name, 'sh', '-c', 'echo $VERSION']), c.name).toBe(`${version}\n`);
  }
  const settled = await project.phoenix(['plan', '--detailed-exitcode']);
  expect(settled.code, settled.stdout).toBe(0);
}

describe('an apply killed with SIGKILL', { timeout: 180_000 }, () => {
  beforeAll(requireFreshBuild);

  it('from nothing, killed once a container exists: the next apply converges', async () => {
    const project = suite.project();
    project.writeCompose(compose('1'));
    const killed = await applyAndKill(project, (names) => names.length > 0);
    expect(killed.names.length).toBeGreaterThan(0);
    await expectConverges(project, killed, '1');
  });

  it('killed while replacing containers (a -next exists): the next apply converges, no -next left, volume data kept', async () => {
    const project = suite.project();
    project.writeCompose(compose('1'));
    await project.apply();
    const db = project.container('db');
    await podman(['exec', db, 'sh', '-c', 'echo precious > /data/file']);

    // Every service changes: each is recreated through a `<name>-next` replacement.
    project.writeCompose(compose('2'));
    const killed = await applyAndKill(project, (names) => names.some((n) => n.endsWith('-next')));
    expect(killed.names.some((n) => n.endsWith('-next'))).toBe(true);
    await expectConverges(project, killed, '2');
    expect(await podman(['exec', db, 'cat', '/data/file'])).toBe('precious\n');
    expect((await project.state()).volumes).toEqual([project.object('data')]);
  });
});

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
