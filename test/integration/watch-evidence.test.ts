/**
 * Events that carry their evidence, against real Podman: a service that prints a line and
 * exits 3 crash-loops; a command sink (policy.events.commands) receives container.died with
 * the exit code and the crash-loop alert with the exit code and the container's last log
 * lines, and a secret value the container printed never reaches it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { podman, service } from './support.js';
import { startWatch, useWatchSuite } from './watch-support.js';

const suite = useWatchSuite();
const SECRET = 'evidence-secret-7f3a91c2';

describe.sequential('watch: failure events with evidence, through a command sink', { timeout: 120_000 }, () => {
  it('the command sink gets the crash-loop alert with exit code 3 and the last log line, the secret redacted', async () => {
    const project = suite.project();
    project.writeFile('environments/compose/token.txt', `${SECRET}\n`);
    const received = path.join(project.dir, 'hook-received.jsonl');
    project.writeEnvironment({
      policy: {
        prune: false,
        health: { max_restarts: 2, window: '1m', backoff: { initial: '300ms', max: '1s' } },
        events: { commands: [{ command: ['sh', '-c', 'cat >> "$0"', received], types: ['service.crash-looping', 'container.died'], severities: ['critical', 'medium'], timeout: '10s', max_concurrent: 1 }] },
      },
    });
    project.writeCompose({
      services: { crash: service({ secrets: ['token'], command: ['sh', '-c', 'echo "fatal: cannot reach the database"; echo "token=$(cat /run/secrets/token)"; exit 3'] }) },
      secrets: { token: { file: './token.txt' } },
    });
    const watch = await startWatch(project);
    const crash = project.container('crash');
    await watch.waitForEvent('service.crash-looping', 60_000, (e) => e.event === 'service.crash-looping');
    // The sink runs after the bus delivered the event: wait for its file to hold the alert.
    const deadline = Date.now() + 15_000;
    const events = (): Record<string, any>[] => // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed JSON, asserted with toMatchObject
      (existsSync(received) ? readFileSync(received, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)) : []);
    while (!events().some((e) => e.type === 'io.phoenix.service.crash-looping') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const text = readFileSync(received, 'utf8');
    const alert = events().find((e) => e.type === 'io.phoenix.service.crash-looping')!;
    expect(alert).toMatchObject({ subject: 'crash', severity: 'critical', data: { container: crash, exitCode: 3, restarts: 2 } });
    expect(alert.data.logLines).toContain('fatal: cannot reach the database');
    expect(alert.data.logLines).toContain('token=[REDACTED]');
    const died = events().filter((e) => e.type === 'io.phoenix.container.died');
    expect(died.length).toBeGreaterThan(0);
    expect(died[0]).toMatchObject({ subject: 'crash', data: { container: crash, exitCode: 3 } });
    expect(text).not.toContain(SECRET);
    // Its outcome is logged: exit code and duration, never the event's data.
    const ran = watch.logLines().filter((l) => l.msg === 'event command ran');
    expect(ran.length).toBeGreaterThan(0);
    expect(ran[0]).toMatchObject({ exitCode: 0, timedOut: false });
    expect(typeof ran[0]!.durationMs).toBe('number');
    expect(JSON.stringify(watch.logLines())).not.toContain(SECRET);
    await watch.stop();
  });

  it('RESTARTS counts the restarts of Podman\'s own restart policy (RestartCount), in status --json and the table', async () => {
    const project = suite.project();
    project.writeEnvironment({ policy: { prune: false } });
    project.writeCompose({ services: { flaky: service({ restart: 'on-failure:2', command: ['sh', '-c', 'echo failing; exit 3'] }) } });
    await project.phoenix(['apply', '--yes']);
    const flaky = project.container('flaky');
    const deadline = Date.now() + 30_000;
    let count = 0;
    while (Date.now() < deadline) {
      count = Number((await podman(['container', 'inspect', '--format', '{{.RestartCount}}', flaky])).trim());
      if (count === 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(count).toBe(2);
    const run = await project.phoenix(['status', '--json']);
    const status = JSON.parse(run.stdout) as { services: { service: string; containers: { name: string; restarts: number }[] }[] };
    expect(status.services.find((s) => s.service === 'flaky')!.containers[0]).toMatchObject({ name: flaky, restarts: 2 });
    const table = await project.phoenix(['status']);
    expect(table.stdout).toMatch(new RegExp(`${flaky}\\s.*\\s2\\s`));
  });
});
