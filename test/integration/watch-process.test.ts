/**
 * `phoenix watch` as a real process (the built CLI, bin/phoenix.js): SIGTERM, as systemd and
 * container runtimes stop services, makes it stop cleanly and exit 0 within a few seconds,
 * leaving the containers running and no podman process behind.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ENV, REPO, eventually, service, useIntegrationSuite } from './support.js';
import { childrenOf, requireFreshBuild } from './support.js';
import { httpGet, tryInspect, waitAllRunning } from './watch-support.js';

const suite = useIntegrationSuite();
const LAUNCHER = path.join(REPO, 'bin', 'phoenix.js');
const children: ChildProcess[] = [];

// Registered after the suite's hooks, so it runs before the project's cleanup: a watcher
// left running (the test failed) is killed, and gone, before `phoenix down`.
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }
});

describe('watch as a process', { timeout: 120_000 }, () => {
  it('SIGTERM: exits 0 within a few seconds and leaves the containers running', async () => {
    requireFreshBuild();
    const project = suite.project();
    // Like the demo: a one-shot job the app waits for. Its exit triggers a second reconcile
    // right after the first, which once made a second file watcher that kept the process alive.
    project.writeCompose({
      services: {
        job: service({ restart: 'no', command: ['sh', '-c', 'sleep 0.5'] }),
        app: service({ depends_on: { job: { condition: 'service_completed_successfully' } } }),
        other: service(),
      },
    });
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.PHOENIX_ENVIRONMENTS;
    delete env.PHOENIX_STATE_DIR;
    const child = spawn(process.execPath, [LAUNCHER, 'watch', '--env', ENV, ...project.locationArgs(), '--listen', '127.0.0.1:0', '--log-format', 'json'], { cwd: project.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
    const output = (): string => `\n--- stderr\n${stderr}\n--- stdout (tail)\n${stdout.slice(-3000)}`;

    const url = await eventually('the telemetry address', 30_000, () => {
      if (child.exitCode !== null) throw new Error(`phoenix watch exited ${child.exitCode}${output()}`);
      return Promise.resolve(/telemetry on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1]);
    });
    await eventually('/readyz 200', 60_000, async () => ((await httpGet(`${url}/readyz`)).status === 200 ? true : undefined));
    const names = [project.container('app'), project.container('other')];
    const before = await waitAllRunning(names, 30_000);
    // The reconcile the job's exit triggers has run.
    await eventually('the reconcile after the job exited', 15_000, () => Promise.resolve(/"trigger":"container [^"]*-job-1 died/.test(stdout) ? true : undefined));
    // podman children are running (`podman events` at least): the case where a SIGTERM used to
    // be re-raised by execa's exit hook and kill the process with 143.
    const podmanChildren = await eventually('a podman child process', 10_000, () => {
      const pids = childrenOf(child.pid!);
      return Promise.resolve(pids.length > 0 ? pids : undefined);
    });

    const sentAt = Date.now();
    child.kill('SIGTERM');
    const exit = await Promise.race([exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit within 10 s of SIGTERM${output()}`)), 10_000))]);
    const ms = exit.at - sentAt;
    console.log(`[watch] SIGTERM -> exit: ${ms} ms (code ${exit.code}, signal ${exit.signal})`);
    expect({ code: exit.code, signal: exit.signal }, output()).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(5000);
    expect(stdout).toContain('stopping: no new work; the containers keep running');
    // No podman process left behind, and the containers run on, untouched.
    await eventually('the podman children to be gone', 5000, () => Promise.resolve(podmanChildren.every((pid) => !existsSync(`/proc/${pid}`)) ? true : undefined));
    for (const name of names) {
      const now = await tryInspect(name);
      expect(now?.running, `${name} runs`).toBe(true);
      expect([now?.id, now?.startedAt]).toEqual([before.get(name)!.id, before.get(name)!.startedAt]);
    }
  });
});
