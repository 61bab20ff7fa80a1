/**
 * `phoenix events` against a REAL `phoenix watch` on REAL Podman: the event log the watch
 * writes (policy.events.file) read with filters, and `-f` following the watch's `/events`
 * stream as Podman reports a container's death.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PhoenixEvent } from '../../src/events/event-types.js';
import { main } from '../../src/cli/main.js';
import { ENV, capturingIo, eventually, podman, service } from './support.js';
import { startWatch, useWatchSuite } from './watch-support.js';

const suite = useWatchSuite();

describe('phoenix events with a real watch', { timeout: 180_000 }, () => {
  it('reads the log watch wrote, filtered; -f follows the live stream and shows container.died of a killed container', async () => {
    const project = suite.project();
    project.writeEnvironment({ policy: { prune: false, events: { file: { path: '../events.jsonl' } } } });
    project.writeCompose({ services: { web: service(), other: service() } });
    const watch = await startWatch(project);
    await watch.waitForEvent('the first reconcile', 60_000, (e) => e.event === 'reconcile.succeeded');
    const log = path.join(project.dir, 'events.jsonl');
    await eventually('the event log', 10_000, () => Promise.resolve(existsSync(log) ? true : undefined));

    // The recent events: only reconciles, as JSON, from the log the watch wrote.
    const reconciles = await eventually('reconcile events in the log', 10_000, async () => {
      const run = await project.phoenix(['events', '--type', 'reconcile.*', '--json']);
      expect(run.code, run.stderr).toBe(0);
      const events = run.stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as PhoenixEvent);
      return events.some((e) => e.type === 'io.phoenix.reconcile.succeeded') ? events : undefined;
    });
    expect(new Set(reconciles.map((e) => e.type))).toEqual(new Set(['io.phoenix.reconcile.started', 'io.phoenix.reconcile.succeeded']));
    expect(reconciles.every((e) => e.environment === ENV)).toBe(true);
    expect(reconciles.filter((e) => e.type === 'io.phoenix.reconcile.succeeded').every((e) => e.project === project.name)).toBe(true);
    // The first reconcile created both containers: action events name them; --service narrows to web's.
    const webActions = await project.phoenix(['events', '--type', 'action.*', '--service', 'web']);
    expect(webActions.code, webActions.stderr).toBe(0);
    const lines = webActions.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/ action\.(started|succeeded) +web +/);
    expect(webActions.stdout).toContain(`resource=${project.container('web')}`);
    expect(webActions.stdout).not.toContain(project.container('other'));

    // -f: follow the watch (its telemetry address given with --url), only container.died.
    const controller = new AbortController();
    const captured = capturingIo(project.dir, {}, { signal: controller.signal });
    const follow = main(['events', '--env', ENV, ...project.locationArgs(), '-f', '--tail', '0', '--url', watch.url, '--type', 'container.died'], captured.io);
    await eventually('the follower to connect', 10_000, () => Promise.resolve(captured.stderr().includes('following the watch at') ? true : undefined));
    await podman(['kill', project.container('web')]);
    const line = await eventually('container.died of web', 30_000, () => Promise.resolve(captured.stdout().split('\n').find((l) => l.includes('container.died'))));
    expect(line).toMatch(new RegExp(` container\\.died +web +container=${project.container('web')} exitCode=\\d+$`));
    // Nothing else got through the filter.
    expect(captured.stdout().trim().split('\n').every((l) => l.includes(' container.died '))).toBe(true);
    controller.abort();
    expect(await follow).toBe(0);
  });
});
