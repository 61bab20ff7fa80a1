/**
 * exec, run, ps, stop and start against REAL Podman, with the demo image: exec's output and
 * exit code, a one-off job with the service's environment and secret that leaves nothing
 * behind and is neither drift nor pruned while it runs, ps with ports and health, and a stop
 * that apply respects until start.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { LABEL } from '../../src/model/desired.js';
import type { TestProject } from './support.js';
import { ENV, capturingIo, eventually, freePort, podman, service, timeMs, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();
const TOKEN = 'verbs-token-4711';

/** `phoenix <verb> --env it <location> <rest...>`: for exec and run, whose words after the service are the command's. */
async function verb(project: TestProject, name: string, rest: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const captured = capturingIo(project.dir);
  const code = await main([name, '--env', ENV, ...project.locationArgs(), ...rest], captured.io);
  const result = { code, stdout: captured.stdout(), stderr: captured.stderr() };
  project.transcript.push(result.stdout, result.stderr);
  return result;
}

async function oneOffContainers(project: TestProject): Promise<string[]> {
  const listed = await podman(['ps', '--all', '--filter', `label=${LABEL.project}=${project.name}`, '--filter', `label=${LABEL.oneOff}`, '--format', '{{.Names}}']);
  return listed.split('\n').filter((line) => line.trim() !== '');
}

/** db (a loop) and web (busybox httpd with a health check, a published port, an environment and a secret) depending on it. */
async function demo(project: TestProject): Promise<number> {
  const port = await freePort();
  project.writeFile('environments/compose/token.txt', `${TOKEN}\n`);
  project.writeCompose({
    services: {
      db: service({ restart: 'unless-stopped' }),
      web: service({
        restart: 'unless-stopped',
        depends_on: ['db'],
        environment: { ROLE: 'web' },
        secrets: ['token'],
        ports: [`${port}:8080`],
        command: ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'],
        healthcheck: { test: ['CMD', 'wget', '-q', '-O-', 'http://127.0.0.1:8080/'], interval: '2s', timeout: '2s', retries: 3 },
      }),
    },
    secrets: { token: { file: './token.txt' } },
  });
  await project.apply();
  return port;
}

describe('exec, run, ps', { timeout: 180_000 }, () => {
  it("exec passes output and exit code through; run --rm runs a job with the service's config and leaves nothing; ps shows ports and health", async () => {
    const project = suite.project();
    const port = await demo(project);
    const [web, db] = [project.container('web'), project.container('db')];

    // exec: the command's output and exit code, in the service's running container.
    const exec = await verb(project, 'exec', ['web', '--', 'sh', '-c', 'echo "role=$ROLE"; exit 3']);
    expect(exec.code, exec.stderr).toBe(3);
    expect(exec.stdout).toBe('role=web\n');
    const flags = await verb(project, 'exec', ['-e', 'EXTRA=1', '--workdir', '/tmp', '--user', 'nobody', 'web', '--', 'sh', '-c', 'echo "$EXTRA $(pwd) $(id -un)"']);
    expect(flags.code, flags.stderr).toBe(0);
    expect(flags.stdout).toBe('1 /tmp nobody\n');
    const unknown = await verb(project, 'exec', ['nope', '--', 'true']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/PHX-SERVICE-UNKNOWN.*"nope".*\n.*db, web/);

    // run --rm: the service's environment and secret, a command line of its own, the job's exit code.
    const job = await verb(project, 'run', ['-e', 'STEP=2', 'web', '--', 'sh', '-c', `echo "job $ROLE step $STEP"; test "$(cat /run/secrets/token)" = "${TOKEN}" && echo "secret ok"; exit 5`]);
    expect(job.code, job.stderr).toBe(5);
    expect(job.stdout).toBe('job web step 2\nsecret ok\n');
    expect(await oneOffContainers(project)).toEqual([]);

    // While a job runs it is the environment's (labelled), but no plan calls it drift or prunes it.
    const running = verb(project, 'run', ['web', '--', 'sh', '-c', 'sleep 4; echo finished']);
    const [jobName] = await eventually('the one-off container', 30_000, async () => {
      const names = await oneOffContainers(project);
      return names.length > 0 ? names : undefined;
    });
    expect(jobName).toMatch(new RegExp(`^${project.name}-${ENV}-web-run-[0-9a-f]{6}$`));
    const plan = await project.phoenix(['plan', '--prune', '--detailed-exitcode']);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).not.toContain(jobName);
    const psDuringJob = await project.phoenix(['ps', '--json']);
    expect(psDuringJob.stdout).toContain(`"replica": "one-off"`);
    const finished = await running;
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stdout).toBe('finished\n');
    expect(await oneOffContainers(project)).toEqual([]);

    // --no-rm keeps it (ps lists it as a one-off), and down removes it.
    const kept = await verb(project, 'run', ['--no-rm', '--no-deps', 'db', '--', 'true']);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stderr).toMatch(/kept the one-off container .*phoenix down removes it/);
    expect(await oneOffContainers(project)).toHaveLength(1);

    // ps: one line per container, ports and health (checked now) included.
    const ps = await project.phoenix(['ps', '--json']);
    expect(ps.code, ps.stderr).toBe(0);
    const rows = (JSON.parse(ps.stdout) as { containers: { container: string; service: string; replica: number | string; state: string; health: string; ports: unknown[]; uptimeSeconds: number | null; image: string }[] }).containers;
    expect(rows.map((r) => [r.container, r.replica])).toEqual([[db, 1], [web, 1], [expect.stringMatching(/-db-run-/), 'one-off']]);
    expect(rows[1]).toMatchObject({ service: 'web', state: 'running', health: 'healthy', ports: [{ hostIp: '', hostPort: port, containerPort: 8080, range: 1, protocol: 'tcp' }], image: 'localhost/phoenix-demo/busybox:1' });
    expect(rows[1]!.uptimeSeconds).toBeGreaterThanOrEqual(0);
    const table = await project.phoenix(['ps']);
    expect(table.stdout).toMatch(new RegExp(`${web} +web +1 +running +healthy +\\S+ +0 +0\\.0\\.0\\.0:${port}->8080/tcp +localhost/phoenix-demo/busybox:1`));

    const down = await project.phoenix(['down', '--yes']);
    expect(down.code, down.stdout + down.stderr).toBe(0);
    expect(await oneOffContainers(project)).toEqual([]);
    // No secret value in anything Phoenix printed.
    expect(project.transcript.join('\n')).not.toContain(TOKEN);
  });
});

describe('stop and start', { timeout: 180_000 }, () => {
  it('stop keeps a service down through status, plan and apply (even when started by hand) until start, which starts dependencies first', async () => {
    const project = suite.project();
    await demo(project);
    const [web, db] = [project.container('web'), project.container('db')];

    const stop = await project.phoenix(['stop', 'web']);
    expect(stop.code, stop.stdout + stop.stderr).toBe(0);
    expect(stop.stdout).toContain('1 stopped');
    let containers = await project.containers();
    expect(containers.get(web)!.running).toBe(false);
    expect(containers.get(db)!.running).toBe(true);

    // status: converged (stopped on purpose), and says so; plan: nothing to do, a warning why.
    const status = await project.phoenix(['status', '--json']);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    const services = (JSON.parse(status.stdout) as { services: { service: string; verdict: string; stoppedSince?: string }[] }).services;
    expect(services.find((s) => s.service === 'web')).toMatchObject({ verdict: 'converged', stoppedSince: expect.stringMatching(/^\d{4}-/) });
    const plan = await project.phoenix(['plan', '--detailed-exitcode']);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(new RegExp(`${web}: is exited: its service was stopped with phoenix stop .*phoenix start web`));

    // apply does not start it; started by hand, apply stops it again.
    await project.apply();
    expect((await project.inspect(web)).running).toBe(false);
    await podman(['start', web]);
    const again = await project.apply();
    expect(again.stdout).toContain(`stop container ${web}`);
    expect((await project.inspect(web)).running).toBe(false);

    // exec into it: a clear error with the remedy.
    const exec = await verb(project, 'exec', ['web', '--', 'true']);
    expect(exec.code).toBe(1);
    expect(exec.stderr).toMatch(/PHX-SERVICE-NOT-RUNNING: service "web" is not running: its container .* is exited/);
    expect(exec.stderr).toContain(`phoenix start --env ${ENV} web`);

    // stop everything, then start web: db (its dependency) starts first, then web; the marks are gone.
    const stopAll = await project.phoenix(['stop']);
    expect(stopAll.code, stopAll.stdout + stopAll.stderr).toBe(0);
    expect((await project.inspect(db)).running).toBe(false);
    const start = await project.phoenix(['start', 'web']);
    expect(start.code, start.stdout + start.stderr).toBe(0);
    expect(start.stdout).toContain('2 started');
    containers = await project.containers();
    expect(containers.get(db)!.running).toBe(true);
    expect(containers.get(web)!.running).toBe(true);
    expect(timeMs(containers.get(db)!.startedAt)).toBeLessThanOrEqual(timeMs(containers.get(web)!.startedAt));
    const clean = await project.phoenix(['plan', '--detailed-exitcode']);
    expect(clean.code, clean.stdout).toBe(0);
    expect(clean.stdout).not.toContain('phoenix stop');

    // restart runs a service stopped on purpose again, and apply no longer keeps it down.
    expect((await project.phoenix(['stop', 'web'])).code).toBe(0);
    const restart = await project.phoenix(['restart', 'web']);
    expect(restart.code, restart.stdout + restart.stderr).toBe(0);
    expect((await project.inspect(web)).running).toBe(true);
    const afterRestart = await project.phoenix(['plan', '--detailed-exitcode']);
    expect(afterRestart.code, afterRestart.stdout).toBe(0);
    expect(afterRestart.stdout).not.toContain('phoenix stop');
  });
});

