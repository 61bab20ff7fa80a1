/**
 * One Compose service's container as a Kubernetes container: image, entrypoint and command,
 * environment, ports, probes, resources and security context. What the container spec holds
 * that a Kubernetes container cannot is reported by untranslated.ts, not here.
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IContainerPort } from 'kubernetes-models/v1/ContainerPort';
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import type { ContainerSpec, PullPolicy } from '../model/desired.js';
import type { ExportTarget } from './export-target.js';
import type { WarningList } from './export-warning.js';
import { healthProbes } from './kube-probes.js';
import { dnsLabel } from './kube-names.js';

/** A single port number, or null for a range or an empty value. */
export function singlePort(value: string): number | null {
  return /^\d+$/.test(value) ? Number(value) : null;
}

/** The container ports a service listens on: its published ports' targets and its `expose` list, once each. */
export function listenedPorts(service: string, spec: ContainerSpec, warnings: WarningList | null): { port: number; protocol: 'TCP' | 'UDP' }[] {
  const seen = new Map<string, { port: number; protocol: 'TCP' | 'UDP' }>();
  const add = (value: string, protocol: string, key: string): void => {
    const port = singlePort(value);
    if (port === null) {
      warnings?.add(service, key, `port range ${value} not translated: Kubernetes ports are single numbers; list each port.`);
      return;
    }
    const proto = protocol.toLowerCase() === 'udp' ? 'UDP' : 'TCP';
    seen.set(`${port}/${proto}`, { port, protocol: proto });
  };
  for (const mapping of spec.ports) add(mapping.target, mapping.protocol, 'ports');
  for (const entry of spec.expose ?? []) {
    const [value = '', protocol = 'tcp'] = entry.split('/');
    add(value, protocol, 'expose');
  }
  return [...seen.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}

/** `ports:` as container ports; for kube play, with the host port it publishes (kube play honours hostPort). */
function containerPorts(service: string, spec: ContainerSpec, target: ExportTarget, warnings: WarningList): IContainerPort[] | undefined {
  const ports: IContainerPort[] = listenedPorts(service, spec, warnings).map(({ port, protocol }) => ({ containerPort: port, protocol }));
  if (target === 'podman') {
    for (const mapping of spec.ports) {
      const hostPort = singlePort(mapping.published);
      const port = ports.find((p) => p.containerPort === singlePort(mapping.target) && p.protocol === (mapping.protocol === 'udp' ? 'UDP' : 'TCP'));
      if (port === undefined || hostPort === null) continue;
      port.hostPort = hostPort;
      if (mapping.hostIp !== '') port.hostIP = mapping.hostIp;
    }
  } else {
    for (const mapping of spec.ports.filter((m) => m.published !== '' || m.hostIp !== '')) {
      const where = `${mapping.hostIp === '' ? '' : `${mapping.hostIp}:`}${mapping.published === '' ? '(any)' : mapping.published}`;
      warnings.add(service, 'ports', `host port ${where} -> ${mapping.target}/${mapping.protocol} not published: a Service (ClusterIP) serves ${mapping.target} inside the cluster; reach it from outside with an Ingress, a NodePort or a LoadBalancer Service.`);
    }
  }
  return ports.length === 0 ? undefined : ports;
}

/** CPU and memory: `cpus` and `mem_limit` as limits, `mem_reservation` as the memory request. */
function resources(spec: ContainerSpec): IResourceRequirements | undefined {
  const limits: Record<string, string> = {};
  const requests: Record<string, string> = {};
  if (spec.cpus !== null) limits.cpu = `${Math.round(spec.cpus * 1000)}m`;
  if (spec.memoryBytes !== null) limits.memory = String(spec.memoryBytes);
  if (spec.memoryReservationBytes !== undefined) requests.memory = String(spec.memoryReservationBytes);
  if (Object.keys(limits).length === 0 && Object.keys(requests).length === 0) return undefined;
  return { ...(Object.keys(limits).length > 0 ? { limits } : {}), ...(Object.keys(requests).length > 0 ? { requests } : {}) };
}

/** Capability names as Kubernetes writes them (`NET_ADMIN`, `ALL`), without Podman's `CAP_`. */
function capability(name: string): string {
  return name.toUpperCase().replace(/^CAP_/, '');
}

/** The security context the policy and the service give: user, capabilities, no-new-privileges, read-only root. */
function securityContext(service: string, spec: ContainerSpec, warnings: WarningList): ISecurityContext | undefined {
  const context: ISecurityContext = {};
  if (spec.user !== null) {
    const match = /^(\d+)(?::(\d+))?$/.exec(spec.user);
    if (match === null) {
      warnings.add(service, 'user', `"${spec.user}" not translated: Kubernetes runs as numeric IDs only (runAsUser/runAsGroup); give the user's UID, or the container runs as the image's user.`);
    } else {
      context.runAsUser = Number(match[1]);
      if (match[2] !== undefined) context.runAsGroup = Number(match[2]);
    }
  }
  if (spec.securityOpt.some((opt) => opt === 'no-new-privileges' || opt === 'no-new-privileges:true')) context.allowPrivilegeEscalation = false;
  if (spec.readOnly) context.readOnlyRootFilesystem = true;
  if (spec.privileged) context.privileged = true;
  if (spec.capAdd.length > 0 || spec.capDrop.length > 0) {
    context.capabilities = {
      ...(spec.capAdd.length > 0 ? { add: spec.capAdd.map(capability) } : {}),
      ...(spec.capDrop.length > 0 ? { drop: spec.capDrop.map(capability) } : {}),
    };
  }
  return Object.keys(context).length === 0 ? undefined : context;
}

/** Compose's pull policy as the image pull policy; `every` (an interval) has no equivalent. */
function imagePullPolicy(service: string, policy: PullPolicy | undefined, warnings: WarningList): IContainer['imagePullPolicy'] {
  if (policy === undefined) return undefined;
  switch (policy.mode) {
    case 'always':
      return 'Always';
    case 'never':
      return 'Never';
    case 'missing':
    case 'build':
      // A built image is in a registry by the time a cluster pulls it (the build warning says so).
      return 'IfNotPresent';
    case 'every':
      warnings.add(service, 'pull_policy', 'a pull interval is not translated: Kubernetes pulls when a pod starts (IfNotPresent); pin a tag or a digest and change it to update.');
      return 'IfNotPresent';
  }
}

/** The container of a service: `name` is its name in the pod, `mounts` its volume mounts. */
export function kubeContainer(
  name: string,
  service: string,
  spec: ContainerSpec,
  pullPolicy: PullPolicy | undefined,
  mounts: IVolumeMount[],
  target: ExportTarget,
  warnings: WarningList,
  withProbes: boolean,
): IContainer {
  const env = Object.entries(spec.environment)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => ({ name: key, value }));
  const probes = withProbes ? healthProbes(service, spec.healthcheck, warnings) : {};
  const pull = imagePullPolicy(service, pullPolicy, warnings);
  const security = securityContext(service, spec, warnings);
  const limits = resources(spec);
  const ports = containerPorts(service, spec, target, warnings);
  return {
    name: dnsLabel(name),
    image: spec.image,
    ...(pull === undefined ? {} : { imagePullPolicy: pull }),
    // Compose's entrypoint replaces the image's ENTRYPOINT (Kubernetes: command), its command the CMD (args).
    ...(spec.entrypoint === null ? {} : { command: [...spec.entrypoint] }),
    ...(spec.command === null ? {} : { args: [...spec.command] }),
    ...(spec.workingDir === null ? {} : { workingDir: spec.workingDir }),
    ...(env.length === 0 ? {} : { env }),
    ...(ports === undefined ? {} : { ports }),
    ...(limits === undefined ? {} : { resources: limits }),
    ...(security === undefined ? {} : { securityContext: security }),
    ...(probes.readiness === undefined ? {} : { readinessProbe: probes.readiness }),
    ...(probes.liveness === undefined ? {} : { livenessProbe: probes.liveness }),
    ...(mounts.length === 0 ? {} : { volumeMounts: mounts }),
    ...(spec.tty === true ? { tty: true } : {}),
    ...(spec.stdinOpen === true ? { stdin: true } : {}),
  };
}
