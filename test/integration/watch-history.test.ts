/**
 * Watch mode's history and automatic rollback against real Podman: a git commit whose service
 * does not stay up is rolled back to the last healthy revision, marked failed in the state
 * directory and not applied again until a newer commit arrives (no flapping); a manifest edit
 * that fails likewise stays out until the files change again.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LABEL } from '../../src/model/desired.js';
import { podman, service, sleep } from './support.js';
import type { TestProject } from './support.js';
import { run, startWatch, tryInspect, waitForContainer, useWatchSuite } from './watch-support.js';

const suite = useWatchSuite();

const compose = (value: string): Record<string, unknown> => ({ services: { app: service({ environment: { VALUE: value } }), other: service() } });
const broken = (value: string): Record<string, unknown> => ({ services: { app: service({ environment: { VALUE: value }, command: ['sh', '-c', 'echo cannot start; sleep 1; exit 3'] }), other: service() } });

interface ListedRevision {
  readonly seq: number;
  readonly trigger: { readonly kind: string; readonly reason?: string; readonly sha?: string; readonly subject?: string; readonly to?: number; readonly failed?: number };
  readonly verdict: { readonly verdict: string } | null;
  readonly rolledBack?: { readonly by: number; readonly to: number };
  readonly gitRevision?: string;
}

async function history(project: TestProject): Promise<ListedRevision[]> {
  const listed = await project.phoenix(['history', '--json']);
  expect(listed.code, listed.stderr).toBe(0);
  return (JSON.parse(listed.stdout) as { revisions: ListedRevision[] }).revisions;
}

const valueIn = async (project: TestProject): Promise<string> => (await podman(['exec', project.container('app'), 'sh', '-c', 'echo $VALUE'])).trim();

describe('watch: history and auto-rollback', { timeout: 180_000 }, () => {
  it('git: a bad commit is rolled back to the last healthy revision and not retried until a newer commit arrives', async () => {
    const project = suite.project();
    project.writeEnvironment({ policy: { prune: false, resync_interval: '2s', rollout: { auto_rollback: true, timeout: '20s' } } });
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
    const app = project.container('app');
    await watch.waitForEvent('revision 1', 30_000, (e) => e.event === 'revision.recorded' && e.data.revision === 1);
    const good = await waitForContainer(app, 'running', 30_000, (c) => c.running);

    project.writeCompose(broken('two'));
    const bad = await commit('break the app');
    const from = watch.events().length;
    const failed = await watch.waitForEvent('rollout.failed', 60_000, (e) => e.event === 'rollout.failed', from);
    expect(failed.data).toMatchObject({ revision: 2, services: ['app'], rollingBackTo: 1 });
    expect(String(failed.data.reason)).toContain('PHX-WAIT-EXITED');
    const back = await watch.waitForEvent('rollout.rolled-back', 60_000, (e) => e.event === 'rollout.rolled-back', from);
    expect(back.data).toMatchObject({ failedRevision: 2, to: 1, revision: 3, ok: true });
    const restored = await waitForContainer(app, 'running the first commit again', 30_000, (c) => c.running && c.labels[LABEL.revision] === first);
    expect(restored.id).not.toBe(good.id);
    expect(await valueIn(project)).toBe('one');

    // The commit is marked failed in the state directory.
    const marks = JSON.parse(readFileSync(path.join(project.stateDir, 'history', project.name, 'it', 'failed.json'), 'utf8')) as { marks: { key: string; revision: number; rolledBackTo: number }[] };
    expect(marks.marks).toEqual([expect.objectContaining({ key: `git:${bad}`, revision: 2, rolledBackTo: 1 })]);

    // Not retried: resyncs (every 2 s) and a heal (a removed container made again) keep revision 1's state, recording nothing.
    const settled = watch.events().length;
    await podman(['rm', '--force', '--time', '0', project.container('other')]);
    await waitForContainer(project.container('other'), 'made again', 30_000, (c) => c.running);
    await sleep(5000);
    expect((await tryInspect(app))!.id).toBe(restored.id);
    expect(watch.since(settled, 'action.started').map((e) => e.data.resource)).toEqual(expect.not.arrayContaining([app, `${app}-next`]));
    expect(watch.since(settled, 'revision.recorded')).toEqual([]);
    expect(watch.since(settled, 'rollout.failed')).toEqual([]);

    const listed = await history(project);
    expect(listed.map((r) => [r.seq, r.trigger.kind])).toEqual([
      [1, 'git'],
      [2, 'git'],
      [3, 'auto-rollback'],
    ]);
    expect(listed[0]).toMatchObject({ trigger: { sha: first, subject: 'first' }, gitRevision: first });
    expect(listed[1]).toMatchObject({ trigger: { sha: bad, subject: 'break the app' }, verdict: { verdict: 'degraded' }, rolledBack: { by: 3, to: 1 } });
    expect(listed[2]).toMatchObject({ trigger: { to: 1, failed: 2 }, verdict: { verdict: 'converged' }, gitRevision: first });

    // A newer commit is applied as usual.
    project.writeCompose(compose('three'));
    const third = await commit('fix the app');
    await waitForContainer(app, `running ${third.slice(0, 8)}`, 60_000, (c) => c.running && c.labels[LABEL.revision] === third);
    expect(await valueIn(project)).toBe('three');
    await watch.waitForEvent('revision 4', 30_000, (e) => e.event === 'revision.recorded' && e.data.revision === 4);
    expect((await history(project)).at(-1)).toMatchObject({ seq: 4, trigger: { kind: 'git', sha: third }, verdict: { verdict: 'converged' } });
    expect(await watch.stop()).toBe(0);
  });

  it('files: an edit that fails is rolled back and not retried until the files change again', async () => {
    const project = suite.project();
    project.writeEnvironment({ policy: { prune: false, resync_interval: '2s', rollout: { auto_rollback: true, timeout: '20s' } } });
    project.writeCompose(compose('one'));
    const watch = await startWatch(project);
    const app = project.container('app');
    await watch.waitForEvent('revision 1', 30_000, (e) => e.event === 'revision.recorded' && e.data.revision === 1);

    const from = watch.events().length;
    project.writeCompose(broken('two'));
    await watch.waitForEvent('rollout.rolled-back', 60_000, (e) => e.event === 'rollout.rolled-back', from);
    const restored = await waitForContainer(app, 'running revision 1 again', 30_000, (c) => c.running);
    expect(await valueIn(project)).toBe('one');

    const settled = watch.events().length;
    await sleep(5000);
    expect((await tryInspect(app))!.id).toBe(restored.id);
    expect(watch.since(settled, 'revision.recorded')).toEqual([]);
    expect(watch.since(settled, 'action.started')).toEqual([]);

    // An apply handed to watch tries the marked manifests again, and is told they were rolled back again.
    const handed = await project.phoenix(['apply']);
    expect(handed.code, handed.stdout + handed.stderr).toBe(1);
    expect(handed.stderr).toContain('error PHX-ROLLOUT-ROLLED-BACK: revision 4 did not become healthy; rolled back to revision 3 (recorded as revision 5)');
    const again = await waitForContainer(app, 'running revision 1 again', 30_000, (c) => c.running);
    expect(await valueIn(project)).toBe('one');

    project.writeCompose(compose('three'));
    await waitForContainer(app, 'running the new edit', 60_000, (c) => c.running && c.id !== again.id);
    await watch.waitForEvent('revision 6', 30_000, (e) => e.event === 'revision.recorded' && e.data.revision === 6);
    expect(await valueIn(project)).toBe('three');
    const listed = await history(project);
    expect(listed.map((r) => r.trigger.kind)).toEqual(['watch', 'watch', 'auto-rollback', 'watch', 'auto-rollback', 'watch']);
    expect(listed[3]).toMatchObject({ trigger: { reason: expect.stringContaining('requested by phoenix apply') }, rolledBack: { by: 5, to: 3 } });
    expect(await watch.stop()).toBe(0);
  });
});
