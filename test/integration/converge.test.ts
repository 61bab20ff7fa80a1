/**
 * apply against real Podman: from nothing, idempotence, targeted recreation (environment,
 * image tag), scaling, pruning, and healing containers killed or stopped by hand.
 */
import { describe, expect, it } from 'vitest';
import type { ContainerInfo, TestProject } from './support.js';
import { IMAGE, freePort, podman, service, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();

/** id and StartedAt of each named container: what "untouched" compares. */
async function fingerprints(project: TestProject, names: readonly string[]): Promise<Record<string, { id: string; startedAt: string }>> {
  const all = await project.containers();
  return Object.fromEntries(
    names.map((name) => {
      const c = all.get(name);
      if (c === undefined) throw new Error(`container ${name} does not exist`);
      return [name, { id: c.id, startedAt: c.startedAt }];
    }),
  );
}

function expectRunning(containers: Map<string, ContainerInfo>, names: readonly string[]): void {
  for (const name of names) {
    expect(containers.get(name), `${name} exists`).toBeDefined();
    expect(containers.get(name)!.state, `${name} state`).toBe('running');
  }
}

describe.sequential('phoenix apply converges real Podman', { timeout: 120_000 }, () => {
  it('from nothing every container runs; again: no changes, 0 actions, nothing restarted; plan --detailed-exitcode 2 then 0', async () => {
    const project = suite.project();
    const port = await freePort();
    project.writeCompose({
      services: {
        web: service({ ports: [`127.0.0.1:${port}:8080`] }),
        api: service({ depends_on: ['web'], environment: { MODE: 'api' } }),
        worker: service({ deploy: { replicas: 2 } }),
      },
    });
    const names = [project.container('web'), project.container('api'), project.container('worker', 1), project.container('worker', 2)];

    const before = await project.phoenix(['plan', '--detailed-exitcode']);
    expect(before.code, before.stderr).toBe(2);
    expect(before.stdout).toContain(`+ create container ${project.container('web')}`);

    const first = await project.apply();
    // 4 containers and the implicit default network.
    expect(first.stdout).toContain('5 created, 0 recreated, 4 started, 0 stopped, 0 removed');
    const containers = await project.containers();
    expectRunning(containers, names);
    expect(containers.size).toBe(4);
    expect(containers.get(project.container('web'))!.labels['io.phoenix.project']).toBe(project.name);
    const was = await fingerprints(project, names);

    const second = await project.apply();
    expect(second.stdout).toContain(`No changes: ${project.name}/it matches the manifests.`);
    expect(second.stdout).not.toMatch(/\bok (create|start|recreate|stop|remove)\b/);
    const json = await project.phoenix(['apply', '--yes', '--json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { summary: Record<string, number>; report: unknown };
    expect(parsed.summary).toEqual({ create: 0, recreate: 0, start: 0, stop: 0, remove: 0 });
    expect(parsed.report).toBeNull();
    expect(await fingerprints(project, names)).toEqual(was);

    const after = await project.phoenix(['plan', '--detailed-exitcode']);
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(after.stdout).toContain('No changes');
  });

  it('a changed environment, then a changed image tag, recreate exactly that service', async () => {
    const project = suite.project();
    const tag = `localhost/${project.name}/busybox:2`;
    const compose = (value: string, image: string): Record<string, unknown> => ({
      services: {
        target: service({ image, environment: { VALUE: value } }),
        bystander: service({ environment: { VALUE: 'fixed' } }),
        other: service(),
      },
    });
    project.writeCompose(compose('one', IMAGE));
    await project.apply();
    const target = project.container('target');
    const others = [project.container('bystander'), project.container('other')];
    const initial = await fingerprints(project, [target, ...others]);

    project.writeCompose(compose('two', IMAGE));
    const envChange = await project.apply();
    expect(envChange.stdout).toContain(`~ recreate container ${target}`);
    expect(envChange.stdout).toContain('0 created, 1 recreated, 1 started, 0 stopped, 0 removed');
    const afterEnv = await fingerprints(project, [target, ...others]);
    expect(afterEnv[target]!.id).not.toBe(initial[target]!.id);
    for (const name of others) expect(afterEnv[name], name).toEqual(initial[name]);
    const recreated = await project.inspect(target);
    expect(recreated.state).toBe('running');
    expect(await podman(['exec', target, 'sh', '-c', 'echo $VALUE'])).toBe('two\n');

    // The same image under a second local tag: only the reference changes.
    await podman(['tag', IMAGE, tag]);
    project.tags.push(tag);
    project.writeCompose(compose('two', tag));
    const tagChange = await project.apply();
    expect(tagChange.stdout).toContain(`~ recreate container ${target}`);
    expect(tagChange.stdout).toContain('0 created, 1 recreated, 1 started, 0 stopped, 0 removed');
    const afterTag = await fingerprints(project, [target, ...others]);
    expect(afterTag[target]!.id).not.toBe(afterEnv[target]!.id);
    for (const name of others) expect(afterTag[name], name).toEqual(initial[name]);
    const retagged = await project.inspect(target);
    expect(retagged.state).toBe('running');
    expect((retagged.raw as { ImageName: string }).ImageName).toBe(tag);
    // No replacement left under its temporary name.
    expect([...(await project.containers()).keys()].sort()).toEqual([target, ...others].sort());
  });

  it('scaling 1 -> 3 -> 1 adds and removes replicas only', async () => {
    const project = suite.project();
    const compose = (replicas: number): Record<string, unknown> => ({ services: { pool: service({ deploy: { replicas } }), other: service() } });
    project.writeCompose(compose(1));
    await project.apply();
    const [pool1, pool2, pool3, other] = [project.container('pool', 1), project.container('pool', 2), project.container('pool', 3), project.container('other')];
    const initial = await fingerprints(project, [pool1, other]);

    project.writeCompose(compose(3));
    const up = await project.apply();
    expect(up.stdout).toContain('2 created, 0 recreated, 2 started, 0 stopped, 0 removed');
    const scaledUp = await project.containers();
    expectRunning(scaledUp, [pool1, pool2, pool3, other]);
    expect(scaledUp.size).toBe(4);
    expect(await fingerprints(project, [pool1, other])).toEqual(initial);
    const middle = await fingerprints(project, [pool2, pool3]);
    expect(scaledUp.get(pool3)!.labels['io.phoenix.replica']).toBe('3');

    project.writeCompose(compose(1));
    const down = await project.apply();
    expect(down.stdout).toContain('0 created, 0 recreated, 0 started, 0 stopped, 2 removed');
    const scaledDown = await project.containers();
    expect([...scaledDown.keys()].sort()).toEqual([other, pool1].sort());
    expect(await fingerprints(project, [pool1, other])).toEqual(initial);
    expect(middle[pool2]!.id).not.toBe(initial[pool1]!.id);
  });

  it('a service removed from the manifests is kept with a warning without prune, and removed with --prune', async () => {
    const project = suite.project();
    project.writeCompose({ services: { keep: service(), also: service({ depends_on: ['keep'] }), gone: service() } });
    await project.apply();
    const kept = [project.container('keep'), project.container('also')];
    const gone = project.container('gone');
    const initial = await fingerprints(project, [...kept, gone]);

    project.writeCompose({ services: { keep: service(), also: service({ depends_on: ['keep'] }) } });
    const withoutPrune = await project.apply();
    const printed = withoutPrune.stdout + withoutPrune.stderr;
    expect(printed).toContain(`container ${gone}: service "gone" is no longer in the manifests; it is kept (prune is off)`);
    expect(printed).not.toContain('matches the manifests');
    expect(await fingerprints(project, [...kept, gone])).toEqual(initial);

    const pruned = await project.apply(['--prune']);
    expect(pruned.stdout).toContain(`- remove container ${gone}`);
    expect(pruned.stdout).toContain('0 created, 0 recreated, 0 started, 0 stopped, 1 removed');
    const containers = await project.containers();
    expect(containers.has(gone)).toBe(false);
    expect(await fingerprints(project, kept)).toEqual(Object.fromEntries(kept.map((n) => [n, initial[n]])));
  });

  it('a container killed or stopped by hand is started again, nothing else is touched', async () => {
    const project = suite.project();
    // `stopped` is a long-running service as a user declares one: with restart "no" (the
    // default), a container stopped with exit code 0 is indistinguishable from a finished
    // one-shot job, which Phoenix leaves alone on purpose (plan.ts completedOneShot).
    project.writeCompose({ services: { killed: service(), stopped: service({ restart: 'unless-stopped' }), fine: service() } });
    await project.apply();
    const [killed, stopped, fine] = [project.container('killed'), project.container('stopped'), project.container('fine')];
    const initial = await fingerprints(project, [killed, stopped, fine]);

    await podman(['kill', killed]);
    await podman(['stop', '--time', '1', stopped]);
    const down = await project.containers();
    expect(down.get(killed)!.state).not.toBe('running');
    expect(down.get(stopped)!.state).not.toBe('running');

    const healed = await project.apply();
    expect(healed.stdout).toContain(`> start container ${killed}`);
    expect(healed.stdout).toContain(`> start container ${stopped}`);
    expect(healed.stdout).toContain('0 created, 0 recreated, 2 started, 0 stopped, 0 removed');
    const after = await project.containers();
    expectRunning(after, [killed, stopped, fine]);
    // Started again, not recreated: same containers.
    expect(after.get(killed)!.id).toBe(initial[killed]!.id);
    expect(after.get(stopped)!.id).toBe(initial[stopped]!.id);
    expect(after.get(killed)!.startedAt).not.toBe(initial[killed]!.startedAt);
    expect(await fingerprints(project, [fine])).toEqual({ [fine]: initial[fine] });
  });
});
