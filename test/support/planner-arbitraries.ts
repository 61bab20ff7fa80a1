import fc from 'fast-check';
import YAML from 'yaml';
import type { DependencyCondition, DesiredState, RestartPolicy } from '../../src/model/desired.js';
import { COMPOSE_LABEL, LABEL } from '../../src/model/desired.js';
import type { ObservedContainer, ObservedState } from '../../src/model/observed.js';
import type { Plan } from '../../src/plan/actions.js';
import { desiredFrom } from './load-fixture.js';
import { modelImageId, observedFromDesired } from './observed-model.js';

/**
 * fast-check generators for planner property tests: small environments written as Compose
 * YAML (so that they go through the real loader), and observed states derived from a
 * converged environment by mutations.
 */

export const SERVICE_NAMES = ['api', 'cache', 'db', 'web', 'worker'] as const;
export const IMAGES = ['alpine:3.19', 'busybox:1', 'nginx:1.25', 'postgres:16'] as const;
const ENV_KEYS = ['A', 'B', 'LOG_LEVEL'] as const;
const ENV_VALUES = ['1', '2', 'debug', 'info', 'hello world', ''] as const;
const CONDITIONS: readonly DependencyCondition[] = ['service_started', 'service_healthy', 'service_completed_successfully'];
const RESTARTS: readonly RestartPolicy[] = ['no', 'always', 'on-failure', 'unless-stopped'];

export interface DependencyGen {
  readonly service: string;
  readonly condition: DependencyCondition;
  readonly restart: boolean;
  readonly required: boolean;
}

export interface ServiceGen {
  readonly name: string;
  readonly image: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly replicas: number;
  readonly restart: RestartPolicy;
  readonly dependsOn: readonly DependencyGen[];
  readonly volume: boolean;
  readonly secret: boolean;
  readonly healthcheck: boolean;
  /** Attached to the `back` network too (when the environment declares it). */
  readonly back: boolean;
}

export interface EnvironmentGen {
  /** In dependency order: a service depends only on services before it. */
  readonly services: readonly ServiceGen[];
  /** The value of the secret `token` (used only when a service mounts it). */
  readonly secretValue: string;
  /** A second network `back` (null: none); changing `internal` changes its config. */
  readonly back: { readonly internal: boolean } | null;
}

function serviceArb(name: string, earlier: readonly string[]): fc.Arbitrary<ServiceGen> {
  const dependency = (service: string): fc.Arbitrary<DependencyGen> =>
    fc.record({ service: fc.constant(service), condition: fc.constantFrom(...CONDITIONS), restart: fc.boolean(), required: fc.boolean() });
  return fc.record({
    name: fc.constant(name),
    image: fc.constantFrom(...IMAGES),
    environment: fc.dictionary(fc.constantFrom(...ENV_KEYS), fc.constantFrom(...ENV_VALUES), { maxKeys: 3 }),
    replicas: fc.integer({ min: 1, max: 3 }),
    restart: fc.constantFrom(...RESTARTS),
    dependsOn: fc.subarray([...earlier]).chain((deps): fc.Arbitrary<readonly DependencyGen[]> => (deps.length === 0 ? fc.constant([]) : fc.tuple(...deps.map(dependency)))),
    volume: fc.boolean(),
    secret: fc.boolean(),
    healthcheck: fc.boolean(),
    back: fc.boolean(),
  });
}

/** 1–5 services with random images, environment, replicas and an acyclic depends_on. */
export const environmentArb: fc.Arbitrary<EnvironmentGen> = fc
  .shuffledSubarray([...SERVICE_NAMES], { minLength: 1, maxLength: 5 })
  .chain((names) =>
    fc.record({
      services: fc.tuple(...names.map((name, index) => serviceArb(name, names.slice(0, index)))),
      secretValue: fc.constantFrom('token-v1', 'token-v2'),
      back: fc.option(fc.record({ internal: fc.boolean() }), { nil: null }),
    }),
  );

/** The same environment with some services changed (image, environment, replicas) or dropped, and maybe a rotated secret. */
export function tweakArb(base: EnvironmentGen): fc.Arbitrary<EnvironmentGen> {
  const tweaks = base.services.map(() =>
    fc.record({
      image: fc.option(fc.constantFrom(...IMAGES), { nil: undefined }),
      replicas: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      environmentValue: fc.option(fc.constantFrom(...ENV_VALUES), { nil: undefined }),
      drop: fc.boolean(),
    }),
  );
  const back = fc.constantFrom(base.back, null, { internal: true }, { internal: false });
  return fc.record({ tweaks: fc.tuple(...tweaks), secretValue: fc.constantFrom('token-v1', 'token-v2'), back }).map(({ tweaks: chosen, secretValue, back: network }) => {
    const dropped = new Set(base.services.filter((s, i) => chosen[i]!.drop && i > 0).map((s) => s.name));
    const services = base.services
      .filter((s) => !dropped.has(s.name))
      .map((s) => {
        const t = chosen[base.services.indexOf(s)]!;
        return {
          ...s,
          image: t.image ?? s.image,
          replicas: t.replicas ?? s.replicas,
          environment: t.environmentValue === undefined ? s.environment : { ...s.environment, LOG_LEVEL: t.environmentValue },
          dependsOn: s.dependsOn.filter((d) => !dropped.has(d.service)),
        };
      });
    return { services, secretValue, back: network };
  });
}

/** Compose YAML for a generated environment. */
export function composeYaml(env: EnvironmentGen): string {
  const services: Record<string, unknown> = {};
  // Waiting for a service to be healthy needs it to have a health check (PHX-DEPENDS-ON-NO-HEALTHCHECK).
  const awaitedHealthy = new Set(env.services.flatMap((s) => s.dependsOn.filter((d) => d.condition === 'service_healthy').map((d) => d.service)));
  for (const s of env.services) {
    const service: Record<string, unknown> = { image: s.image, restart: s.restart };
    if (Object.keys(s.environment).length > 0) service.environment = s.environment;
    if (s.replicas !== 1) service.deploy = { replicas: s.replicas };
    if (s.dependsOn.length > 0) service.depends_on = Object.fromEntries(s.dependsOn.map((d) => [d.service, { condition: d.condition, restart: d.restart, required: d.required }]));
    if (s.back && env.back !== null) service.networks = ['default', 'back'];
    if (s.volume) service.volumes = ['data:/data'];
    if (s.secret) service.secrets = ['token'];
    if (s.healthcheck || awaitedHealthy.has(s.name)) service.healthcheck = { test: ['CMD', 'true'], interval: '5s' };
    services[s.name] = service;
  }
  const doc: Record<string, unknown> = { services };
  if (env.back !== null) doc.networks = { back: { internal: env.back.internal } };
  if (env.services.some((s) => s.volume)) doc.volumes = { data: null };
  if (env.services.some((s) => s.secret)) doc.secrets = { token: { environment: 'TOKEN' } };
  return YAML.stringify(doc);
}

const loaded = new Map<string, DesiredState>();

/** The desired state of a generated environment, through the real loader (memoised: shrinking loads the same text many times). */
export function desiredOf(env: EnvironmentGen): DesiredState {
  const text = composeYaml(env);
  const key = `${env.secretValue}\0${text}`;
  let desired = loaded.get(key);
  if (desired === undefined) {
    desired = desiredFrom(text, { processEnv: { TOKEN: env.secretValue } });
    if (loaded.size > 2000) loaded.clear();
    loaded.set(key, desired);
  }
  return desired;
}

export type ContainerMutation = 'keep' | 'missing' | 'exited-0' | 'exited-1' | 'exited-143' | 'created' | 'dead' | 'wrong-hash' | 'stale-image';

export interface ObservedMutations {
  /** Applied to the converged containers in order (cycled). */
  readonly containers: readonly ContainerMutation[];
  /** Image references whose tag now points at a newly pulled image. */
  readonly pulled: readonly string[];
  /** Containers nobody owns, under names the environment never wants. */
  readonly foreign: readonly string[];
  /** podman-compose containers of the project (service, number). */
  readonly compose: readonly { readonly service: string; readonly number: number }[];
  /** Drop the owned volume / network / secret objects from the snapshot. */
  readonly dropResources: boolean;
}

export const mutationsArb: fc.Arbitrary<ObservedMutations> = fc.record({
  containers: fc.array(fc.constantFrom<ContainerMutation>('keep', 'keep', 'keep', 'missing', 'exited-0', 'exited-1', 'exited-143', 'created', 'dead', 'wrong-hash', 'stale-image'), { minLength: 1, maxLength: 16 }),
  pulled: fc.subarray([...IMAGES], { maxLength: 2 }),
  foreign: fc.subarray(['postgres-by-hand', 'app-test-web', 'other-test-web-1', 'toolbox'], { maxLength: 2 }),
  compose: fc.array(fc.record({ service: fc.constantFrom(...SERVICE_NAMES), number: fc.integer({ min: 1, max: 3 }) }), { maxLength: 2 }),
  dropResources: fc.boolean(),
});

/**
 * An observed state: `base` converged, then mutated (containers missing, stopped, crashed,
 * dead, with a wrong hash or an older image; tags re-pulled; unrelated foreign containers;
 * podman-compose containers of the project).
 */
export function mutatedObserved(base: DesiredState, m: ObservedMutations): ObservedState {
  const converged = observedFromDesired(base);
  const containers: ObservedContainer[] = [];
  converged.containers.forEach((c, index) => {
    const mutation = m.containers[index % m.containers.length]!;
    switch (mutation) {
      case 'keep':
        return void containers.push(c);
      case 'missing':
        return;
      case 'exited-0':
        return void containers.push({ ...c, state: 'exited', exitCode: 0, health: 'none' });
      case 'exited-1':
        return void containers.push({ ...c, state: 'exited', exitCode: 1, health: 'none' });
      case 'exited-143':
        return void containers.push({ ...c, state: 'exited', exitCode: 143, health: 'none' });
      case 'created':
        return void containers.push({ ...c, state: 'created', exitCode: null, startedAt: null, health: 'none' });
      case 'dead':
        return void containers.push({ ...c, state: 'dead', exitCode: 137 });
      case 'wrong-hash':
        return void containers.push({ ...c, labels: { ...c.labels, [LABEL.configHash]: 'tampered' } });
      case 'stale-image':
        return void containers.push({ ...c, imageId: 'sha256:0000000000000000000000000000000000000000000000000000000000000000' });
    }
  });
  for (const name of m.foreign) containers.push(foreignContainer(name, {}));
  m.compose.forEach(({ service, number }) => {
    containers.push(foreignContainer(`${base.project}_${service}_${number}`, { [COMPOSE_LABEL.project]: base.project, [COMPOSE_LABEL.service]: service, [COMPOSE_LABEL.containerNumber]: String(number) }));
  });
  const images: Record<string, string | null> = { ...converged.images };
  for (const ref of m.pulled) images[ref] = modelImageId(`${ref}@pulled-later`);
  return {
    containers: dedupeByName(containers),
    networks: m.dropResources ? [] : converged.networks,
    volumes: m.dropResources ? [] : converged.volumes,
    secrets: m.dropResources ? [] : converged.secrets,
    images,
  };
}

function dedupeByName(containers: readonly ObservedContainer[]): ObservedContainer[] {
  const seen = new Set<string>();
  return containers.filter((c) => (seen.has(c.name) ? false : (seen.add(c.name), true)));
}

/** A container Phoenix does not own. */
export function foreignContainer(name: string, labels: Readonly<Record<string, string>>): ObservedContainer {
  return { id: `foreign-${name}`, name, labels, state: 'running', exitCode: null, image: 'busybox:1', imageId: modelImageId('busybox:1'), startedAt: 'earlier', health: 'none', restartCount: 0 };
}

/**
 * A random order in which a concurrent executor could run the plan: any action whose
 * dependencies are done may go next; `priorities` decides which.
 */
export function topologicalOrder(plan: Plan, priorities: readonly number[]): number[] {
  const done = new Set<number>();
  const order: number[] = [];
  const left = [...plan.actions];
  while (left.length > 0) {
    const ready = left.filter((a) => a.dependsOn.every((d) => done.has(d)));
    if (ready.length === 0) throw new Error('plan has a dependency cycle or a dangling dependency');
    const priority = (id: number): number => priorities[id % Math.max(1, priorities.length)] ?? 0;
    ready.sort((a, b) => priority(b.id) - priority(a.id) || a.id - b.id);
    const next = ready[0]!;
    order.push(next.id);
    done.add(next.id);
    left.splice(left.indexOf(next), 1);
  }
  return order;
}
