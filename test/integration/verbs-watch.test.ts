/**
 * phoenix stop / start while phoenix watch keeps the environment, against REAL Podman: the
 * watcher holds the lock, so stop and start hand their request to it; it stops the service
 * and keeps it down (a `podman start` by hand is undone, no restart or crash-loop is counted),
 * until start, after which it runs again.
 */
import { describe, expect, it } from 'vitest';
import { podman, service, sleep } from './support.js';
import { startWatch, tryInspect, useWatchSuite, waitForContainer } from './watch-support.js';

const suite = useWatchSuite();

describe('stop and start with a watching Phoenix', { timeout: 180_000 }, () => {
  it('the watcher stops the service on request, keeps it down as wanted, and starts it again on phoenix start', async () => {
    const project = suite.project();
    // Podman's `start` event is no drift trigger: the resync finds a container started by hand.
    project.writeEnvironment({ policy: { prune: false, resync_interval: '2s' } });
    project.writeCompose({ services: { db: service({ restart: 'unless-stopped' }), web: service({ restart: 'unless-stopped', depends_on: ['db'] }) } });
    const watch = await startWatch(project);
    const [web, db] = [project.container('web'), project.container('db')];
    expect((await tryInspect(web))?.running).toBe(true);

    const stop = await project.phoenix(['stop', 'web']);
    expect(stop.code, stop.stdout + stop.stderr).toBe(0);
    expect(stop.stderr).toContain('kept by phoenix watch');
    expect(stop.stdout).toMatch(/Reconciled by phoenix watch \(pid \d+\): 1 action .*succeeded/);
    expect((await tryInspect(web))?.running).toBe(false);
    expect((await tryInspect(db))?.running).toBe(true);

    // Started behind Phoenix's back: the watcher's next resync stops it again.
    const from = watch.events().length;
    await podman(['start', web]);
    await watch.waitForEvent('the watcher to stop web again', 60_000, (e) => e.event === 'action.succeeded' && e.data.kind === 'container.stop' && e.data.resource === web, from);
    await waitForContainer(web, 'web stopped again', 20_000, (c) => !c.running);
    // It stays down through further reconciles, with no restart counted against it.
    await sleep(3000);
    expect((await tryInspect(web))?.running).toBe(false);
    expect(watch.events('container.restarted').filter((e) => e.service === 'web')).toEqual([]);
    expect(watch.events('service.crash-looping')).toEqual([]);
    const status = await watch.status();
    const webStatus = status.environments[0]!.services.find((s) => s.service === 'web')!;
    expect(webStatus).toMatchObject({ verdict: 'converged', runningReplicas: 0 });
    expect(status.environments[0]!.verdict).toBe('converged');

    const start = await project.phoenix(['start', 'web']);
    expect(start.code, start.stdout + start.stderr).toBe(0);
    expect(start.stdout).toMatch(/Reconciled by phoenix watch .*succeeded/);
    await waitForContainer(web, 'web running again', 20_000, (c) => c.running);
  });
});
