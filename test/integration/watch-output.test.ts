/**
 * What `phoenix watch` prints, against real Podman: by default one text line per decision
 * (trigger, field diff, actions with their outcome and duration, heals, verdicts), a secret
 * only by name, and nothing for a reconcile that changed nothing; `--log-format json` keeps
 * pino's JSON lines, every line parsing as JSON, durations in whole milliseconds, and the
 * events carrying the verdict.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, podman, service } from './support.js';
import type { WatchHandle } from './watch-support.js';
import { startWatch, useWatchSuite, waitAllRunning, waitForContainer } from './watch-support.js';

const suite = useWatchSuite();

/** A text line: `YYYY-MM-DD HH:MM:SS ...` (then the environment, when the line is about one). */
const LINE_START = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S/;

/** The decision lines printed so far (stdout), each checked for its shape. */
function textLines(watch: WatchHandle): string[] {
  const lines = watch.stdout().split('\n').filter((line) => line !== '');
  for (const line of lines) expect(line, 'every stdout line is a text line').toMatch(LINE_START);
  return lines;
}

/** The events written to an --events-file so far. */
function readEvents(file: string): { type: string; subject?: string; data: Record<string, unknown> }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { type: string; subject?: string; data: Record<string, unknown> });
}

/** Waits for a stdout line (from index `from`) that matches; returns it. */
async function waitForLine(watch: WatchHandle, what: string, pattern: RegExp, from = 0, timeoutMs = 30_000): Promise<string> {
  try {
    return await eventually(what, timeoutMs, () => Promise.resolve(textLines(watch).slice(from).find((line) => pattern.test(line))));
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- stdout\n${watch.stdout()}\n--- stderr\n${watch.stderr()}`, { cause: error });
  }
}

describe.sequential('phoenix watch output', { timeout: 150_000 }, () => {
  it('text (the default): one line per decision with trigger, diff, actions, outcome, heal and verdict; a secret only by name', async () => {
    const project = suite.project();
    const policy = { prune: false, health: { max_restarts: 10, window: '1m', backoff: { initial: '500ms', max: '2s' } } };
    project.writeEnvironment({ policy: { ...policy, resync_interval: '2s' } });
    const canaries = [`phxit-canary-${randomBytes(8).toString('hex')}`, `phxit-canary-${randomBytes(8).toString('hex')}`];
    project.writeFile('environments/compose/token.txt', canaries[0]!);
    const compose = (level: string): Record<string, unknown> => ({
      services: { web: service({ environment: { LOG_LEVEL: level }, secrets: ['token'] }), other: service() },
      secrets: { token: { file: './token.txt' } },
    });
    project.writeCompose(compose('info'));
    const eventsFile = path.join(project.dir, 'events.jsonl');
    const watch = await startWatch(project, ['--log-format', 'text', '--events-file', eventsFile]);
    const [web, other] = [project.container('web'), project.container('other')];
    // A recreate's own Podman events (the old container died, was removed) trigger one more
    // reconcile right after it; a step waits for that one, so that the next step has a reconcile of its own.
    const settled = (container: string, from: number): Promise<unknown> =>
      eventually(`the reconcile after ${container} was removed`, 30_000, () => Promise.resolve(readEvents(eventsFile).slice(from).find((e) => e.type === 'io.phoenix.reconcile.succeeded' && String(e.data.trigger).includes(`${container} was removed`))));
    await waitAllRunning([web, other], 30_000);

    // The header names the environment and the telemetry address; stdout has no JSON at all.
    expect(watch.stderr()).toMatch(/watching it; telemetry on http:\/\/127\.0\.0\.1:\d+/);
    const first = await waitForLine(watch, 'the first decision line', / start · /);
    expect(first).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d it {2}start · create network \\S+-default \\d+ ms, create secret ${project.object('token')} \\d+ ms, .*create ${web} \\d+ ms.*· ok in \\d+(\\.\\d)?( s| ms) · (converged|progressing)$`));
    expect(watch.stdout()).not.toContain('{"level"');

    // Quiet when nothing happens: resyncs every 2 s print nothing at the default level.
    const quietFrom = textLines(watch).length;
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(textLines(watch).slice(quietFrom).filter((line) => / resync · /.test(line))).toEqual([]);
    // From here on, one trigger per change: a resync must not pick an edit up before the file watcher does.
    project.writeEnvironment({ policy: { ...policy, resync_interval: '1h' } });
    await new Promise((resolve) => setTimeout(resolve, 4000));

    // A file edit: trigger with the file name, the field diff, the action with its outcome and duration.
    const editFrom = textLines(watch).length;
    let eventsAt = readEvents(eventsFile).length;
    const before = await waitForContainer(web, 'running', 10_000, (c) => c.running);
    project.writeCompose(compose('debug'));
    const edit = await waitForLine(watch, 'the line of the edit', /edit app\.yaml/, editFrom);
    expect(edit).toMatch(/it {2}edit app\.yaml · web: environment\.LOG_LEVEL info→debug · recreate \S+-web-1 \d+(\.\d)?( s| ms), start \S+-web-1 \d+(\.\d)?( s| ms) · ok in \d+(\.\d)?( s| ms) · \w+$/);
    expect(edit).not.toMatch(/\d\.\d{2,}/);
    await waitForContainer(web, 'recreated', 30_000, (c) => c.running && c.id !== before.id);
    await settled(web, eventsAt);

    // A secret: named as rotated, its value, digest and versioned name never shown.
    const rotateFrom = textLines(watch).length;
    eventsAt = readEvents(eventsFile).length;
    project.writeFile('environments/compose/token.txt', canaries[1]!);
    const rotation = await waitForLine(watch, 'the line of the rotation', /secret token rotated/, rotateFrom);
    // Podman's events of the edit's recreate (the old container died, was removed) may still be
    // queued: they join the trigger, before the file.
    expect(rotation).toMatch(new RegExp(`it {2}(.* \\+ )?edit token\\.txt · web: secret token rotated · create secret ${project.object('token')} \\d+ ms, recreate ${web} .* remove old secret ${project.object('token')} \\d+ ms · ok in `));

    await settled(web, eventsAt);

    // A container killed by hand: the Podman event as trigger, the heal with its exit code, the outcome.
    const killFrom = textLines(watch).length;
    const running = await waitForContainer(other, 'running', 10_000, (c) => c.running);
    await podman(['kill', other]);
    const heal = await waitForLine(watch, 'the line of the heal', new RegExp(`heal: restart ${other}`), killFrom);
    expect(heal).toMatch(new RegExp(`it {2}(.* \\+ )?podman: ${other} died \\(exit code 137\\).* · heal: restart ${other} \\(attempt 1: (exited|stopped) with code 137\\) \\d+(\\.\\d)?( s| ms) · ok in \\d+(\\.\\d)?( s| ms) · \\w+$`));
    await waitForContainer(other, 'running again', 30_000, (c) => c.running && c.startedAt !== running.startedAt);

    expect(await watch.stop()).toBe(0);
    const all = `${watch.stdout()}${watch.stderr()}`;
    for (const canary of canaries) expect(all).not.toContain(canary);
    expect(all).not.toMatch(/\btoken-[0-9a-f]{12}\b/);
    expect(textLines(watch).at(-1)).toMatch(/stopping: no new work; the containers keep running$/);
  });

  it('a verdict change is a line and an event: an unhealthy service degrades, with the check output', async () => {
    const project = suite.project();
    project.writeEnvironment({ policy: { prune: false, resync_interval: '1s', health: { max_restarts: 2, window: '1m', backoff: { initial: '200ms', max: '500ms' } } } });
    const healthy = service({ healthcheck: { test: ['CMD', 'test', '-f', '/tmp/ok'], interval: '1s', timeout: '1s', retries: 1 }, command: ['sh', '-c', "touch /tmp/ok; trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"] });
    project.writeCompose({ services: { api: healthy } });
    const eventsFile = path.join(project.dir, 'events.jsonl');
    const watch = await startWatch(project, ['--log-format', 'text', '--log-level', 'debug', '--events-file', eventsFile]);
    const api = project.container('api');
    await waitForLine(watch, 'api converged', /verdict: api progressing → converged|start · .* · converged$/);

    const from = textLines(watch).length;
    await podman(['exec', api, 'rm', '/tmp/ok']);
    const degraded = await waitForLine(watch, 'the verdict line', /verdict: api converged → degraded/, from);
    expect(degraded).toContain(`(${api} is unhealthy)`);
    // The same change as an event, for machines.
    const changed = await eventually('the verdict.changed event', 10_000, () => Promise.resolve(readEvents(eventsFile).find((e) => e.type === 'io.phoenix.verdict.changed' && e.subject === 'api' && e.data.to === 'degraded')));
    expect(changed.data).toMatchObject({ scope: 'service', from: 'converged', to: 'degraded', reason: 'unhealthy' });
    // Debug shows the unchanged reconciles too, each one line.
    expect(textLines(watch).some((line) => / resync · nothing to do · /.test(line))).toBe(true);
    expect(await watch.stop()).toBe(0);
  });

  it('json: pino JSON lines only, durations in whole milliseconds, reconcile events with the verdict, drift with the field changes', async () => {
    const project = suite.project();
    project.writeEnvironment({ policy: { prune: false } });
    const compose = (level: string): Record<string, unknown> => ({ services: { app: service({ environment: { LOG_LEVEL: level } }) } });
    project.writeCompose(compose('info'));
    const watch = await startWatch(project, ['--log-format', 'json']);
    const app = project.container('app');
    await waitAllRunning([app], 30_000);
    const from = watch.events().length;
    project.writeCompose(compose('debug'));
    const done = await watch.waitForEvent('the reconcile of the edit', 30_000, (e) => e.event === 'reconcile.succeeded' && Number(e.data.actions) > 0, from);
    expect(done.data.verdict).toMatch(/^(converged|progressing)$/);
    expect(Number.isInteger(done.data.durationMs)).toBe(true);
    const drift = watch.since(from, 'drift.detected')[0]!;
    expect(drift.data.changes).toEqual([{ service: 'app', container: app, fields: [{ field: 'environment.LOG_LEVEL', op: 'replace', before: 'info', after: 'debug' }] }]);
    for (const action of watch.since(from, 'action.succeeded')) expect(Number.isInteger(action.data.durationMs)).toBe(true);
    expect(await watch.stop()).toBe(0);
    const lines = watch.stdout().split('\n').filter((line) => line !== '');
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
    expect(watch.stdout()).not.toMatch(/"durationMs":\d+\.\d/);
  });
});
