import { createHash } from 'node:crypto';
import type { ContainerSpec, DesiredState } from '../../src/model/desired.js';
import { LABEL } from '../../src/model/desired.js';
import { digestOf } from '../../src/model/hash.js';
import type { ObservedContainer, ObservedState } from '../../src/model/observed.js';
import type { Action, Plan } from '../../src/plan/actions.js';

/**
 * TEST DOUBLE — a pure, in-memory model of Podman for planner tests. It is not Podman and
 * proves nothing about Podman: it only lets a test ask "if every action of this plan
 * succeeded, what would the next observation look like?", so that properties such as
 * convergence in one step can be checked without a container engine.
 *
 * It is deliberately strict: an action Podman would refuse (creating a name that is taken,
 * removing something that is absent or still in use, creating a container whose network or
 * secret does not exist yet, starting a container before the starts of its dependencies)
 * throws a {@link ModelError}, so that a plan in a wrong order fails the test instead of
 * silently "working".
 *
 * Semantics chosen (Podman's, simplified):
 * - `container.create`: a new container in state `created`, labels = the intent's labels,
 *   imageId = `observed.images[spec.image]` (or `sha256:unknown` when the image is absent).
 * - `container.recreate`: the original (by id) disappears; a new container with a new id
 *   and the intent's name and labels is `created` (the following start action starts it).
 * - `container.start`: `running`, exit code null, healthy when it has a health check.
 * - `container.stop`: `exited` with exit code 143 (128 + SIGTERM), as a process killed by
 *   the stop signal reports it — not 0, so a stopped one-shot is not mistaken for a completed one.
 * - `container.remove`: gone (by id; the name must match).
 * - network/volume/secret create: present with the desired labels; remove: gone, refused
 *   while a container still uses it (known from the `io.phoenix.applied-spec` label).
 */
export class ModelError extends Error {
  constructor(
    readonly action: Action,
    message: string,
  ) {
    super(`#${action.id} ${action.kind}: ${message}`);
    this.name = 'ModelError';
  }
}

/** Options for {@link applyPlanToModel}. */
export interface ApplyOptions {
  /**
   * Order to run the actions in, as action ids: any order that respects `dependsOn` is one
   * a concurrent executor could produce. Default: the plan's own order.
   */
  readonly order?: readonly number[];
}

/** The resources a container uses, read back from its applied-spec label (unknown for foreign containers). */
function usage(container: ObservedContainer): { networks: string[]; volumes: string[]; secrets: string[] } {
  const text = container.labels[LABEL.appliedSpec];
  if (text === undefined) return { networks: [], volumes: [], secrets: [] };
  const spec = JSON.parse(text) as ContainerSpec;
  return {
    networks: spec.networks.map((n) => n.network),
    volumes: spec.mounts.flatMap((m) => (m.type === 'volume' ? [m.source] : [])),
    secrets: [...spec.secrets, ...(spec.configs ?? [])].map((s) => s.podmanName),
  };
}

/** A stable, unique-enough id for a new object: derived from what makes it (and the state it is made in), not from a clock. */
function newId(kind: string, name: string, salt: string): string {
  return createHash('sha256').update(`${kind}\0${name}\0${salt}`).digest('hex').slice(0, 16);
}

/**
 * TEST DOUBLE: simulates a plan's actions on an observed state, as if every one succeeded
 * (see {@link ModelError} for the semantics). Pure: returns a new state.
 */
export function applyPlanToModel(observed: ObservedState, plan: Plan, options: ApplyOptions = {}): ObservedState {
  const byId = new Map(plan.actions.map((a) => [a.id, a]));
  const order = options.order ?? plan.actions.map((a) => a.id);
  if (order.length !== plan.actions.length || new Set(order).size !== order.length || order.some((id) => !byId.has(id))) {
    throw new Error('applyPlanToModel: order must list every action id exactly once');
  }
  let containers = [...observed.containers];
  let networks = [...observed.networks];
  let volumes = [...observed.volumes];
  let secrets = [...observed.secrets];
  const done = new Set<number>();
  // Containers whose start is planned: a dependant's start must not run before these.
  const pendingStarts = new Set(plan.actions.flatMap((a) => (a.kind === 'container.start' ? [a.name] : [])));
  // Ids differ from every earlier application's: the salt covers the state applied to.
  const epoch = digestOf(observed);
  let serial = 0;
  const fresh = (kind: string, name: string): string => newId(kind, name, `${epoch}:${++serial}`);

  const containerNamed = (name: string): ObservedContainer | undefined => containers.find((c) => c.name === name);
  const requireFree = (action: Action, type: string, taken: boolean, name: string): void => {
    if (taken) throw new ModelError(action, `${type} name ${name} is already in use`);
  };
  const makeContainer = (action: Action & { kind: 'container.create' | 'container.recreate' }): ObservedContainer => {
    const { container } = action;
    for (const n of container.spec.networks) if (!networks.some((x) => x.name === n.network)) throw new ModelError(action, `network ${n.network} does not exist`);
    for (const m of container.spec.mounts) if (m.type === 'volume' && !volumes.some((v) => v.name === m.source)) throw new ModelError(action, `volume ${m.source} does not exist`);
    for (const s of [...container.spec.secrets, ...(container.spec.configs ?? [])]) if (!secrets.some((x) => x.name === s.podmanName)) throw new ModelError(action, `secret ${s.podmanName} does not exist`);
    return {
      id: fresh('container', container.name),
      name: container.name,
      labels: { ...container.labels },
      state: 'created',
      exitCode: null,
      image: container.spec.image,
      imageId: observed.images[container.spec.image] ?? 'sha256:unknown',
      startedAt: null,
      health: 'none',
      restartCount: 0,
    };
  };
  const inUse = (action: Action, type: 'networks' | 'volumes' | 'secrets', name: string): void => {
    const user = containers.find((c) => usage(c)[type].includes(name));
    if (user !== undefined) throw new ModelError(action, `${name} is in use by container ${user.name}`);
  };

  for (const id of order) {
    const action = byId.get(id)!;
    const missing = action.dependsOn.filter((dep) => !done.has(dep));
    if (missing.length > 0) throw new Error(`applyPlanToModel: order runs #${id} before its dependencies ${missing.join(',')}`);
    switch (action.kind) {
      case 'network.create':
        requireFree(action, 'network', networks.some((n) => n.name === action.network.podmanName), action.network.podmanName);
        networks.push({ id: fresh('network', action.network.podmanName), name: action.network.podmanName, labels: { ...action.network.labels } });
        break;
      case 'network.remove':
        if (!networks.some((n) => n.name === action.name)) throw new ModelError(action, `network ${action.name} does not exist`);
        inUse(action, 'networks', action.name);
        networks = networks.filter((n) => n.name !== action.name);
        break;
      case 'volume.create':
        requireFree(action, 'volume', volumes.some((v) => v.name === action.volume.podmanName), action.volume.podmanName);
        volumes.push({ name: action.volume.podmanName, labels: { ...action.volume.labels } });
        break;
      case 'volume.remove':
        if (!volumes.some((v) => v.name === action.name)) throw new ModelError(action, `volume ${action.name} does not exist`);
        inUse(action, 'volumes', action.name);
        volumes = volumes.filter((v) => v.name !== action.name);
        break;
      case 'secret.create':
        requireFree(action, 'secret', secrets.some((s) => s.name === action.secret.podmanName), action.secret.podmanName);
        secrets.push({ id: fresh('secret', action.secret.podmanName), name: action.secret.podmanName, labels: { ...action.secret.labels } });
        break;
      case 'secret.remove':
        if (!secrets.some((s) => s.name === action.name)) throw new ModelError(action, `secret ${action.name} does not exist`);
        inUse(action, 'secrets', action.name);
        secrets = secrets.filter((s) => s.name !== action.name);
        break;
      case 'container.create':
        requireFree(action, 'container', containerNamed(action.container.name) !== undefined, action.container.name);
        containers.push(makeContainer(action));
        break;
      case 'container.recreate': {
        const original = containers.find((c) => c.id === action.replaces.id);
        if (original === undefined || original.name !== action.replaces.name) throw new ModelError(action, `container ${action.replaces.name} (${action.replaces.id}) does not exist`);
        if (action.container.name !== original.name) requireFree(action, 'container', containerNamed(action.container.name) !== undefined, action.container.name);
        // Replacement made first (under a temporary name), then the original goes, then the rename.
        const replacement = makeContainer(action);
        containers = [...containers.filter((c) => c.id !== original.id), replacement];
        break;
      }
      case 'container.start': {
        const found = containerNamed(action.name);
        if (found === undefined) throw new ModelError(action, `container ${action.name} does not exist`);
        if (found.state === 'running') throw new ModelError(action, `container ${action.name} is already running`);
        for (const wait of action.awaits) {
          for (const name of wait.containers) if (pendingStarts.has(name)) throw new ModelError(action, `starts before its dependency ${name} was started`);
        }
        const hasHealthcheck = (usageSpec(found)?.healthcheck ?? null) !== null;
        containers = containers.map((c) => (c === found ? { ...c, state: 'running', exitCode: null, startedAt: `started-by-action-${action.id}`, health: hasHealthcheck ? 'healthy' : 'none' } : c));
        pendingStarts.delete(action.name);
        break;
      }
      case 'container.stop': {
        const found = containerNamed(action.name);
        if (found === undefined) throw new ModelError(action, `container ${action.name} does not exist`);
        containers = containers.map((c) => (c === found ? { ...c, state: 'exited', exitCode: 143, health: 'none' } : c));
        break;
      }
      case 'container.remove': {
        const found = containers.find((c) => c.id === action.containerId);
        if (found === undefined || found.name !== action.name) throw new ModelError(action, `container ${action.name} (${action.containerId}) does not exist`);
        containers = containers.filter((c) => c !== found);
        break;
      }
    }
    done.add(id);
  }
  return { containers, networks, volumes, secrets, images: { ...observed.images } };
}

function usageSpec(container: ObservedContainer): ContainerSpec | null {
  const text = container.labels[LABEL.appliedSpec];
  return text === undefined ? null : (JSON.parse(text) as ContainerSpec);
}

/** The image id the model gives an image reference: fixed, so goldens are stable. */
export function modelImageId(reference: string): string {
  return `sha256:${createHash('sha256').update(reference).digest('hex')}`;
}

/** Options for {@link observedFromDesired}. */
export interface ConvergedOptions {
  /** Image ids behind the references; default {@link modelImageId} of each. */
  readonly images?: Readonly<Record<string, string>>;
}

/**
 * TEST DOUBLE: the snapshot Podman would give once `desired` is fully applied: every owned
 * network, volume and secret present with its labels, every replica running with its
 * service's labels and the current image, external objects present (and not owned).
 */
export function observedFromDesired(desired: DesiredState, options: ConvergedOptions = {}): ObservedState {
  const images: Record<string, string> = {};
  for (const service of desired.services) images[service.spec.image] = options.images?.[service.spec.image] ?? modelImageId(service.spec.image);
  const containers: ObservedContainer[] = desired.services.flatMap((service) =>
    service.containerNames.map((name, index) => ({
      id: newId('container', name, 'converged'),
      name,
      labels: { ...service.ownerLabels, [LABEL.replica]: String(index + 1) },
      state: 'running' as const,
      exitCode: null,
      image: service.spec.image,
      imageId: images[service.spec.image]!,
      startedAt: 'converged',
      health: service.spec.healthcheck === null ? ('none' as const) : ('healthy' as const),
      restartCount: 0,
    })),
  );
  return {
    containers,
    networks: desired.networks.map((n) => ({ id: newId('network', n.podmanName, 'converged'), name: n.podmanName, labels: n.external ? {} : { ...n.labels } })),
    volumes: desired.volumes.map((v) => ({ name: v.podmanName, labels: v.external ? {} : { ...v.labels } })),
    secrets: desired.secrets.map((s) => ({ id: newId('secret', s.podmanName, 'converged'), name: s.podmanName, labels: s.external ? {} : { ...s.labels } })),
    images,
  };
}
