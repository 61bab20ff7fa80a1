/**
 * /status of `phoenix watch` against real Podman, as the status page reads it
 * (src/telemetry/status-document.ts): per container its published ports, image and start time;
 * the history of revisions; the last reconcile's time and trigger; and after a manifest edit
 * the last plan as a field diff of the service it recreated, old → new; and `phoenix status`
 * pointing at the page while watch runs, and not once it stopped.
 */
import { describe, expect, it } from 'vitest';
import type { StatusDocument } from '../../src/telemetry/status-document.js';
import { IMAGE, eventually, freePort, service } from './support.js';
import { startWatch, useWatchSuite } from './watch-support.js';

const suite = useWatchSuite();

describe.sequential('phoenix watch /status document', { timeout: 120_000 }, () => {
  it('shows ports, uptime, history and the last plan as a field diff', async () => {
    const project = suite.project();
    const port = await freePort();
    project.writeCompose({ services: { web: service({ ports: [`127.0.0.1:${port}:8080`], environment: { LOG_LEVEL: 'info' } }), worker: service() } });
    const watch = await startWatch(project);
    const read = async (): Promise<StatusDocument> => JSON.parse((await watch.get('/status')).body) as StatusDocument;

    const first = await read();
    expect(first.formatVersion).toBe(1);
    expect(Date.parse(first.generatedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(first.podman).toBe(process.geteuid?.() === 0 ? 'rootful' : 'rootless');
    const environment = first.environments[0]!;
    expect(environment.project).toBe(project.name);
    const web = environment.services.find((s) => s.service === 'web')!;
    expect(web.containers[0]).toMatchObject({ name: project.container('web'), state: 'running', image: IMAGE, ports: [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 8080, range: 1, protocol: 'tcp' }] });
    expect(Date.parse(web.containers[0]!.startedAt!)).toBeGreaterThan(Date.now() - 120_000);
    expect(environment.services.find((s) => s.service === 'worker')!.containers[0]!.ports).toEqual([]);
    // The first reconcile created everything: revision 1, and the plan that did it.
    expect(environment.history.current).toBe(1);
    expect(environment.history.recent[0]).toMatchObject({ seq: 1, triggerKind: 'watch', result: 'succeeded' });
    expect(environment.lastReconcile).toMatchObject({ ok: true, trigger: expect.stringContaining('start') as unknown as string });
    expect(environment.lastPlan!.services.map((s) => s.service).sort()).toEqual(['web', 'worker']);
    expect(environment.lastPlan!.services.find((s) => s.service === 'web')!.actions.map((a) => a.kind)).toContain('container.create');
    expect(environment.lastPlan!.other.map((a) => a.kind)).toContain('network.create');

    // phoenix status points at the page while watch holds the environment's lock.
    const status = await project.phoenix(['status']);
    expect(status.stdout).toContain(`live: ${watch.url}/ (phoenix watch, pid ${process.pid})`);
    const statusJson = JSON.parse((await project.phoenix(['status', '--json'])).stdout) as { live: { url: string; pid: number } | null };
    expect(statusJson.live).toEqual({ url: `${watch.url}/`, pid: process.pid });

    project.writeCompose({ services: { web: service({ ports: [`127.0.0.1:${port}:8080`], environment: { LOG_LEVEL: 'debug' } }), worker: service() } });
    const edited = await eventually('a revision 2 in /status', 60_000, async () => {
      const document = await read();
      return document.environments[0]!.history.current === 2 ? document.environments[0]! : undefined;
    });
    expect(edited.history.recent.map((r) => r.seq)).toEqual([2, 1]);
    expect(edited.history.recent[0]!.trigger).toMatch(/^watch: manifest changed/);
    expect(edited.lastPlan!.trigger).toMatch(/^manifest changed/);
    expect(edited.lastPlan!.services).toEqual([
      {
        service: 'web',
        actions: [expect.objectContaining({ kind: 'container.recreate', resource: project.container('web'), cause: 'config changed: environment.LOG_LEVEL' }), expect.objectContaining({ kind: 'container.start', resource: project.container('web') })],
        changes: [{ container: project.container('web'), fields: [{ field: 'environment.LOG_LEVEL', op: 'replace', before: 'info', after: 'debug' }] }],
      },
    ]);

    expect(await watch.stop()).toBe(0);
    const after = JSON.parse((await project.phoenix(['status', '--json'])).stdout) as { live: unknown };
    expect(after.live).toBeNull();
    expect((await project.phoenix(['status'])).stdout).not.toContain('live:');
  });
});
