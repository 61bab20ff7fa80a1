/**
 * Each service as a workload. Cluster: a Deployment, or a StatefulSet when it mounts a named
 * volume (a stable identity for the one volume it owns). Podman (kube play): a Pod named after
 * the service with the service's restart policy, because kube play ignores StatefulSets, Jobs
 * and Services and resolves a pod by its own name on the network (a Deployment's pods are
 * `<name>-pod-N`); a Deployment when replicas > 1.
 */
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IHostAlias } from 'kubernetes-models/v1/HostAlias';
import type { DesiredService, DesiredState } from '../model/desired.js';
import type { ExportTarget } from './export-target.js';
import type { WarningList } from './export-warning.js';
import { kubeContainer } from './kube-container.js';
import { objectLabels, selectorLabels } from './kube-labels.js';
import { dnsLabel, serviceName } from './kube-names.js';
import type { KubeObject } from './kube-objects.js';
import type { ObjectNames } from './kube-volumes.js';
import { PodVolumes, volumeMounts } from './kube-volumes.js';

/** `extra_hosts` (`host:ip` or `host=ip`) as host aliases, one per address. */
function hostAliases(service: string, entries: readonly string[], warnings: WarningList): IHostAlias[] | undefined {
  const byIp = new Map<string, string[]>();
  for (const entry of entries) {
    const at = entry.includes('=') ? entry.indexOf('=') : entry.indexOf(':');
    const host = entry.slice(0, at);
    const ip = entry.slice(at + 1).replace(/^\[|\]$/g, '');
    if (at < 1 || ip === 'host-gateway') {
      warnings.add(service, 'extra_hosts', `${entry} not translated: a pod has no host gateway; give a fixed address.`);
      continue;
    }
    byIp.set(ip, [...(byIp.get(ip) ?? []), host]);
  }
  return byIp.size === 0 ? undefined : [...byIp.entries()].map(([ip, hostnames]) => ({ ip, hostnames }));
}

/** The pod a service's containers run in: its one-shot chain as init containers, then its own container. */
function podSpec(service: DesiredService, chain: readonly DesiredService[], names: ObjectNames, target: ExportTarget, warnings: WarningList): IPodSpec {
  const volumes = new PodVolumes();
  const containerOf = (of: DesiredService, withProbes: boolean): ReturnType<typeof kubeContainer> =>
    kubeContainer(of.name, of.name, of.spec, of.pullPolicy, volumeMounts(of.name, of.spec.mounts, of.spec.secrets, of.spec.configs ?? [], names, target, volumes, warnings), target, warnings, withProbes);
  // Init containers get no probes: Kubernetes refuses them on init containers.
  const initContainers = chain.map((step) => containerOf(step, false));
  const main = containerOf(service, true);
  const { spec } = service;
  const aliases = hostAliases(service.name, spec.extraHosts, warnings);
  const hostname = spec.hostname === null ? undefined : dnsLabel(spec.hostname);
  // Read only after every container has added the volumes it mounts.
  const volumeList = volumes.list();
  return {
    ...(initContainers.length === 0 ? {} : { initContainers }),
    containers: [main],
    ...(volumeList === undefined ? {} : { volumes: volumeList }),
    terminationGracePeriodSeconds: spec.stopGracePeriodSeconds,
    // Phoenix's containers hold no Kubernetes API token; neither do the exported pods.
    automountServiceAccountToken: false,
    ...(spec.networkMode === 'host' ? { hostNetwork: true } : {}),
    ...(hostname === undefined ? {} : { hostname }),
    ...(aliases === undefined ? {} : { hostAliases: aliases }),
  };
}

/** The pod template: the selector labels, and the service's Compose labels as annotations (their keys need not be label keys). */
function template(desired: DesiredState, service: DesiredService, spec: IPodSpec): IPodTemplateSpec {
  const annotations = service.spec.labels;
  return {
    metadata: {
      labels: objectLabels(desired.project, desired.environment, service.name),
      ...(Object.keys(annotations).length === 0 ? {} : { annotations: { ...annotations } }),
    },
    spec,
  };
}

/** A bare pod's metadata: the service's Compose labels as annotations, as on a template. */
function podMetadata(metadata: { name: string; labels: Record<string, string> }, service: DesiredService): { name: string; labels: Record<string, string>; annotations?: Record<string, string> } {
  return Object.keys(service.spec.labels).length === 0 ? metadata : { ...metadata, annotations: { ...service.spec.labels } };
}

/** True when the service mounts a named volume of the environment. */
function ownsNamedVolume(service: DesiredService): boolean {
  return service.spec.mounts.some((m) => m.type === 'volume');
}

/** The workload object of one service (a service that runs as an init container has none). */
export function workload(desired: DesiredState, service: DesiredService, chain: readonly DesiredService[], names: ObjectNames, target: ExportTarget, warnings: WarningList): KubeObject {
  const name = dnsLabel(service.name);
  const metadata = { name, labels: objectLabels(desired.project, desired.environment, service.name) };
  const selector = { matchLabels: selectorLabels(desired.project, desired.environment, service.name) };
  const pod = podSpec(service, chain, names, target, warnings);
  const { restart } = service.spec;
  if (target === 'podman' && service.replicas === 1) {
    // A bare pod keeps the service's own restart policy (a one-shot's Never included).
    const restartPolicy = restart === 'no' ? 'Never' : restart === 'on-failure' ? 'OnFailure' : 'Always';
    return { apiVersion: 'v1', kind: 'Pod', metadata: podMetadata(metadata, service), spec: { ...pod, restartPolicy } };
  }
  if (restart === 'no' || restart === 'on-failure') {
    const said = restart === 'no' ? '"no" (also Compose\'s default)' : 'on-failure';
    warnings.add(service.name, 'restart', `${said} becomes Always: the pods of a Deployment or StatefulSet are restarted whenever they exit; a task that must run once belongs in a Job (or, awaited with service_completed_successfully, in an init container).`);
  }
  if (target === 'podman') {
    warnings.add(service.name, 'deploy.replicas', `${service.replicas} replicas: podman kube play names the pods ${name}-pod-0..${service.replicas - 1}, so the name ${service.name} does not resolve there.`);
  }
  if (target === 'cluster' && ownsNamedVolume(service)) {
    if (service.replicas > 1) {
      warnings.add(service.name, 'deploy.replicas', `${service.replicas} replicas share one PersistentVolumeClaim, as they share the named volume: this needs ReadWriteMany storage (or volumeClaimTemplates for a volume each).`);
    }
    return {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata,
      spec: { serviceName: serviceName(service.name), replicas: service.replicas, selector, template: template(desired, service, pod) },
    };
  }
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: { replicas: service.replicas, selector, template: template(desired, service, pod) } };
}
