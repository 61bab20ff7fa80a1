/**
 * `phoenix export --format kubernetes`: an environment's desired state (the one plan and apply
 * use) as Kubernetes objects. Pure: the caller reads config contents and, only when asked,
 * secret values; this module decides every object and every warning. docs/kubernetes.md
 * describes the mapping.
 */
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import type { DesiredService, DesiredState } from '../model/desired.js';
import type { ExportTarget } from './export-target.js';
import type { ExportWarning } from './export-warning.js';
import { WarningList } from './export-warning.js';
import { listenedPorts } from './kube-container.js';
import { consumedOneShots, initChains, reportDependencies } from './kube-dependencies.js';
import { objectLabels, selectorLabels } from './kube-labels.js';
import { dataKey, dnsLabel, serviceName } from './kube-names.js';
import type { KubeObject } from './kube-objects.js';
import type { ObjectNames } from './kube-volumes.js';
import { workload } from './kube-workloads.js';
import { reportUntranslated } from './untranslated.js';

/** What the export needs besides the desired state. */
export interface KubeExportOptions {
  readonly target: ExportTarget;
  /** The content of every config the services mount, by config name (configs are not secret). */
  readonly configContents: ReadonlyMap<string, Uint8Array>;
  /** Secret values by secret name, only with `--include-secret-values`; absent: no value is written. */
  readonly secretValues?: ReadonlyMap<string, Uint8Array>;
}

/** A Secret the export references but does not write: it must be created in the cluster first. */
export interface SecretToCreate {
  /** The Secret object's name. */
  readonly name: string;
  /** The key the pods read. */
  readonly key: string;
  /** The secret's name in the manifests. */
  readonly secret: string;
}

/** The export: objects in apply order (storage and configuration, workloads by dependency, Services). */
export interface KubeExport {
  readonly objects: readonly KubeObject[];
  readonly warnings: readonly ExportWarning[];
  readonly secretsToCreate: readonly SecretToCreate[];
}

/** Services in dependency order (a service after those it depends on), by name within a level. */
function dependencyOrder(services: readonly DesiredService[]): DesiredService[] {
  const ordered: DesiredService[] = [];
  const placed = new Set<string>();
  const visit = (service: DesiredService, path: Set<string>): void => {
    if (placed.has(service.name) || path.has(service.name)) return;
    for (const dependency of service.dependsOn) {
      const other = services.find((s) => s.name === dependency.service);
      if (other !== undefined) visit(other, new Set([...path, service.name]));
    }
    placed.add(service.name);
    ordered.push(service);
  };
  for (const service of [...services].sort((a, b) => a.name.localeCompare(b.name))) visit(service, new Set());
  return ordered;
}

/** Text when the bytes are UTF-8, else null (a ConfigMap then takes them as binaryData). */
function utf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** Renders one environment as Kubernetes objects, with a warning for everything left behind. */
export function exportKubernetes(desired: DesiredState, options: KubeExportOptions): KubeExport {
  const warnings = new WarningList();
  const { project, environment } = desired;
  const { target } = options;
  const scoped = (name: string): string => dnsLabel(`${project}-${environment}-${name}`);
  const volumesByPodman = new Map(desired.volumes.map((v) => [v.podmanName, v]));
  const secretsByName = new Map(desired.secrets.filter((s) => s.config !== true).map((s) => [s.name, s]));
  const configsByName = new Map(desired.secrets.filter((s) => s.config === true).map((s) => [s.name, s]));
  const names: ObjectNames = {
    claim: (podmanVolume) => (volumesByPodman.has(podmanVolume) ? dnsLabel(podmanVolume) : undefined),
    secret: (secret) => {
      const found = secretsByName.get(secret);
      return found?.external === true ? dnsLabel(found.podmanName) : scoped(secret);
    },
    configMap: (config) => scoped(config),
  };

  const chains = initChains(desired.services, target);
  const consumed = consumedOneShots(chains, desired.services);
  reportDependencies(desired.services, chains, target, warnings);
  const exported = dependencyOrder(desired.services).filter((s) => !consumed.has(s.name));
  const running = [...exported, ...desired.services.filter((s) => consumed.has(s.name))];
  for (const service of running) reportUntranslated(service, warnings);
  const workloads = exported.map((service) => workload(desired, service, chains.get(service.name) ?? [], names, target, warnings));

  const used = <T>(pick: (service: DesiredService) => readonly T[]): T[] => running.flatMap(pick);
  const usedVolumes = new Set(used((s) => s.spec.mounts.flatMap((m) => (m.type === 'volume' ? [m.source] : []))));
  const usedSecrets = new Set(used((s) => s.spec.secrets.map((m) => m.secret)));
  const usedConfigs = new Set(used((s) => (s.spec.configs ?? []).map((m) => m.config)));

  const claims: IPersistentVolumeClaim[] = [];
  for (const volume of desired.volumes.filter((v) => usedVolumes.has(v.podmanName))) {
    const name = dnsLabel(volume.podmanName);
    if (volume.external) {
      warnings.add(null, `volumes.${volume.name}`, `external: the PersistentVolumeClaim ${name} is referenced, not written; it must exist in the namespace.`);
      continue;
    }
    if (volume.driver !== 'local' || Object.keys(volume.driverOpts).length > 0) {
      warnings.add(null, `volumes.${volume.name}`, `driver ${volume.driver} and its options not translated: the cluster's default StorageClass provisions the claim; set storageClassName for another.`);
    }
    warnings.add(null, `volumes.${volume.name}`, 'size 1Gi is a placeholder: Compose volumes have no size; set the request the data needs.');
    claims.push({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name, labels: objectLabels(project, environment, null) },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
  }

  const configMaps: IConfigMap[] = [];
  for (const config of [...configsByName.values()].filter((c) => usedConfigs.has(c.name))) {
    const content = options.configContents.get(config.name);
    if (content === undefined) {
      warnings.add(null, `configs.${config.name}`, 'not written: its content could not be read here; create the ConfigMap by hand.');
      continue;
    }
    const text = utf8(content);
    configMaps.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: names.configMap(config.name), labels: objectLabels(project, environment, null) },
      ...(text === null ? { binaryData: { [dataKey(config.name)]: Buffer.from(content).toString('base64') } } : { data: { [dataKey(config.name)]: text } }),
    });
  }

  const secrets: ISecret[] = [];
  const secretsToCreate: SecretToCreate[] = [];
  for (const secret of [...secretsByName.values()].filter((s) => usedSecrets.has(s.name))) {
    const name = names.secret(secret.name);
    const value = options.secretValues?.get(secret.name);
    if (secret.external || value === undefined) {
      secretsToCreate.push({ name, key: dataKey(secret.name), secret: secret.name });
      continue;
    }
    secrets.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, labels: objectLabels(project, environment, null) },
      type: 'Opaque',
      data: { [dataKey(secret.name)]: Buffer.from(value).toString('base64') },
    });
  }

  const services = target === 'cluster' ? clusterServices(desired, exported, warnings) : [];
  if (target === 'podman') {
    for (const service of exported) {
      for (const alias of extraAliases(service)) {
        warnings.add(service.name, 'networks.aliases', `${alias} not translated for podman kube play: it ignores Services, and a pod resolves by its own name (${dnsLabel(service.name)}) only.`);
      }
    }
  }
  const networks = desired.networks.filter((n) => !n.external);
  if (networks.length > 1 || networks.some((n) => n.internal)) {
    warnings.add(null, 'networks', 'not translated: a cluster has one flat pod network, so services on different (or internal) Compose networks can reach each other; add NetworkPolicies to isolate them.');
  }
  return { objects: [...claims, ...configMaps, ...secrets, ...workloads, ...services], warnings: warnings.all, secretsToCreate };
}

/** The aliases a service has on its networks besides its own name. */
function extraAliases(service: DesiredService): string[] {
  return [...new Set(service.spec.networks.flatMap((n) => n.aliases))].filter((alias) => alias !== service.name).sort();
}

/**
 * A Service per exported workload, named as the service so that its name resolves as it did
 * on the Compose network, plus one per extra network alias. Its ports are the ports the container
 * listens on; with none known it is headless (its name still resolves to the pods).
 */
function clusterServices(desired: DesiredState, exported: readonly DesiredService[], warnings: WarningList): IService[] {
  const result: IService[] = [];
  const taken = new Map<string, string>();
  for (const service of exported) {
    const ports = listenedPorts(service.name, service.spec, null).map(({ port, protocol }) => ({ name: `${protocol.toLowerCase()}-${port}`, port, targetPort: port, protocol }));
    for (const alias of [service.name, ...extraAliases(service)]) {
      const name = serviceName(alias);
      if (name !== alias) warnings.add(service.name, 'networks.aliases', `${alias} is not a valid Service name: the Service is ${name}, and other services must use that name.`);
      const holder = taken.get(name);
      if (holder !== undefined) {
        warnings.add(service.name, 'networks.aliases', `${alias} not translated: the Service ${name} already serves ${holder}.`);
        continue;
      }
      taken.set(name, service.name);
      result.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, labels: objectLabels(desired.project, desired.environment, service.name) },
        spec: {
          selector: selectorLabels(desired.project, desired.environment, service.name),
          ...(ports.length === 0 ? { clusterIP: 'None' } : { ports }),
        },
      });
    }
  }
  return result;
}
