/**
 * The history of revisions, `phoenix history`, `phoenix rollback` and apply's automatic
 * rollback (policy.rollout.auto_rollback), against real Podman.
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { podman, service, useIntegrationSuite } from './support.js';
import type { TestProject } from './support.js';

const suite = useIntegrationSuite();

/** The revisions `phoenix history --json` lists. */
interface ListedRevision {
  readonly seq: number;
  readonly trigger: { readonly kind: string; readonly to?: number; readonly failed?: number; readonly user?: string };
  readonly result: { readonly status: string; readonly error: { readonly code: string } | null };
  readonly verdict: { readonly verdict: string; readonly waited: boolean } | null;
  readonly rolledBack?: { readonly by: number; readonly to: number };
  readonly plan: { readonly actions: number; readonly services: readonly string[] };
  readonly secrets: readonly { readonly name: string; readonly version: string }[];
}

async function history(project: TestProject): Promise<ListedRevision[]> {
  const run = await project.phoenix(['history', '--json']);
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { revisions: ListedRevision[] }).revisions;
}

async function valueIn(project: TestProject, name = 'app'): Promise<string> {
  return (await podman(['exec', project.container(name), 'sh', '-c', 'echo $VALUE'])).trim();
}

const healthy = (value: string): Record<string, unknown> => ({ services: { app: service({ environment: { VALUE: value } }), other: service() } });

describe('history and rollback', { timeout: 180_000 }, () => {
  it('records every apply that changes something (not an unchanged one) and lists it; rollback --to N applies a revision again without the manifests', async () => {
    const project = suite.project();
    project.writeCompose(healthy('one'));
    await project.apply();
    await project.apply(); // unchanged: no revision
    project.writeCompose(healthy('two'));
    await project.apply();
    expect(await valueIn(project)).toBe('two');

    const listed = await history(project);
    expect(listed.map((r) => [r.seq, r.trigger.kind, r.result.status])).toEqual([
      [1, 'apply', 'succeeded'],
      [2, 'apply', 'succeeded'],
    ]);
    expect(listed[1]!.plan.services).toEqual(['app']);
    const table = await project.phoenix(['history']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^SEQ\s+WHEN \(UTC\)\s+TRIGGER\s+SUMMARY\s+RESULT\s+VERDICT/);
    expect(table.stdout).toMatch(/\n2\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+apply by \S+\s+2 actions \(app\)\s+succeeded\s+converged \(not waited\)/);

    // The manifests now say something else again: rollback does not read them.
    project.writeCompose(healthy('three'));
    const dry = await project.phoenix(['rollback', '--to', '1', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Rolling back');
    expect(dry.stdout).toContain('Dry run: nothing was changed.');
    expect(await valueIn(project)).toBe('two');
    const other = await project.inspect(project.container('other'));

    const back = await project.phoenix(['rollback', '--to', '1', '--yes']);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(back.stderr).toContain('Healthy: app.');
    expect(await valueIn(project)).toBe('one');
    // Only what differs is touched.
    expect((await project.inspect(project.container('other'))).id).toBe(other.id);
    const after = await history(project);
    expect(after.at(-1)).toMatchObject({ seq: 3, trigger: { kind: 'rollback', to: 1 }, result: { status: 'succeeded' }, verdict: { verdict: 'converged', waited: true } });

    // A revision that is not in the history is refused by number, with the range there is.
    const missing = await project.phoenix(['rollback', '--to', '9', '--yes']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error PHX-ROLLBACK-NO-REVISION: revision 9 is not in the history (it holds revisions 1..3)');
  });

  it('auto_rollback: an apply whose service does not stay up is rolled back to the last healthy revision, exits 1 saying so, and history shows both', async () => {
    const project = suite.project();
    project.writeEnvironment({ policy: { prune: false, rollout: { auto_rollback: true, timeout: '20s' }, events: { file: { path: './events.jsonl', types: ['rollout.*'] } } } });
    project.writeCompose(healthy('good'));
    await project.apply();
    // As if the environment had been applied before Phoenix kept a history: an apply with nothing
    // to do records the desired state in force (once), so that there is something to go back to.
    rmSync(path.join(project.stateDir, 'history', project.name), { recursive: true });
    const baseline = await project.apply();
    expect(baseline.stdout).toContain('No changes');
    expect((await history(project)).map((r) => [r.seq, r.plan.actions])).toEqual([[1, 0]]);
    expect((await project.apply()).stderr).not.toContain('Recorded revision');
    const good = await project.inspect(project.container('app'));
    project.writeCompose({ services: { app: service({ environment: { VALUE: 'bad' }, command: ['sh', '-c', 'echo broken build; sleep 1; exit 3'] }), other: service() } });
    const run = await project.phoenix(['apply', '--yes']);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stderr).toContain('did not become healthy');
    expect(run.stderr).toContain('| broken build');
    expect(run.stderr).toContain('rolling back to revision 1 (policy.rollout.auto_rollback)');
    expect(run.stderr).toContain('the apply failed its rollout and was rolled back');
    const now = await project.inspect(project.container('app'));
    expect(now.running).toBe(true);
    expect(now.id).not.toBe(good.id);
    expect(await valueIn(project)).toBe('good');

    const listed = await history(project);
    expect(listed.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(listed[0]).toMatchObject({ trigger: { kind: 'apply' }, verdict: { verdict: 'converged' } });
    expect(listed[1]).toMatchObject({ trigger: { kind: 'apply' }, result: { status: 'succeeded' }, verdict: { verdict: 'degraded', waited: true }, rolledBack: { by: 3, to: 1 } });
    expect(listed[2]).toMatchObject({ trigger: { kind: 'auto-rollback', to: 1, failed: 2 }, result: { status: 'succeeded' }, verdict: { verdict: 'converged', waited: true } });
    // The events say so, through the environment's policy.events sinks.
    const events = readFileSync(path.join(project.envDir, 'events.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; severity: string; data: Record<string, unknown> });
    expect(events.map((e) => e.type)).toEqual(['io.phoenix.rollout.failed', 'io.phoenix.rollout.rolled-back']);
    expect(events[0]!.data).toMatchObject({ revision: 2, services: ['app'], rollingBackTo: 1 });
    expect(String(events[0]!.data.reason)).toContain('PHX-WAIT-EXITED');
    expect(events[1]!.data).toEqual({ failedRevision: 2, revision: 3, to: 1, ok: true });
    // The failed desired state is marked, so that a watch started on these manifests does not apply them again.
    const marks = JSON.parse(readFileSync(path.join(project.stateDir, 'history', project.name, 'it', 'failed.json'), 'utf8')) as { marks: { key: string; revision: number }[] };
    expect(marks.marks).toEqual([expect.objectContaining({ key: expect.stringMatching(/^digest:[0-9a-f]{64}$/), revision: 2, rolledBackTo: 1 })]);
    const table = await project.phoenix(['history']);
    expect(table.stdout).toContain('auto-rollback to 1 (2 failed)');
    expect(table.stdout).toContain('degraded, rolled back by 3');
    // Nothing healthy is left to go back to from the rolled-back state but revision 1 itself, which runs.
    const again = await project.phoenix(['rollback', '--yes']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('error PHX-ROLLBACK-NO-TARGET');
  });

  it('refuses to roll back to a secret version whose source now holds another value, naming it, and changes nothing; the history never holds the value', async () => {
    const project = suite.project();
    project.writeFile('environments/compose/token.txt', 'first-secret-value\n');
    const compose = (value: string): Record<string, unknown> => ({ services: { app: service({ environment: { VALUE: value }, secrets: ['token'] }) }, secrets: { token: { file: './token.txt' } } });
    project.writeCompose(compose('one'));
    await project.apply();
    project.writeFile('environments/compose/token.txt', 'second-secret-value\n');
    project.writeCompose(compose('two'));
    await project.apply();
    const before = await project.state();
    const listed = await history(project);
    expect(listed[0]!.secrets[0]!.version).not.toBe(listed[1]!.secrets[0]!.version);

    const refused = await project.phoenix(['rollback', '--to', '1', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error PHX-ROLLBACK-SECRET-CHANGED: revision 1 used version');
    expect(refused.stderr).toContain(listed[0]!.secrets[0]!.version);
    expect(await project.state()).toEqual(before);

    // With the old value back in its source, the rollback goes through.
    project.writeFile('environments/compose/token.txt', 'first-secret-value\n');
    const back = await project.phoenix(['rollback', '--to', '1', '--yes']);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect((await podman(['exec', project.container('app'), 'cat', '/run/secrets/token'])).trim()).toBe('first-secret-value');

    const dir = path.join(project.stateDir, 'history', project.name, 'it');
    for (const file of readdirSync(dir)) {
      const text = readFileSync(path.join(dir, file), 'utf8');
      expect(text).not.toContain('first-secret-value');
      expect(text).not.toContain('second-secret-value');
    }
    expect(project.transcript.join('')).not.toMatch(/first-secret-value|second-secret-value/);
  });
});
