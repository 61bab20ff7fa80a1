import type { ContainerSpec, DesiredNetwork, DesiredSecret, DesiredService, DesiredState } from '../model/desired.js';
import { containersByNetwork } from '../model/network-capacity.js';
import { COMPOSE_LABEL, LABEL } from '../model/desired.js';
import type { ObservedContainer, ObservedState } from '../model/observed.js';
import type { Result } from '../model/result.js';
import { fail, ok } from '../model/result.js';
import type { Action, ContainerIntent, DependencyWait, FieldChange, Plan, PlanIssue, PlanSummary, PlanWarning } from './actions.js';
import { PLAN_FORMAT_VERSION } from './actions.js';
import { diffSpecs, summariseChanges } from './field-diff.js';
import { observedFingerprint } from './fingerprint.js';
import type { PendingAction } from './order.js';
import { orderActions } from './order.js';
import { planImages } from './image-plan.js';
import { sizeNetwork, undersizedWarning } from './network-sizing.js';
import type { ImagePlanOptions } from './image-plan.js';
import { keyChangedMessage, keyChangedRemediation, rekeyedSecrets } from './secret-key-guard.js';
import type { SecretKeyGuard } from './secret-key-guard.js';

/** Choices that change what a plan may do. */
export interface PlanOptions extends ImagePlanOptions {
  /** Remove owned objects the manifests no longer declare; defaults to the environment's policy. */
  readonly prune?: boolean;
  /** Named volumes are removed only when this is true, even when pruning. */
  readonly removeVolumes?: boolean;
  /** Take over containers and objects that hold a wanted name but Phoenix does not own (podman-compose's, say). */
  readonly adopt?: boolean;
  /** Git revision to record on every container the plan creates. */
  readonly revision?: string;
  /**
   * Running containers to restart (stop, then start): watch mode's health monitor names the
   * unhealthy ones its restart policy allows to restart now.
   */
  readonly restart?: readonly string[];
  /**
   * Services whose stopped containers must not be started now: watch mode's restart policy
   * holds a crash-looping service, or one still in its backoff. Creations and recreations
   * (a changed manifest) are not held.
   */
  readonly hold?: readonly string[];
  /**
   * The plan takes the whole environment down (`phoenix down`): removals say so, rather than
   * blaming manifests that still declare what is removed.
   */
  readonly teardown?: boolean;
  /** Also remove the containers of one-off jobs (`phoenix run`), which plans otherwise leave alone: `down` does. */
  readonly removeOneOffs?: boolean;
  /**
   * Refuse (PHX-SECRET-KEY-CHANGED) a plan whose secret-digest key is not the one Podman's
   * secrets were made with, unless `rekey` (secret-key-guard.ts). plan, apply and watch set it;
   * commands that create no secret leave it out.
   */
  readonly secretKey?: SecretKeyGuard;
}

/** The suffix of the temporary name a replacement container is created under (src/apply/recreate.ts). */
const REPLACEMENT_SUFFIX = '-next';

/** Default seconds to wait for a container Phoenix no longer knows the spec of. */
const DEFAULT_STOP_TIMEOUT = 10;

/**
 * Decides what must happen for Podman to match the desired state: a pure function of its
 * inputs (no I/O, no clock), so it is deterministic and testable without Podman.
 * Fails only when a wanted name is held by an object Phoenix does not own (and adoption was
 * not asked for), or an external object is missing.
 */
export function plan(desired: DesiredState, observed: ObservedState, options: PlanOptions = {}): Result<Plan, PlanIssue> {
  return new Planner(desired, observed, options).run();
}

class Planner {
  private readonly pending: PendingAction[] = [];
  /** The same actions by key, and the containers any action touches: lookups stay O(1) at 10k replicas. */
  private readonly pendingByKey = new Map<string, PendingAction>();
  private readonly containersWithActions = new Set<string>();
  private readonly observedByName: ReadonlyMap<string, ObservedContainer>;
  private readonly observedById: ReadonlyMap<string, ObservedContainer>;
  private readonly servicesByName: ReadonlyMap<string, DesiredService>;
  private kept: ObservedContainer[] | null = null;
  private readonly issues: PlanIssue[] = [];
  private readonly warnings: PlanWarning[] = [];
  private readonly prune: boolean;
  /** Declared services left out by their profiles: their containers are not touched. */
  private readonly inactiveServices: ReadonlySet<string>;
  /** Services stopped with `phoenix stop` (service -> since when): never started, running ones stopped. */
  private readonly stoppedServices: Readonly<Record<string, string>>;
  private readonly networkCreateKeys = new Map<string, string>();
  /** The containers that join each network, for sizing the networks Phoenix creates. */
  private readonly networkLoads: ReturnType<typeof containersByNetwork>;
  private readonly volumeCreateKeys = new Map<string, string>();
  private readonly secretCreateKeys = new Map<string, string>();
  /** Networks whose config changed: they are removed and created again, so their containers are too. */
  private readonly replacedNetworks = new Set<string>();
  /** Keys of actions after which a container no longer holds its old secrets, networks or volumes. */
  private readonly containerTeardownKeys: string[] = [];
  private readonly startKeys = new Map<string, string[]>();
  private readonly recreateKeys = new Map<string, string[]>();
  /** The build or pull each image reference waits for, and why rebuilt images are rebuilt. */
  private imageKeys: ReadonlyMap<string, string> = new Map();
  private rebuiltImages: ReadonlyMap<string, string> = new Map();

  constructor(
    private readonly desired: DesiredState,
    private readonly observed: ObservedState,
    private readonly options: PlanOptions,
  ) {
    this.prune = options.prune ?? desired.policy.prune;
    this.inactiveServices = new Set(desired.inactiveServices ?? []);
    this.stoppedServices = observed.stoppedServices ?? {};
    this.networkLoads = containersByNetwork(desired);
    this.observedByName = new Map(observed.containers.map((c) => [c.name, c]));
    this.observedById = new Map(observed.containers.map((c) => [c.id, c]));
    this.servicesByName = new Map(desired.services.map((s) => [s.name, s]));
  }

  run(): Result<Plan, PlanIssue> {
    const images = planImages(this.desired, this.observed, this.options, this.desired.policy.insecureRegistries ?? []);
    for (const pending of images.pending) this.track(pending);
    this.issues.push(...images.issues);
    this.imageKeys = images.keys;
    this.rebuiltImages = images.rebuilt;
    this.planNetworks();
    this.planVolumes();
    this.planSecrets();
    for (const service of this.desired.services) this.planService(service);
    this.planDependentRestarts();
    this.planContainerRemovals();
    this.planResourceRemovals();
    if (this.issues.length > 0) return fail(this.issues);
    const actions = orderActions(this.pending);
    return ok({
      formatVersion: PLAN_FORMAT_VERSION,
      project: this.desired.project,
      environment: this.desired.environment,
      actions,
      warnings: this.warnings,
      summary: summarise(actions),
      observedFingerprint: observedFingerprint(this.desired, this.observed),
    });
  }

  private add(key: string, action: PendingAction['action'], after: Iterable<string> = []): string {
    this.track({ key, action, after: new Set(after) });
    return key;
  }

  private track(pending: PendingAction): void {
    this.pending.push(pending);
    this.pendingByKey.set(pending.key, pending);
    if (pending.key.startsWith('container:')) this.containersWithActions.add(pending.key.slice('container:'.length, pending.key.lastIndexOf(':')));
  }

  private owns(labels: Readonly<Record<string, string>>): boolean {
    return labels[LABEL.project] === this.desired.project && labels[LABEL.environment] === this.desired.environment;
  }

  private planNetworks(): void {
    for (const network of this.desired.networks) {
      const found = this.observed.networks.find((n) => n.name === network.podmanName);
      if (network.external) {
        if (found === undefined) this.missingExternal('network', network.podmanName, `podman network create ${network.podmanName}`);
        continue;
      }
      if (found === undefined) {
        const sized = this.sized(network);
        this.networkCreateKeys.set(network.podmanName, this.add(`network:${network.podmanName}:create`, { kind: 'network.create', cause: 'declared in the manifests and not present', network: sized }));
      } else if (!this.owns(found.labels)) {
        if (this.options.adopt === true) this.warnings.push({ resource: { type: 'network', name: found.name }, message: 'adopted as it is: Phoenix uses it but will never change or remove it' });
        else this.conflict('network', found.name);
      } else if (found.labels[LABEL.configHash] !== network.configHash) {
        // Fix: a container kept because prune is off still holds the network, so `podman
        // network rm` would fail halfway through the plan (after the other containers on it
        // were removed). Leave the network as it is and say why, as for a changed volume.
        const holders = this.keptContainers().filter((c) => appliedNetworks(c).includes(network.podmanName));
        if (holders.length > 0) {
          this.warnings.push({ resource: { type: 'network', name: found.name }, message: `its driver, subnets or options differ from the manifests, but it cannot be created again while still used by ${holders.map((c) => c.name).join(', ')} (${this.keptBecause(holders)}); remove those containers or plan with prune to apply the change` });
          continue;
        }
        this.replacedNetworks.add(network.podmanName);
        const removeKey = this.add(`network:${network.podmanName}:remove`, { kind: 'network.remove', cause: 'its driver, subnets or options changed: it is created again', name: network.podmanName });
        this.networkCreateKeys.set(
          network.podmanName,
          this.add(`network:${network.podmanName}:create`, { kind: 'network.create', cause: 'its driver, subnets or options changed', network: this.sized(network) }, [removeKey]),
        );
      } else {
        const warning = undersizedWarning(network, found, this.networkLoads.get(network.podmanName));
        if (warning !== null) this.warnings.push({ resource: { type: 'network', name: found.name }, message: warning });
      }
    }
  }

  /** The network to create, sized for the containers that join it (see network-sizing.ts). */
  private sized(network: DesiredNetwork): DesiredNetwork {
    const taken = this.observed.networks.flatMap((n) => n.subnets ?? []);
    const { network: sized, warning } = sizeNetwork(network, this.networkLoads.get(network.podmanName), taken);
    if (warning !== null) this.warnings.push({ resource: { type: 'network', name: network.podmanName }, message: warning });
    return sized;
  }

  private planVolumes(): void {
    for (const volume of this.desired.volumes) {
      const found = this.observed.volumes.find((v) => v.name === volume.podmanName);
      if (volume.external) {
        if (found === undefined) this.missingExternal('volume', volume.podmanName, `podman volume create ${volume.podmanName}`);
        continue;
      }
      if (found === undefined) {
        this.volumeCreateKeys.set(volume.podmanName, this.add(`volume:${volume.podmanName}:create`, { kind: 'volume.create', cause: 'declared in the manifests and not present', volume }));
      } else if (!this.owns(found.labels)) {
        if (this.options.adopt === true) this.warnings.push({ resource: { type: 'volume', name: found.name }, message: 'adopted as it is, with its data: Phoenix uses it but will never remove it' });
        else this.conflict('volume', found.name);
      } else if (found.labels[LABEL.configHash] !== volume.configHash) {
        this.warnings.push({ resource: { type: 'volume', name: found.name }, message: 'its driver or options differ from the manifests; Phoenix never recreates a volume (its data would be lost): remove it yourself to apply the change' });
      }
    }
  }

  private planSecrets(): void {
    const rekeyed = this.options.secretKey === undefined ? [] : rekeyedSecrets(this.desired.secrets, this.observed.secrets, (labels) => this.owns(labels));
    const rekeyedNames = new Set(rekeyed.map((r) => r.secret.name));
    if (rekeyed.length > 0 && this.options.secretKey !== undefined) {
      const guard = this.options.secretKey;
      const message = keyChangedMessage(this.desired.project, this.desired.environment, rekeyed, guard);
      const resource = { type: 'secret' as const, name: rekeyed[0]!.secret.podmanName };
      if (!guard.rekey) {
        this.issues.push({ code: 'PHX-SECRET-KEY-CHANGED', resource, message: `${message[0]!.toUpperCase()}${message.slice(1)}`, remediation: keyChangedRemediation(guard) });
        return;
      }
      this.warnings.push({ resource, message: `--rekey: ${message.replace(/: with it every.*$/, '')}; they get new versions under this key and the containers using them are recreated.` });
    }
    for (const secret of this.desired.secrets) {
      const found = this.observed.secrets.find((s) => s.name === secret.podmanName);
      if (secret.external) {
        if (found === undefined) this.missingExternal('secret', secret.podmanName, `printf %s "$VALUE" | podman secret create ${secret.podmanName} -`);
        continue;
      }
      if (found === undefined) {
        const rotated = this.observed.secrets.some((s) => this.owns(s.labels) && logicalKey(s.labels) === desiredKey(secret));
        this.secretCreateKeys.set(
          secret.podmanName,
          this.add(`secret:${secret.podmanName}:create`, { kind: 'secret.create', cause: rekeyedNames.has(secret.name) && secret.config !== true ? `new version of secret "${secret.name}": the secret-digest key changed (--rekey)` : rotated ? `new version of ${noun(secret)} "${secret.name}": its content changed` : 'declared in the manifests and not present', secret }),
        );
      } else if (!this.owns(found.labels)) {
        this.conflict('secret', found.name);
      }
    }
  }

  private intent(service: DesiredService, replica: number): ContainerIntent {
    const name = service.containerNames[replica - 1]!;
    const labels = { ...service.ownerLabels, [LABEL.replica]: String(replica), ...(this.options.revision === undefined ? {} : { [LABEL.revision]: this.options.revision }) };
    return { name, service: service.name, replica, spec: service.spec, labels };
  }

  /** Keys of the resource creations a container needs first. */
  private resourceKeys(service: DesiredService): string[] {
    const keys: string[] = [...optionalKey(this.imageKeys.get(service.spec.image))];
    for (const attachment of service.spec.networks) keys.push(...optionalKey(this.networkCreateKeys.get(attachment.network)));
    for (const mount of service.spec.mounts) if (mount.type === 'volume') keys.push(...optionalKey(this.volumeCreateKeys.get(mount.source)));
    for (const secret of service.spec.secrets) keys.push(...optionalKey(this.secretCreateKeys.get(secret.podmanName)));
    for (const config of service.spec.configs ?? []) keys.push(...optionalKey(this.secretCreateKeys.get(config.podmanName)));
    return keys;
  }

  private planService(service: DesiredService): void {
    const starts: string[] = [];
    const recreates: string[] = [];
    this.startKeys.set(service.name, starts);
    this.recreateKeys.set(service.name, recreates);
    const needs = this.resourceKeys(service);
    const onReplacedNetwork = service.spec.networks.some((n) => this.replacedNetworks.has(n.network));
    for (let replica = 1; replica <= service.replicas; replica++) {
      const intent = this.intent(service, replica);
      const found = this.observedByName.get(intent.name);
      const startAfter: string[] = [];
      let needsStart = false;
      let startCause = '';
      if (found === undefined) {
        const adoptee = this.options.adopt === true ? this.composeContainer(service.name, replica) : undefined;
        const createKey = this.add(`container:${intent.name}:create`, { kind: 'container.create', cause: adoptee === undefined ? 'declared in the manifests and not present' : `takes over from ${adoptee.name} (adopted from Compose)`, container: intent }, needs);
        startAfter.push(createKey);
        if (adoptee !== undefined) {
          this.warnComposeVolumes(service);
          const removeKey = this.add(`container:${adoptee.name}:remove`, { kind: 'container.remove', cause: `replaced by ${intent.name} (adopted from Compose)`, name: adoptee.name, containerId: adoptee.id, service: service.name, timeoutSeconds: service.spec.stopGracePeriodSeconds }, [createKey]);
          startAfter.push(removeKey);
          this.containerTeardownKeys.push(removeKey);
        }
        needsStart = true;
        startCause = 'created';
      } else if (!this.owns(found.labels) && this.options.adopt !== true) {
        this.conflict('container', found.name);
        continue;
      } else if (onReplacedNetwork && this.owns(found.labels)) {
        const removeKey = this.add(`container:${found.name}:remove`, { kind: 'container.remove', cause: 'its network is created again', name: found.name, containerId: found.id, service: service.name, timeoutSeconds: service.spec.stopGracePeriodSeconds });
        this.containerTeardownKeys.push(removeKey);
        for (const n of service.spec.networks) this.pendingByKey.get(`network:${n.network}:remove`)?.after.add(removeKey);
        const createKey = this.add(`container:${intent.name}:create`, { kind: 'container.create', cause: 'its network is created again', container: intent }, [...needs, removeKey]);
        startAfter.push(createKey);
        // Fix: removed and created again is a recreation too: dependants with `restart: true` follow.
        recreates.push(createKey);
        needsStart = true;
        startCause = 'created';
      } else {
        const reason = this.recreateReason(found, service);
        if (reason !== null) {
          const recreateKey = this.add(
            `container:${intent.name}:recreate`,
            { kind: 'container.recreate', cause: reason.cause, container: intent, replaces: { id: found.id, name: found.name, timeoutSeconds: stopTimeout(found) }, changes: reason.changes },
            needs,
          );
          recreates.push(recreateKey);
          this.containerTeardownKeys.push(recreateKey);
          startAfter.push(recreateKey);
          needsStart = true;
          startCause = 'recreated';
        } else if (this.stoppedServices[service.name] !== undefined) {
          const since = this.stoppedServices[service.name]!;
          // An operator's `phoenix stop` is desired state: a container started behind its back (podman start) is stopped again.
          if (found.state === 'running' || found.state === 'restarting') {
            this.add(`container:${found.name}:stop`, { kind: 'container.stop', cause: `stopped with phoenix stop (since ${since}); phoenix start resumes it`, name: found.name, service: service.name, timeoutSeconds: service.spec.stopGracePeriodSeconds });
          } else {
            this.warnings.push({ resource: { type: 'container', name: found.name }, message: `is ${found.state}: its service was stopped with phoenix stop (since ${since}) and stays down; phoenix start ${service.name} starts it` });
          }
        } else if (found.state === 'paused') {
          // Pausing is a deliberate act of an operator (`podman pause`); `start` cannot undo it anyway.
          this.warnings.push({ resource: { type: 'container', name: found.name }, message: 'is paused; Phoenix leaves it paused (podman unpause it to resume)' });
        } else if (found.state !== 'running' && found.state !== 'restarting' && !completedOneShot(found, service)) {
          if (this.options.hold?.includes(service.name) === true) {
            this.warnings.push({ resource: { type: 'container', name: found.name }, message: `is ${found.state}; its restarts are held by the restart policy (crash-looping or backing off)` });
          } else {
            needsStart = true;
            startCause = `it is ${found.state}${found.exitCode === null ? '' : ` (exit code ${found.exitCode})`}`;
          }
        } else if (found.state === 'running' && this.options.restart?.includes(found.name) === true) {
          const stopKey = this.add(`container:${found.name}:stop`, { kind: 'container.stop', cause: 'unhealthy: restarted by the health policy', name: found.name, service: service.name, timeoutSeconds: service.spec.stopGracePeriodSeconds });
          startAfter.push(stopKey);
          needsStart = true;
          startCause = 'restarted by the health policy';
        }
      }
      if (!needsStart) continue;
      const stoppedSince = this.stoppedServices[service.name];
      if (stoppedSince === undefined) starts.push(this.addStart(service, intent.name, startCause, startAfter));
      else this.warnings.push({ resource: { type: 'container', name: intent.name }, message: `is ${startCause} but not started: its service was stopped with phoenix stop (since ${stoppedSince}); phoenix start ${service.name} starts it` });
    }
  }

  private addStart(service: DesiredService, name: string, cause: string, after: readonly string[]): string {
    const key = `container:${name}:start`;
    const awaits: DependencyWait[] = service.dependsOn.map((d) => {
      const dependency = this.servicesByName.get(d.service);
      return { service: d.service, containers: dependency?.containerNames ?? [], condition: d.condition, required: d.required, healthcheck: dependency?.spec.healthcheck ?? null };
    });
    return this.add(key, { kind: 'container.start', cause, name, service: service.name, awaits }, after);
  }

  private recreateReason(found: ObservedContainer, service: DesiredService): { cause: string; changes: FieldChange[] } | null {
    if (!this.owns(found.labels)) {
      const origin = found.labels[COMPOSE_LABEL.project] === this.desired.project ? 'made by Compose for this project' : 'not made by Phoenix';
      return { cause: `adopts ${found.name}, ${origin}`, changes: [] };
    }
    if (found.labels[LABEL.configHash] !== service.configHash) {
      const applied = parseApplied(found.labels[LABEL.appliedSpec]);
      if (applied === null) return { cause: 'config changed (no record of what was applied)', changes: [] };
      const changes = diffSpecs(applied, service.spec);
      return { cause: changes.length === 0 ? 'config changed' : `config changed: ${summariseChanges(changes)}`, changes };
    }
    if (found.state === 'dead') return { cause: 'it is dead', changes: [] };
    const rebuilt = this.rebuiltImages.get(service.spec.image);
    if (rebuilt !== undefined) return { cause: `image ${service.spec.image} is rebuilt: ${rebuilt}`, changes: [] };
    const imageId = this.observed.images[service.spec.image];
    if (imageId !== undefined && imageId !== null && found.imageId !== '' && imageId !== found.imageId) {
      return { cause: `image behind ${service.spec.image} changed (${short(found.imageId)} -> ${short(imageId)})`, changes: [] };
    }
    return null;
  }

  /**
   * Compose names a project's volumes `<project>_<volume>`; Phoenix's are its own. Adopting a
   * Compose container therefore starts on a new, empty volume unless the manifest names the
   * old one: say so loudly, naming the volume that holds the data.
   */
  private warnComposeVolumes(service: DesiredService): void {
    for (const mount of service.spec.mounts) {
      if (mount.type !== 'volume') continue;
      const volume = this.desired.volumes.find((v) => v.podmanName === mount.source);
      if (volume === undefined) continue;
      const composeName = `${this.desired.project}_${volume.name}`;
      if (volume.podmanName === composeName || !this.observed.volumes.some((v) => v.name === composeName)) continue;
      if (this.warnings.some((w) => w.resource.name === composeName)) continue;
      this.warnings.push({
        resource: { type: 'volume', name: composeName },
        message: `holds the data of Compose's ${service.name}, but Phoenix would mount ${volume.podmanName}, a new volume: set \`name: ${composeName}\` on volume ${volume.name} to keep using it`,
      });
    }
  }

  /** A Compose-made container of this project for the service and replica, when adopting. */
  private composeContainer(service: string, replica: number): ObservedContainer | undefined {
    return this.observed.containers.find(
      (c) =>
        !this.owns(c.labels) &&
        c.labels[COMPOSE_LABEL.project] === this.desired.project &&
        c.labels[COMPOSE_LABEL.service] === service &&
        (c.labels[COMPOSE_LABEL.containerNumber] ?? '1') === String(replica),
    );
  }

  /** `depends_on: {restart: true}`: a running dependent is restarted when its dependency is recreated. */
  private planDependentRestarts(): void {
    for (const service of this.desired.services) {
      const triggers = service.dependsOn.filter((d) => d.restart).flatMap((d) => this.recreateKeys.get(d.service) ?? []);
      if (triggers.length === 0) continue;
      for (const name of service.containerNames) {
        if (this.containersWithActions.has(name)) continue;
        const found = this.observedByName.get(name);
        if (found === undefined || found.state !== 'running') continue;
        const stopKey = this.add(`container:${name}:stop`, { kind: 'container.stop', cause: 'a dependency with restart: true is recreated', name, service: service.name, timeoutSeconds: service.spec.stopGracePeriodSeconds }, triggers);
        this.startKeys.get(service.name)?.push(this.addStart(service, name, 'restarted after its dependency', [stopKey]));
      }
    }
    // A container that joins another's namespaces or mounts its volumes (container:NAME,
    // volumes_from) can only be created once that container exists.
    for (const service of this.desired.services) {
      const referenced = referencedContainers(service.spec);
      if (referenced.length === 0) continue;
      const before = referenced.flatMap((name) => ['create', 'recreate'].map((kind) => `container:${name}:${kind}`)).filter((key) => this.pendingByKey.has(key));
      for (const name of service.containerNames) {
        for (const kind of ['create', 'recreate']) {
          const pending = this.pendingByKey.get(`container:${name}:${kind}`);
          for (const key of before) pending?.after.add(key);
        }
      }
    }
    // Starts wait for the starts of their dependencies, whatever caused them.
    for (const service of this.desired.services) {
      const dependencyStarts = service.dependsOn.flatMap((d) => this.startKeys.get(d.service) ?? []);
      for (const key of this.startKeys.get(service.name) ?? []) {
        const pending = this.pendingByKey.get(key)!;
        for (const dep of dependencyStarts) pending.after.add(dep);
      }
    }
  }

  private planContainerRemovals(): void {
    const wanted = new Set(this.desired.services.flatMap((s) => s.containerNames));
    const services = new Map(this.desired.services.map((s) => [s.name, s]));
    const removals: { key: string; container: ObservedContainer }[] = [];
    for (const container of this.observed.containers) {
      if (!this.owns(container.labels) || wanted.has(container.name)) continue;
      // A one-off job (phoenix run) is no replica: not drift, not an orphan, never pruned while it runs; down removes it.
      if (container.labels[LABEL.oneOff] !== undefined) {
        if (this.options.removeOneOffs === true) {
          const key = this.add(`container:${container.name}:remove`, { kind: 'container.remove', cause: `one-off job of service "${container.labels[LABEL.oneOff]}" (phoenix run)`, name: container.name, containerId: container.id, service: container.labels[LABEL.service] ?? null, timeoutSeconds: stopTimeout(container) });
          this.containerTeardownKeys.push(key);
        }
        continue;
      }
      const serviceName = container.labels[LABEL.service] ?? null;
      const service = serviceName === null ? undefined : services.get(serviceName);
      let cause: string;
      if (service !== undefined) {
        const replica = Number(container.labels[LABEL.replica] ?? '0');
        cause = replica > service.replicas ? `replica ${replica} is no longer wanted (replicas: ${service.replicas})` : 'left over: its service now names its containers otherwise';
      } else if (serviceName !== null && this.inactiveServices.has(serviceName)) {
        // Like Compose: a service its profiles leave out is still declared, so not an orphan.
        this.warnings.push({ resource: { type: 'container', name: container.name }, message: `service "${serviceName}" is not active (none of its profiles is); it is left as it is` });
        continue;
      } else if (this.prune) {
        cause = this.removalCause(`service "${serviceName ?? '?'}" is no longer in the manifests (prune)`);
      } else {
        this.warnings.push({ resource: { type: 'container', name: container.name }, message: `service "${serviceName ?? '?'}" is no longer in the manifests; it is kept (prune is off)` });
        continue;
      }
      // Fix: a `<name>-next` left by an interrupted recreate (src/apply/recreate.ts) must be gone
      // before <name> is created or recreated: a recreate makes a new `<name>-next`, and removing
      // the leftover at the same time removed the new one (the rename then failed).
      const replaced = container.name.endsWith(REPLACEMENT_SUFFIX) ? container.name.slice(0, -REPLACEMENT_SUFFIX.length) : null;
      if (replaced !== null && wanted.has(replaced)) cause = `left over from an interrupted replacement of ${replaced}`;
      const key = this.add(`container:${container.name}:remove`, { kind: 'container.remove', cause, name: container.name, containerId: container.id, service: serviceName, timeoutSeconds: stopTimeout(container) });
      this.containerTeardownKeys.push(key);
      removals.push({ key, container });
      if (replaced !== null && wanted.has(replaced)) {
        for (const kind of ['create', 'recreate']) this.pendingByKey.get(`container:${replaced}:${kind}`)?.after.add(key);
      }
    }
    // Reverse dependency order: a container goes before the ones it depended on.
    const removalsByService = new Map<string, string[]>();
    for (const { key, container } of removals) {
      const service = container.labels[LABEL.service] ?? '';
      const keys = removalsByService.get(service);
      if (keys === undefined) removalsByService.set(service, [key]);
      else keys.push(key);
    }
    for (const { key, container } of removals) {
      const dependsOn = new Set((container.labels[LABEL.dependsOn] ?? '').split(',').filter((s) => s !== ''));
      for (const service of dependsOn) for (const other of removalsByService.get(service) ?? []) this.pendingByKey.get(other)!.after.add(key);
    }
  }

  private planResourceRemovals(): void {
    const teardown = this.containerTeardownKeys;
    // A network created again is removed only once no container uses it. Containers of
    // services still on it are removed in planService; but a scaled-down replica, a pruned
    // service or a service recreated off the network may use it too (known from the applied
    // spec), and `podman network rm` refuses a network in use.
    for (const network of this.replacedNetworks) {
      const removal = this.pendingByKey.get(`network:${network}:remove`);
      for (const key of teardown) {
        const action = this.pendingByKey.get(key)?.action;
        const containerId = action?.kind === 'container.remove' ? action.containerId : action?.kind === 'container.recreate' ? action.replaces.id : undefined;
        const container = containerId === undefined ? undefined : this.observedById.get(containerId);
        if (container !== undefined && appliedNetworks(container).includes(network)) removal?.after.add(key);
      }
    }
    const desiredNetworks = new Set(this.desired.networks.map((n) => n.podmanName));
    for (const network of this.observed.networks) {
      if (!this.owns(network.labels) || desiredNetworks.has(network.name)) continue;
      if (!this.prune) {
        this.warnings.push({ resource: { type: 'network', name: network.name }, message: 'no longer in the manifests; it is kept (prune is off)' });
        continue;
      }
      this.add(`network:${network.name}:remove`, { kind: 'network.remove', cause: this.removalCause('no longer in the manifests (prune)'), name: network.name }, teardown);
    }
    const desiredVolumes = new Set(this.desired.volumes.map((v) => v.podmanName));
    for (const volume of this.observed.volumes) {
      if (!this.owns(volume.labels) || desiredVolumes.has(volume.name)) continue;
      if (this.prune && this.options.removeVolumes === true) {
        this.warnings.push({ resource: { type: 'volume', name: volume.name }, message: 'WILL BE REMOVED WITH ALL ITS DATA' });
        const cause = this.options.teardown === true ? '`phoenix down --volumes` takes the environment down, named volumes included' : 'no longer in the manifests, and volume removal was asked for';
        this.add(`volume:${volume.name}:remove`, { kind: 'volume.remove', cause, name: volume.name }, teardown);
      } else if (this.options.teardown === true) {
        this.warnings.push({ resource: { type: 'volume', name: volume.name }, message: 'kept with its data (`phoenix down` removes named volumes only with --volumes)' });
      } else {
        const why = this.options.removeVolumes === true ? 'volume removal was asked for, but prune is off' : 'named volumes are removed only when asked explicitly';
        this.warnings.push({ resource: { type: 'volume', name: volume.name }, message: `no longer in the manifests; kept with its data (${why})` });
      }
    }
    const desiredSecrets = new Map(this.desired.secrets.map((s) => [desiredKey(s), s.podmanName]));
    for (const secret of this.observed.secrets) {
      if (!this.owns(secret.labels)) continue;
      const isConfig = secret.labels[LABEL.config] !== undefined;
      const logical = (isConfig ? secret.labels[LABEL.config] : secret.labels[LABEL.secret]) ?? '';
      const what = isConfig ? 'config' : 'secret';
      const current = desiredSecrets.get(logicalKey(secret.labels));
      if (current === secret.name) continue;
      // Fix: an old version still mounted by a container kept because prune is off cannot be removed.
      const holders = this.keptContainers().filter((c) => appliedSecrets(c).includes(secret.name));
      if (current !== undefined && holders.length > 0) {
        this.warnings.push({ resource: { type: 'secret', name: secret.name }, message: `old version of ${what} "${logical}", kept: still used by ${holders.map((c) => c.name).join(', ')} (${this.keptBecause(holders)})` });
      } else if (current !== undefined) {
        // An old version: removed once every consumer has been recreated with the new one.
        this.add(
          `secret:${secret.name}:remove`,
          { kind: 'secret.remove', cause: `old version of ${what} "${logical}", replaced by ${current}`, name: secret.name, secret: logical, ...(isConfig ? { config: true as const } : {}) },
          [...teardown, ...optionalKey(this.secretCreateKeys.get(current))],
        );
      } else if (this.prune) {
        this.add(`secret:${secret.name}:remove`, { kind: 'secret.remove', cause: this.removalCause('no longer in the manifests (prune)'), name: secret.name, secret: logical, ...(isConfig ? { config: true as const } : {}) }, teardown);
      } else {
        this.warnings.push({ resource: { type: 'secret', name: secret.name }, message: 'no longer in the manifests; it is kept (prune is off)' });
      }
    }
  }

  /** Why an owned object goes: pruned, or the whole environment taken down by `phoenix down`. */
  private removalCause(pruned: string): string {
    return this.options.teardown === true ? '`phoenix down` takes the environment down' : pruned;
  }

  /**
   * Owned containers of services no longer in the manifests that stay because prune is off,
   * those of services whose profiles are not active (always left alone), and one-off jobs
   * (phoenix run) unless they are being removed.
   */
  private keptContainers(): ObservedContainer[] {
    this.kept ??= this.findKeptContainers();
    return this.kept;
  }

  private findKeptContainers(): ObservedContainer[] {
    const services = new Set(this.desired.services.map((s) => s.name));
    const wanted = new Set(this.desired.services.flatMap((s) => s.containerNames));
    return this.observed.containers.filter((c) => {
      const service = c.labels[LABEL.service] ?? '';
      if (!this.owns(c.labels) || wanted.has(c.name)) return false;
      if (c.labels[LABEL.oneOff] !== undefined) return this.options.removeOneOffs !== true;
      if (services.has(service)) return false;
      return !this.prune || this.inactiveServices.has(service);
    });
  }

  /** Why {@link keptContainers} kept these containers, for warnings. */
  private keptBecause(holders: readonly ObservedContainer[]): string {
    const reasons = new Set(
      holders.map((c) => (c.labels[LABEL.oneOff] !== undefined ? 'a one-off job of phoenix run' : this.inactiveServices.has(c.labels[LABEL.service] ?? '') ? "not pruned: their service's profiles are not active" : 'not pruned: prune is off')),
    );
    return [...reasons].join('; ');
  }

  private conflict(type: 'container' | 'network' | 'volume' | 'secret', name: string): void {
    this.issues.push({
      code: 'PHX-PLAN-NAME-CONFLICT',
      resource: { type, name },
      message: `${type} ${name} exists but was not made by Phoenix for ${this.desired.project}/${this.desired.environment}.`,
      remediation: `Remove or rename it (podman ${type} rm ${name}), or pass --adopt to let Phoenix take it over${type === 'volume' ? ' (its data is kept)' : ''}.`,
    });
  }

  private missingExternal(type: 'network' | 'volume' | 'secret', name: string, command: string): void {
    this.issues.push({ code: 'PHX-PLAN-EXTERNAL-MISSING', resource: { type, name }, message: `external ${type} ${name} does not exist.`, remediation: `Create it first (${command}), or drop \`external: true\` to let Phoenix manage it.` });
  }
}

function optionalKey(key: string | undefined): string[] {
  return key === undefined ? [] : [key];
}

function short(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

function parseApplied(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** The Podman names in one list field of a container's applied-spec label ([] when unknown). */
function appliedNames(container: ObservedContainer, field: 'networks' | 'secrets' | 'configs', key: 'network' | 'podmanName'): string[] {
  const applied = parseApplied(container.labels[LABEL.appliedSpec]) as Record<string, unknown> | null;
  const list = applied?.[field];
  if (!Array.isArray(list)) return [];
  return list.flatMap((item: unknown) => {
    const name = item !== null && typeof item === 'object' ? (item as Record<string, unknown>)[key] : undefined;
    return typeof name === 'string' ? [name] : [];
  });
}

/** The networks a container was created on. */
function appliedNetworks(container: ObservedContainer): string[] {
  return appliedNames(container, 'networks', 'network');
}

/** The versioned Podman secrets a container was created with, its configs' included. */
function appliedSecrets(container: ObservedContainer): string[] {
  return [...appliedNames(container, 'secrets', 'podmanName'), ...appliedNames(container, 'configs', 'podmanName')];
}

/** Identifies the logical secret or config a Podman secret Phoenix made holds a version of. */
function logicalKey(labels: Readonly<Record<string, string>>): string {
  const config = labels[LABEL.config];
  return config !== undefined ? `config:${config}` : `secret:${labels[LABEL.secret] ?? ''}`;
}

/** {@link logicalKey} of a desired secret or config: a config and a secret may share a name. */
function desiredKey(secret: DesiredSecret): string {
  return `${secret.config === true ? 'config' : 'secret'}:${secret.name}`;
}

function noun(secret: DesiredSecret): string {
  return secret.config === true ? 'config' : 'secret';
}

function stopTimeout(container: ObservedContainer): number {
  const applied = parseApplied(container.labels[LABEL.appliedSpec]) as { stopGracePeriodSeconds?: unknown } | null;
  return typeof applied?.stopGracePeriodSeconds === 'number' ? applied.stopGracePeriodSeconds : DEFAULT_STOP_TIMEOUT;
}

/**
 * A one-shot job that finished: it exited 0 and its restart policy does not bring it back.
 * Starting it again would run the job again, so it is left alone.
 */
function completedOneShot(container: ObservedContainer, service: DesiredService): boolean {
  return container.state === 'exited' && container.exitCode === 0 && (service.spec.restart === 'no' || service.spec.restart === 'on-failure');
}

function summarise(actions: readonly Action[]): PlanSummary {
  const count = (suffix: string): number => actions.filter((a) => a.kind.endsWith(suffix)).length;
  const images = { build: count('.build'), pull: count('.pull') };
  return {
    ...(images.build > 0 ? { build: images.build } : {}),
    ...(images.pull > 0 ? { pull: images.pull } : {}),
    create: count('.create'), recreate: count('.recreate'), start: count('.start'), stop: count('.stop'), remove: count('.remove') };
}

/** Containers a spec names by `container:NAME` (network, pid, ipc) or in volumes_from. */
function referencedContainers(spec: ContainerSpec): string[] {
  const modes = [spec.networkMode, spec.pid, spec.ipc].flatMap((mode) => (mode !== undefined && mode.startsWith('container:') ? [mode.slice('container:'.length)] : []));
  return [...modes, ...(spec.volumesFrom ?? []).map((entry: string) => entry.split(':')[0]!)];
}
