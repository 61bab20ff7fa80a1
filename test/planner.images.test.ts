import { describe, expect, it } from 'vitest';
import { LABEL } from '../src/model/desired.js';
import type { DesiredService, DesiredState } from '../src/model/desired.js';
import { canonicalJson } from '../src/model/hash.js';
import type { ObservedContainer, ObservedState } from '../src/model/observed.js';
import { EMPTY_OBSERVED } from '../src/model/observed.js';
import type { Plan } from '../src/plan/actions.js';
import { resourceOf } from '../src/plan/actions.js';
import { planBuilds, planPulls } from '../src/plan/image-commands.js';
import type { PlanOptions } from '../src/plan/plan.js';
import { plan } from '../src/plan/plan.js';
import { renderPlanText } from '../src/plan/render-text.js';
import { desiredFrom } from './support/load-fixture.js';

/** The planner's image steps (pure, no Podman): builds from the build digest, pulls from the pull policy. */

const BUILT_FILES = { 'app/Dockerfile': 'FROM scratch\nCOPY . /\n', 'app/index.html': 'v1' };

function planOf(desired: DesiredState, observed: ObservedState, options: PlanOptions = {}): Plan {
  const result = plan(desired, observed, options);
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('; '));
  return result.value;
}

function shape(p: Plan): string[] {
  return p.actions.map((a) => `#${a.id} ${a.kind} ${resourceOf(a).name}${a.dependsOn.length === 0 ? '' : ` <- ${a.dependsOn.join(',')}`}`);
}

/** A running container of the service as Phoenix made it, from image `imageId`. */
function running(service: DesiredService, imageId: string): ObservedContainer {
  return { id: `id-${service.name}`, name: service.containerNames[0]!, labels: { ...service.ownerLabels, [LABEL.replica]: '1' }, state: 'running', exitCode: null, image: service.spec.image, imageId, startedAt: null, health: 'none', restartCount: 0 };
}

function network(desired: DesiredState): ObservedState['networks'] {
  return desired.networks.map((n) => ({ id: `net-${n.name}`, name: n.podmanName, labels: n.labels }));
}

describe('builds', () => {
  const desired = desiredFrom('services:\n  web:\n    build: ./app\n  db:\n    image: postgres:16\n', { files: BUILT_FILES });
  const web = desired.services.find((s) => s.name === 'web')!;
  const db = desired.services.find((s) => s.name === 'db')!;
  const image = web.spec.image;

  it('an absent image is built before its container is created', () => {
    const p = planOf(desired, { ...EMPTY_OBSERVED, images: { [image]: null, 'postgres:16': 'sha256:db' } });
    expect(shape(p)).toEqual([
      '#1 image.build localhost/app-web:latest',
      '#2 network.create app-test-default',
      '#3 container.create app-test-db-1 <- 2',
      '#4 container.create app-test-web-1 <- 1,2',
      '#5 container.start app-test-db-1 <- 3',
      '#6 container.start app-test-web-1 <- 4',
    ]);
    expect(p.actions[0]).toMatchObject({ kind: 'image.build', cause: 'the image is not present', service: 'web' });
    expect(p.summary).toMatchObject({ build: 1, create: 3 });
    expect(renderPlanText(p)).toContain('Plan: 1 to build, 3 to create, 0 to recreate');
  });

  it('an image labelled with the wanted digest is not built, and its container is left alone', () => {
    const observed: ObservedState = {
      ...EMPTY_OBSERVED,
      networks: network(desired),
      containers: [running(web, 'sha256:built'), running(db, 'sha256:db')],
      images: { [image]: 'sha256:built', 'postgres:16': 'sha256:db' },
      imageLabels: { [image]: { [LABEL.buildDigest]: web.build!.digest, [LABEL.buildInputs]: canonicalJson(web.build!.inputs) } },
    };
    expect(shape(planOf(desired, observed))).toEqual([]);
  });

  it('a changed context file rebuilds the image and recreates exactly its containers, naming the file', () => {
    const before = desiredFrom('services:\n  web:\n    build: ./app\n  db:\n    image: postgres:16\n', { files: { ...BUILT_FILES, 'app/index.html': 'v0' } }).services.find((s) => s.name === 'web')!;
    const observed: ObservedState = {
      ...EMPTY_OBSERVED,
      networks: network(desired),
      containers: [running(web, 'sha256:old'), running(db, 'sha256:db')],
      images: { [image]: 'sha256:old', 'postgres:16': 'sha256:db' },
      imageLabels: { [image]: { [LABEL.buildDigest]: before.build!.digest, [LABEL.buildInputs]: canonicalJson(before.build!.inputs) } },
    };
    const p = planOf(desired, observed);
    expect(shape(p)).toEqual(['#1 image.build localhost/app-web:latest', '#2 container.recreate app-test-web-1 <- 1', '#3 container.start app-test-web-1 <- 2']);
    expect(p.actions[0]!.cause).toBe('build inputs changed: index.html');
    expect(p.actions[1]!.cause).toBe('image localhost/app-web:latest is rebuilt: build inputs changed: index.html');
  });

  it('an image without a build digest label (built by hand) is built again', () => {
    const p = planOf(desired, { ...EMPTY_OBSERVED, images: { [image]: 'sha256:x', 'postgres:16': 'sha256:db' }, imageLabels: { [image]: {} } });
    expect(p.actions[0]).toMatchObject({ kind: 'image.build', cause: expect.stringContaining('no build digest label') });
  });

  it('phoenix build plans every build whatever the digests, with --no-cache when asked, and nothing else', () => {
    const p = planBuilds(desired, EMPTY_OBSERVED, [], { noCache: true });
    expect(shape(p)).toEqual(['#1 image.build localhost/app-web:latest']);
    expect(p.actions[0]).toMatchObject({ build: { noCache: true } });
    expect(planBuilds(desired, EMPTY_OBSERVED, ['db'], { noCache: false }).actions).toEqual([]);
  });
});

describe('pulls', () => {
  const compose = (policy: string): string => `services:\n  web:\n    image: registry.local:5000/web:1\n${policy === '' ? '' : `    pull_policy: ${policy}\n`}`;
  const ref = 'registry.local:5000/web:1';
  const present = (desired: DesiredState, extra: Partial<ObservedState> = {}): ObservedState => ({
    ...EMPTY_OBSERVED,
    networks: network(desired),
    containers: [running(desired.services[0]!, 'sha256:web')],
    images: { [ref]: 'sha256:web' },
    ...extra,
  });

  it('missing (the default) pulls only an absent image, before creating the container', () => {
    const desired = desiredFrom(compose(''));
    expect(shape(planOf(desired, { ...EMPTY_OBSERVED, images: { [ref]: null } }))).toEqual([
      '#1 image.pull registry.local:5000/web:1',
      '#2 network.create app-test-default',
      '#3 container.create app-test-web-1 <- 1,2',
      '#4 container.start app-test-web-1 <- 3',
    ]);
    expect(planOf(desired, present(desired)).actions).toEqual([]);
    // Not observed at all (a snapshot without images): left to podman create, as before.
    expect(planOf(desired, EMPTY_OBSERVED).actions.some((a) => a.kind === 'image.pull')).toBe(false);
  });

  it('always pulls on every plan, but not again right after a pull in the same run', () => {
    const desired = desiredFrom(compose('always'));
    expect(shape(planOf(desired, present(desired)))).toEqual(['#1 image.pull registry.local:5000/web:1']);
    expect(planOf(desired, present(desired)).actions[0]!.cause).toBe('pull_policy: always');
    expect(planOf(desired, present(desired), { pulled: [ref] }).actions).toEqual([]);
  });

  it('a pulled tag that moved recreates the containers on the old image (the second round of an apply)', () => {
    const desired = desiredFrom(compose('always'));
    const p = planOf(desired, present(desired, { images: { [ref]: 'sha256:new' } }), { pulled: [ref] });
    expect(shape(p)).toEqual(['#1 container.recreate app-test-web-1', '#2 container.start app-test-web-1 <- 1']);
    expect(p.actions[0]!.cause).toContain('image behind registry.local:5000/web:1 changed');
  });

  it('never: an absent image is a plan issue, a present one is used', () => {
    const desired = desiredFrom(compose('never'));
    const result = plan(desired, { ...EMPTY_OBSERVED, images: { [ref]: null } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues).toEqual([expect.objectContaining({ code: 'PHX-PLAN-IMAGE-MISSING', resource: { type: 'image', name: ref } })]);
    expect(planOf(desired, present(desired)).actions).toEqual([]);
  });

  it('daily pulls when the last pull by Phoenix is older than a day, or there is none', () => {
    const desired = desiredFrom(compose('daily'));
    const now = Date.UTC(2026, 0, 2);
    expect(planOf(desired, present(desired, { imagePulledAt: { [ref]: now - 25 * 3_600_000 } }), { now }).actions[0]).toMatchObject({ kind: 'image.pull', cause: expect.stringContaining('older than 1d') });
    expect(planOf(desired, present(desired, { imagePulledAt: { [ref]: now - 3_600_000 } }), { now }).actions).toEqual([]);
    expect(planOf(desired, present(desired), { now }).actions[0]?.kind).toBe('image.pull');
    // Without a clock the planner cannot tell: only an absent image is pulled.
    expect(planOf(desired, present(desired)).actions).toEqual([]);
  });

  it('watch mode: always pulls once per interval, and image_updates polls missing images as often', () => {
    const now = Date.UTC(2026, 0, 2);
    const hourly = { now, imageUpdates: { intervalMs: 3_600_000, all: false } };
    const always = desiredFrom(compose('always'));
    expect(planOf(always, present(always, { imagePulledAt: { [ref]: now - 60_000 } }), hourly).actions).toEqual([]);
    expect(planOf(always, present(always, { imagePulledAt: { [ref]: now - 2 * 3_600_000 } }), hourly).actions[0]).toMatchObject({ kind: 'image.pull', cause: expect.stringContaining('once per interval') });
    const missing = desiredFrom(compose(''));
    expect(planOf(missing, present(missing, { imagePulledAt: { [ref]: now - 2 * 3_600_000 } }), hourly).actions).toEqual([]);
    const polled = { now, imageUpdates: { intervalMs: 3_600_000, all: true } };
    expect(planOf(missing, present(missing, { imagePulledAt: { [ref]: now - 2 * 3_600_000 } }), polled).actions[0]).toMatchObject({ kind: 'image.pull', cause: expect.stringContaining('policy.image_updates') });
    expect(planOf(missing, present(missing, { imagePulledAt: { [ref]: now - 60_000 } }), polled).actions).toEqual([]);
    // The round right after a pull does not pull again, whatever the times say.
    expect(planOf(missing, present(missing), { ...polled, pulled: [ref] }).actions).toEqual([]);
  });

  it('pulls from a registry the policy marks insecure without TLS verification', () => {
    const desired = desiredFrom(compose(''), { environment: 'project: app\ncompose: [compose.yaml]\npolicy:\n  registries:\n    insecure: ["registry.local:5000"]\n' });
    const pull = planOf(desired, { ...EMPTY_OBSERVED, images: { [ref]: null } }).actions[0];
    expect(pull).toMatchObject({ kind: 'image.pull', tlsVerify: false });
    expect(renderPlanText(planOf(desired, { ...EMPTY_OBSERVED, images: { [ref]: null } }))).toContain('TLS verification off');
  });

  it('phoenix pull pulls every image except built ones and pull_policy: never', () => {
    const desired = desiredFrom('services:\n  web:\n    image: a:1\n  db:\n    image: b:1\n    pull_policy: never\n  app:\n    build: ./app\n', { files: BUILT_FILES });
    expect(shape(planPulls(desired, EMPTY_OBSERVED, []))).toEqual(['#1 image.pull a:1']);
    expect(planPulls(desired, EMPTY_OBSERVED, ['db']).actions).toEqual([]);
  });
});
