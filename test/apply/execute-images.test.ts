import { describe, expect, it } from 'vitest';
import { execute } from '../../src/apply/execute.js';
import type { ImageBuild } from '../../src/model/desired.js';
import type { Action } from '../../src/plan/actions.js';
import { FakePodmanError } from './fake-podman.js';
import { harness } from './harness.js';
import { act, planOf } from './plan-fixtures.js';

/** The executor's image steps, on the test double FakePodman: builds and pulls run before what needs them, stream progress, and record pulls. */

const BUILD: ImageBuild = {
  image: 'localhost/app-web:latest',
  tags: [],
  context: '/srv/app/web',
  dockerfile: { kind: 'file', path: '/srv/app/web/Dockerfile' },
  args: {},
  target: null,
  labels: {},
  network: null,
  extraHosts: [],
  shmSizeBytes: null,
  cacheFrom: [],
  noCache: false,
  pull: false,
  digest: 'd'.repeat(64),
  inputs: {},
};

const build = (id: number): Action => ({ id, dependsOn: [], cause: 'the image is not present', kind: 'image.build', service: 'web', build: BUILD });
const pull = (id: number, image: string, tlsVerify = true): Action => ({ id, dependsOn: [], cause: 'the image is not present', kind: 'image.pull', image, services: ['db'], tlsVerify });

describe('execute: image steps', () => {
  it('builds and pulls before the containers that need them, streaming their output as progress events', async () => {
    const h = harness();
    const pulled: string[] = [];
    h.podman.delay('buildImage', '*', 500);
    const plan = planOf([build(1), pull(2, 'postgres:16', false), act.containerCreate(3, 'web-1', [1]), act.containerCreate(4, 'db-1', [2])]);
    const report = await h.clock.run(execute(plan, { ...h.deps, recordPull: (image) => pulled.push(image) }));
    expect(report.ok).toBe(true);
    expect(h.podman.callLog()).toEqual(['buildImage localhost/app-web:latest', 'pullImage postgres:16', 'createContainer db-1', 'createContainer web-1']);
    expect(h.podman.callsTo('pullImage')[0]!.args).toEqual([{ tlsVerify: false }]);
    expect(h.events.filter((e) => e.type === 'action.progress').map((e) => (e.type === 'action.progress' ? `#${e.action.id} ${e.line}` : ''))).toEqual(['#2 Trying to pull postgres:16...', '#1 STEP 1/1: building localhost/app-web:latest']);
    expect(pulled).toEqual(['postgres:16']);
  });

  it('a failed build skips the containers waiting for it, and nothing else', async () => {
    const h = harness();
    h.podman.failOn('buildImage', '*', () => new FakePodmanError('PODMAN-BUILD-FAILED', 'step 2 failed'));
    const report = await h.run(planOf([build(1), act.containerCreate(2, 'web-1', [1]), act.containerCreate(3, 'other-1')]));
    expect(report.ok).toBe(false);
    expect(report.actions.map((a) => `${a.id} ${a.status}`)).toEqual(['1 failed', '2 skipped', '3 succeeded']);
  });
});
