/**
 * Saved plans cannot be forged (issue 11), against REAL Podman: `plan --out` signs the plan
 * with the state directory's key; `apply --plan` refuses, as a whole and changing nothing, a
 * plan that was edited, carries no signature, or (even signed with the stolen key) creates a
 * container the policy denies, removes a container it does not own, or claims a config hash
 * that is not its spec's.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PhoenixEvent } from '../../src/events/event-types.js';
import type { Plan } from '../../src/plan/actions.js';
import { AUDIT_LOG_FILE } from '../../src/security/audit-log.js';
import { loadOrCreatePlanKey, signPlan } from '../../src/security/plan-signature.js';
import type { TestProject } from './support.js';
import { IMAGE, LOOP, podman, podmanResult, service, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };
type PlanFile = Mutable<Plan> & { signature?: string };

/** An applied project whose `web` container was removed by hand, and a saved plan that creates it again. */
async function projectWithSavedPlan(): Promise<{ project: TestProject; file: string; saved: PlanFile }> {
  const project = suite.project();
  project.writeCompose({ services: { web: service({ restart: 'unless-stopped' }), api: service({ restart: 'unless-stopped' }) } });
  await project.apply();
  await podman(['rm', '--force', '--time', '0', project.container('web')]);
  const run = await project.phoenix(['plan', '--out', 'saved.json']);
  expect(run.code, run.stderr).toBe(0);
  const file = path.join(project.dir, 'saved.json');
  const saved = JSON.parse(readFileSync(file, 'utf8')) as PlanFile;
  expect(saved.signature).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
  expect(statSync(path.join(suite.stateDir, 'plan-signing.key')).mode & 0o777).toBe(0o600);
  return { project, file, saved };
}

function createAction(plan: PlanFile): Extract<PlanFile['actions'][number], { kind: 'container.create' }> {
  const action = plan.actions.find((a) => a.kind === 'container.create');
  if (action?.kind !== 'container.create') throw new Error('the saved plan creates no container');
  return action;
}

/** Writes `plan` re-signed with the state directory's own key: what an attacker who stole it could do. */
function writeResigned(file: string, plan: PlanFile): void {
  const { signature: _dropped, ...unsigned } = plan;
  writeFileSync(file, JSON.stringify(signPlan(unsigned as Plan, loadOrCreatePlanKey(suite.stateDir))));
}

async function expectRefused(project: TestProject, code: string, expected: readonly string[] = []): Promise<string> {
  const before = await project.state();
  const run = await project.phoenix(['apply', '--yes', '--plan', 'saved.json']);
  expect(run.code, run.stdout + run.stderr).toBe(1);
  expect(run.stderr).toContain(`error ${code}`);
  for (const text of expected) expect(run.stderr).toContain(text);
  expect(run.stderr).toContain('nothing was changed');
  expect(run.stdout).not.toMatch(/\bok (create|start|remove)\b/);
  expect(await project.state()).toEqual(before);
  expect((await project.containers()).has(project.container('web'))).toBe(false);
  // Audited: the refusal is the last security.denied of the audit log, from the saved plan.
  const audited = readFileSync(path.join(suite.stateDir, AUDIT_LOG_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PhoenixEvent);
  expect(audited.at(-1)).toMatchObject({ type: 'io.phoenix.security.denied', project: project.name, data: { origin: 'saved-plan' } });
  expect(audited.some((e) => e.type === 'io.phoenix.security.denied' && e.data.code.startsWith(code))).toBe(true);
  return run.stderr;
}

describe('apply --plan refuses forged plans, changing nothing', { timeout: 180_000 }, () => {
  it('an edited plan (signature no longer matches) and an unsigned one are refused', async () => {
    const { project, file, saved } = await projectWithSavedPlan();
    const edited = structuredClone(saved);
    createAction(edited).container.spec.privileged = true;
    writeFileSync(file, JSON.stringify(edited));
    await expectRefused(project, 'PHX-PLAN-SIGNATURE-INVALID', ['does not match its content']);

    const { signature: _dropped, ...unsigned } = saved;
    writeFileSync(file, JSON.stringify(unsigned));
    await expectRefused(project, 'PHX-PLAN-UNSIGNED');

    // The untouched plan still applies: signing changes nothing for honest plans.
    writeFileSync(file, JSON.stringify(saved));
    const applied = await project.phoenix(['apply', '--yes', '--plan', 'saved.json']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect((await project.containers()).get(project.container('web'))?.state).toBe('running');
  });

  it('a re-signed plan asking for privileged, the host network, every capability, seccomp off and / is refused by the policy', async () => {
    const { project, file, saved } = await projectWithSavedPlan();
    const forged = structuredClone(saved);
    const { spec } = createAction(forged).container;
    spec.privileged = true;
    spec.networkMode = 'host';
    spec.networks = [];
    spec.capAdd = ['ALL'];
    spec.securityOpt = ['seccomp=unconfined'];
    spec.mounts = [...spec.mounts, { type: 'bind', source: '/', target: '/host', readOnly: false, selinux: '', createHostPath: false }];
    spec.pid = 'host';
    writeResigned(file, forged);
    const stderr = await expectRefused(project, 'PHX-PLAN-POLICY', ['(PHX-POLICY-PRIVILEGED)', '(PHX-POLICY-HOST-NETWORK)', '(PHX-POLICY-CAPABILITY)', '(PHX-POLICY-UNCONFINED)', '(PHX-POLICY-HOST-PATH)', '(PHX-POLICY-HOST-NAMESPACE)']);
    expect(stderr).toContain('bind-mounts the host path /');
  });

  it('a re-signed plan whose labels claim the manifest config hash for another spec is refused', async () => {
    const { project, file, saved } = await projectWithSavedPlan();
    const forged = structuredClone(saved);
    createAction(forged).container.spec.command = ['sh', '-c', 'cat /etc/shadow'];
    writeResigned(file, forged);
    await expectRefused(project, 'PHX-PLAN-LABELS-FORGED', ['its config hash label is not the hash of its spec']);
  });

  it('a re-signed plan that removes a container of another project is refused; that container lives on', async () => {
    const foreign = `phxforeign-${randomBytes(4).toString('hex')}`;
    await podman(['run', '-d', '--name', foreign, '--label', 'io.phoenix.project=someone-else', '--label', 'io.phoenix.environment=prod', IMAGE, 'sh', '-c', LOOP.replace('$$', '$')]);
    try {
      const { project, file, saved } = await projectWithSavedPlan();
      const id = (await podman(['inspect', '--format', '{{.Id}}', foreign])).trim();
      const forged = structuredClone(saved);
      const next = Math.max(...forged.actions.map((a) => a.id)) + 1;
      forged.actions.push({ id: next, kind: 'container.remove', cause: 'orphan', dependsOn: [], name: foreign, containerId: id, service: null, timeoutSeconds: 0 });
      writeResigned(file, forged);
      await expectRefused(project, 'PHX-PLAN-FOREIGN-OBJECT', [`touches the container ${foreign}`]);
      expect((await podman(['inspect', '--format', '{{.State.Status}}', foreign])).trim()).toBe('running');
    } finally {
      await podmanResult(['rm', '--force', '--time', '0', foreign]);
    }
  });
});
