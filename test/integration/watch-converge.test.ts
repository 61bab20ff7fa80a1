/**
 * `phoenix watch` against real Podman: a manifest edit is applied without a second command, a
 * killed container is started again by the loop (at once: a first failure waits no backoff), and an invalid edit
 * changes nothing until it is fixed. The edit->converged and kill->running times are printed.
 */
import { describe, expect, it } from 'vitest';
import type { TestProject } from './support.js';
import { podman, service } from './support.js';
import { startWatch, startedAfter, tryInspect, waitAllRunning, waitForContainer, useWatchSuite } from './watch-support.js';

const suite = useWatchSuite();

/** id and StartedAt of each named container: what "untouched" compares. */
async function fingerprints(names: readonly string[]): Promise<Record<string, { id: string; startedAt: string; running: boolean }>> {
  const entries = await Promise.all(
    names.map(async (name) => {
      const c = await tryInspect(name);
      if (c === undefined) throw new Error(`container ${name} does not exist`);
      return [name, { id: c.id, startedAt: c.startedAt, running: c.running }] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** A quick restart policy, so that a restart waits half a second rather than the default second. */
function quickPolicy(project: TestProject, extra: Record<string, unknown> = {}): void {
  project.writeEnvironment({ policy: { prune: false, health: { max_restarts: 10, window: '1m', backoff: { initial: '500ms', max: '2s' } }, ...extra } });
}

describe.sequential('phoenix watch keeps real Podman converged', { timeout: 120_000 }, () => {
  it('a manifest edit recreates exactly that service, with no second command', async () => {
    const project = suite.project();
    quickPolicy(project);
    const compose = (value: string): Record<string, unknown> => ({ services: { app: service({ environment: { VALUE: value } }), bystander: service() } });
    project.writeCompose(compose('one'));
    const watch = await startWatch(project);
    const [app, bystander] = [project.container('app'), project.container('bystander')];
    await waitAllRunning([app, bystander], 30_000);
    const before = await fingerprints([app, bystander]);
    const from = watch.events().length;

    const writtenAt = Date.now();
    project.writeCompose(compose('two'));
    const recreated = await waitForContainer(app, 'recreated and running', 30_000, (c) => c.id !== before[app]!.id && c.running);
    const editToConverged = startedAfter(recreated, writtenAt);
    console.log(`[watch] edit -> converged (file write to the new container running): ${editToConverged} ms`);

    expect(await podman(['exec', app, 'sh', '-c', 'echo $VALUE'])).toBe('two\n');
    expect((await fingerprints([bystander]))[bystander]).toEqual(before[bystander]);
    const reconcile = await watch.waitForEvent('the reconcile the edit triggered', 10_000, (e) => e.event === 'reconcile.succeeded' && Number(e.data.actions) > 0, from);
    expect(String(reconcile.data.trigger)).toContain('manifest changed');
    expect(String(reconcile.data.trigger)).toContain('app.yaml');
    expect(watch.since(from, 'action.started').map((e) => `${String(e.data.kind)} ${String(e.data.resource)}`)).toEqual([`container.recreate ${app}`, `container.start ${app}`]);
    expect(editToConverged).toBeGreaterThan(0);
    expect(editToConverged).toBeLessThan(15_000);

    // Stopping the watcher leaves everything running.
    expect(await watch.stop()).toBe(0);
    const after = await fingerprints([app, bystander]);
    expect(after[app]).toEqual({ id: recreated.id, startedAt: recreated.startedAt, running: true });
    expect(after[bystander]).toEqual(before[bystander]);
  });

  it('a container killed by hand is started again by the loop, nothing else is touched', async () => {
    const project = suite.project();
    quickPolicy(project);
    project.writeCompose({ services: { victim: service(), other: service() } });
    const watch = await startWatch(project);
    const [victim, other] = [project.container('victim'), project.container('other')];
    await waitAllRunning([victim, other], 30_000);
    const before = await fingerprints([victim, other]);
    const from = watch.events().length;

    const killedAt = Date.now();
    await podman(['kill', victim]);
    const restarted = await waitForContainer(victim, 'running again', 30_000, (c) => c.running && c.startedAt !== before[victim]!.startedAt);
    const killToRunning = startedAfter(restarted, killedAt);
    console.log(`[watch] kill -> running (podman kill to the container running again): ${killToRunning} ms`);

    // Started again, not recreated; by the restart policy, at once (a first failure waits no backoff).
    expect(restarted.id).toBe(before[victim]!.id);
    const event = await watch.waitForEvent('container.restarted', 10_000, (e) => e.event === 'container.restarted', from);
    expect(event.service).toBe('victim');
    expect(event.data).toMatchObject({ container: victim, attempt: 1, backoffMs: 0 });
    expect(String(event.data.reason)).toMatch(/^(exited|stopped) with code 137$/);
    const reconcile = watch.since(from, 'reconcile.started')[0];
    expect(String(reconcile?.data.trigger)).toContain(`container ${victim} died`);
    expect(killToRunning).toBeLessThan(10_000);
    expect((await fingerprints([other]))[other]).toEqual(before[other]);
    // Exactly one start of the victim, none of anything else.
    expect(watch.since(from, 'action.succeeded').map((e) => `${String(e.data.kind)} ${String(e.data.resource)}`)).toEqual([`container.start ${victim}`]);
  });

  it('an invalid edit (unknown key) is reported and changes nothing; the fix is applied', async () => {
    const project = suite.project();
    quickPolicy(project);
    const compose = (value: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ services: { app: service({ environment: { VALUE: value }, ...extra }), other: service() } });
    project.writeCompose(compose('one'));
    const watch = await startWatch(project);
    const [app, other] = [project.container('app'), project.container('other')];
    await waitAllRunning([app, other], 30_000);
    const before = await fingerprints([app, other]);
    const from = watch.events().length;

    // A typo'd key, next to a change that must not be applied either.
    project.writeCompose(compose('two', { enviroment_typo: { VALUE: 'x' } }));
    const invalid = await watch.waitForEvent('manifest.invalid', 20_000, (e) => e.event === 'manifest.invalid', from);
    expect(JSON.stringify(invalid.data.issues)).toContain('enviroment_typo');
    const failed = await watch.waitForEvent('the reconcile to fail on it', 20_000, (e) => e.event === 'reconcile.failed', from);
    expect((failed.data.error as { code: string }).code).toBe('PHX-MANIFEST-INVALID');
    // Logged as a warning, with where the problem is.
    const logged = watch.logLines().find((l) => l.event === 'manifest.invalid');
    expect(logged?.level).toBe(40);
    expect(JSON.stringify(logged)).toContain('app.yaml');
    const status = await watch.status();
    expect(status.environments[0]!.lastReconcile).toMatchObject({ ok: false, manifestInvalid: true });
    // Nothing removed, recreated or restarted: the last good manifests stay in force.
    expect(await fingerprints([app, other])).toEqual(before);
    expect(watch.since(from, 'action.started')).toEqual([]);
    expect(await podman(['exec', app, 'sh', '-c', 'echo $VALUE'])).toBe('one\n');

    const fixFrom = watch.events().length;
    project.writeCompose(compose('two'));
    const recreated = await waitForContainer(app, 'recreated with the fix', 30_000, (c) => c.id !== before[app]!.id && c.running);
    expect(await podman(['exec', recreated.name, 'sh', '-c', 'echo $VALUE'])).toBe('two\n');
    await watch.waitForEvent('a successful reconcile', 15_000, (e) => e.event === 'reconcile.succeeded', fixFrom);
    expect((await fingerprints([other]))[other]).toEqual(before[other]);
    expect((await watch.status()).environments[0]!.lastReconcile).toMatchObject({ ok: true, manifestInvalid: false });
  });
});
