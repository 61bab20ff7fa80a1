/**
 * `phoenix watch --git`: the environments folder is a git working tree; commits to the branch
 * are applied (and their sha recorded on containers and in /status), an invalid commit leaves
 * the last good revision in force, and the uncommitted working tree is never applied.
 */
import { describe, expect, it } from 'vitest';
import { LABEL } from '../../src/model/desired.js';
import { podman, service } from './support.js';
import { run, startWatch, tryInspect, waitAllRunning, waitForContainer, useWatchSuite } from './watch-support.js';

const suite = useWatchSuite();

describe('watch --git', { timeout: 120_000 }, () => {
  it('applies new commits of the branch, records their sha, and keeps the last good one over an invalid commit', async () => {
    const project = suite.project();
    project.writeEnvironment({ policy: { prune: false, health: { backoff: { initial: '500ms', max: '2s' } } } });
    const compose = (value: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ services: { app: service({ environment: { VALUE: value }, ...extra }), other: service() } });
    project.writeCompose(compose('one'));
    const git = (...args: string[]): Promise<string> => run('git', ['-c', 'user.name=phoenix-test', '-c', 'user.email=test@phoenix.invalid', '-c', 'commit.gpgsign=false', ...args], project.dir);
    const commit = async (message: string): Promise<string> => {
      await git('add', '-A');
      await git('commit', '-q', '-m', message);
      return (await git('rev-parse', 'HEAD')).trim();
    };
    await git('init', '-q', '-b', 'main');
    const first = await commit('first');

    const watch = await startWatch(project, ['--git', '--branch', 'main', '--git-poll', '1s']);
    const [app, other] = [project.container('app'), project.container('other')];
    const initial = await waitAllRunning([app, other], 30_000);
    expect(initial.get(app)!.labels[LABEL.revision]).toBe(first);
    expect(initial.get(other)!.labels[LABEL.revision]).toBe(first);
    expect((await watch.status()).environments[0]!.revision).toBe(first);
    expect(watch.events('git.revision-applied').map((e) => e.data.revision)).toEqual([first]);

    // An uncommitted edit of the working tree is not applied: only commits are.
    project.writeCompose(compose('uncommitted'));
    const second = await commit('second');
    const from = watch.events().length;
    const recreated = await waitForContainer(app, `recreated at ${second.slice(0, 8)}`, 30_000, (c) => c.running && c.labels[LABEL.revision] === second);
    expect(await podman(['exec', app, 'sh', '-c', 'echo $VALUE'])).toBe('uncommitted\n');
    await watch.waitForEvent('git.revision-applied', 15_000, (e) => e.event === 'git.revision-applied' && e.data.revision === second, from);
    expect((await watch.status()).environments[0]!.revision).toBe(second);
    const trigger = watch.since(from, 'reconcile.started')[0]!;
    expect(String(trigger.data.trigger)).toContain('git: new commit');
    // `other` did not change: untouched, still labelled with the revision that created it.
    const otherNow = (await tryInspect(other))!;
    expect([otherNow.id, otherNow.startedAt, otherNow.labels[LABEL.revision]]).toEqual([initial.get(other)!.id, initial.get(other)!.startedAt, first]);

    // An invalid commit: reported, nothing touched, the status keeps the last good revision.
    project.writeCompose(compose('three', { enviroment_typo: { VALUE: 'x' } }));
    const bad = await commit('broken');
    const badFrom = watch.events().length;
    const invalid = await watch.waitForEvent('manifest.invalid', 15_000, (e) => e.event === 'manifest.invalid', badFrom);
    expect(JSON.stringify(invalid.data.issues)).toContain('enviroment_typo');
    await watch.waitForEvent('the reconcile of the broken commit to fail', 15_000, (e) => e.event === 'reconcile.failed', badFrom);
    const appNow = (await tryInspect(app))!;
    expect([appNow.id, appNow.startedAt, appNow.running]).toEqual([recreated.id, recreated.startedAt, true]);
    expect(await podman(['exec', app, 'sh', '-c', 'echo $VALUE'])).toBe('uncommitted\n');
    const status = await watch.status();
    expect(status.environments[0]!.revision).toBe(second);
    expect(status.environments[0]!.lastReconcile).toMatchObject({ ok: false, manifestInvalid: true });
    expect(watch.since(badFrom, 'git.revision-applied')).toEqual([]);
    expect(watch.since(badFrom, 'action.started')).toEqual([]);

    // A container that has to be made again while the broken commit is HEAD is made from the
    // last good revision, and labelled with it (not with the broken commit's sha).
    await podman(['rm', '--force', '--time', '0', other]);
    const remade = await waitForContainer(other, 'made again', 30_000, (c) => c.running && c.id !== initial.get(other)!.id);
    expect(remade.labels[LABEL.revision]).toBe(second);
    expect(remade.labels[LABEL.revision]).not.toBe(bad);
    // Git mode watches no file on disk; stopping must not wait for a file watcher that never started.
    expect(await watch.stop()).toBe(0);
  });
});
