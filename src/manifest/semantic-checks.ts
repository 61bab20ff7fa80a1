import path from 'node:path';
import type { DesiredState, PortMapping } from '../model/desired.js';
import { containersByNetwork, describeLoad, ipv4Capacity, networkCapacity, prefixFor } from '../model/network-capacity.js';
import type { ManifestIssue, SourceLocation } from '../model/issue.js';
import type { ComposeDraft } from './compose-draft.js';
import type { EnvironmentManifest } from './environment-manifest.js';
import { dependenciesOf } from './implicit-dependencies.js';
import { isWithin, normaliseCapability } from './policy.js';

/**
 * The checks that need the whole merged environment: dependencies (missing, cycles), host
 * port clashes, container name clashes and the security policy. Returns every problem.
 */
export function checkSemantics(merged: ComposeDraft, desired: DesiredState, env: EnvironmentManifest): ManifestIssue[] {
  return [...checkDependencies(merged), ...checkPorts(merged, desired), ...checkContainerNames(merged, desired), ...checkPolicy(merged, desired, env), ...checkNetworkCapacity(merged, desired)];
}

/**
 * A network whose declared subnet (or ip_range) holds fewer addresses than the containers
 * that join it: the starts past its capacity would fail with an IPAM error. Networks without
 * a subnet are sized by the planner instead (plan/network-sizing.ts).
 */
function checkNetworkCapacity(merged: ComposeDraft, desired: DesiredState): ManifestIssue[] {
  const loads = containersByNetwork(desired);
  const issues: ManifestIssue[] = [];
  for (const network of desired.networks) {
    const load = loads.get(network.podmanName);
    const declared = merged.networks.get(network.name);
    if (load === undefined || declared === undefined || network.subnets.length === 0) continue;
    const ranges = network.subnets.map((subnet) => network.ipRanges?.[subnet] ?? subnet);
    const capacity = networkCapacity(ranges);
    if (load.containers <= capacity) continue;
    const prefix = prefixFor(load.containers);
    const larger = prefix === null ? 'more networks' : `a /${prefix} (it holds ${ipv4Capacity(prefix)})`;
    issues.push(
      issue('PHX-NETWORK-TOO-SMALL', declared.location, `networks.${network.name}.ipam.config`, `network "${network.name}" has room for ${capacity} containers (${ranges.join(', ')}), but ${load.containers} join it (${describeLoad(load)}): ${load.containers - capacity} would fail to start.`, `Declare a larger subnet, e.g. ${larger}, or spread the services over more networks.`),
    );
  }
  return issues;
}

function issue(code: ManifestIssue['code'], location: SourceLocation, keyPath: string, message: string, remediation: string): ManifestIssue {
  return { code, severity: 'error', location, path: keyPath, message, remediation };
}

function checkDependencies(merged: ComposeDraft): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  for (const service of merged.services.values()) {
    for (const [dependency, { location }] of dependenciesOf(service)) {
      const target = merged.services.get(dependency);
      if (target !== undefined && service.dependsOn?.get(dependency)?.value.condition === 'service_healthy' && (target.healthcheck?.test === undefined || target.healthcheck.disable === true || target.healthcheck.test[0] === 'NONE')) {
        // Compose would wait for ever here; Phoenix runs the checks itself and needs one to run.
        issues.push(issue('PHX-DEPENDS-ON-NO-HEALTHCHECK', location, `services.${service.name}.depends_on.${dependency}`, `service "${service.name}" waits for "${dependency}" to be healthy, but "${dependency}" has no health check.`, `Give "${dependency}" a healthcheck with a test, or wait for condition: service_started.`));
      }
      if (!merged.services.has(dependency)) {
        const known = [...merged.services.keys()].sort().join(', ');
        issues.push(issue('PHX-DEPENDS-ON-MISSING', location, `services.${service.name}.depends_on.${dependency}`, `service "${service.name}" depends on "${dependency}", which is not defined.`, `Define the service or correct the name (services: ${known}).`));
      }
    }
  }
  // Depth-first search for cycles; each cycle is reported once, at the edge that closes it.
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (name: string): void => {
    state.set(name, 'visiting');
    stack.push(name);
    const service = merged.services.get(name);
    for (const [dependency, { location }] of service === undefined ? [] : dependenciesOf(service)) {
      if (!merged.services.has(dependency)) continue;
      if (state.get(dependency) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(dependency)), dependency];
        const id = [...cycle.slice(0, -1)].sort().join(',');
        if (!reported.has(id)) {
          reported.add(id);
          issues.push(issue('PHX-DEPENDENCY-CYCLE', location, `services.${name}.depends_on.${dependency}`, `depends_on forms a cycle: ${cycle.join(' -> ')}.`, 'Remove one of these dependencies: services in a cycle can never start in order.'));
        }
      } else if (state.get(dependency) === undefined) {
        visit(dependency);
      }
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of [...merged.services.keys()].sort()) if (state.get(name) === undefined) visit(name);
  return issues;
}

function range(text: string): [number, number] {
  const [low, high = low] = text.split('-').map(Number) as [number, number?];
  return [low, high ?? low];
}

function overlaps(a: PortMapping, b: PortMapping): boolean {
  if (a.protocol !== b.protocol || a.published === '' || b.published === '') return false;
  const allA = a.hostIp === '' || a.hostIp === '0.0.0.0' || a.hostIp === '::';
  const allB = b.hostIp === '' || b.hostIp === '0.0.0.0' || b.hostIp === '::';
  if (!allA && !allB && a.hostIp !== b.hostIp) return false;
  const [a1, a2] = range(a.published);
  const [b1, b2] = range(b.published);
  return a1 <= b2 && b1 <= a2;
}

function checkPorts(merged: ComposeDraft, desired: DesiredState): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const taken: { service: string; port: PortMapping }[] = [];
  for (const service of desired.services) {
    const draft = merged.services.get(service.name);
    const locate = (port: PortMapping): SourceLocation => {
      for (const entry of draft?.ports?.values() ?? []) if (entry.value.published === port.published && entry.value.target === port.target && entry.value.hostIp === port.hostIp) return entry.location;
      return draft?.location ?? { file: merged.file, line: 1, column: 1 };
    };
    for (const port of service.spec.ports) {
      const clash = taken.find((t) => overlaps(t.port, port));
      if (clash !== undefined) {
        issues.push(issue('PHX-PORT-CONFLICT', locate(port), `services.${service.name}.ports`, `host port ${port.published}/${port.protocol} is published by both "${clash.service}" and "${service.name}".`, 'Give each service its own host port, or bind them to different host addresses.'));
        continue;
      }
      if (service.replicas > 1 && port.published !== '' && !port.published.includes('-')) {
        issues.push(issue('PHX-PORT-CONFLICT', locate(port), `services.${service.name}.ports`, `"${service.name}" has ${service.replicas} replicas but publishes the fixed host port ${port.published}; only one can bind it.`, 'Publish a port range with one port per replica (e.g. "8080-8082:80"), leave the host port out, or run one replica.'));
      }
      taken.push({ service: service.name, port });
    }
  }
  return issues;
}

function checkContainerNames(merged: ComposeDraft, desired: DesiredState): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const owners = new Map<string, string>();
  for (const service of desired.services) {
    const draft = merged.services.get(service.name);
    const where = draft?.fieldLocations.get('container_name') ?? draft?.location ?? { file: merged.file, line: 1, column: 1 };
    if (draft?.containerName !== undefined && (draft.replicas ?? 1) > 1) {
      issues.push(issue('PHX-CONTAINER-NAME-REPLICAS', where, `services.${service.name}.container_name`, `"${service.name}" sets container_name but asks for ${draft.replicas} replicas; names must be unique.`, 'Remove container_name, or run one replica.'));
    }
    for (const name of service.containerNames) {
      const other = owners.get(name);
      if (other !== undefined) issues.push(issue('PHX-CONTAINER-NAME-CONFLICT', where, `services.${service.name}.container_name`, `container name "${name}" is used by both "${other}" and "${service.name}".`, 'Give each service its own container_name.'));
      owners.set(name, service.name);
    }
  }
  return issues;
}

function checkPolicy(merged: ComposeDraft, desired: DesiredState, env: EnvironmentManifest): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const security = env.policy.security;
  const allowAll = security.allowedCapabilities.includes('ALL');
  // The environment's own folder tree: where the environment file is, and Compose's project
  // directory (the first compose file's folder), against which `./data` resolves.
  const projectDir = env.composeFiles[0] === undefined ? env.dir : path.dirname(env.composeFiles[0].path);
  const ownTrees = [env.dir, projectDir];
  for (const service of desired.services) {
    const draft = merged.services.get(service.name);
    if (draft === undefined) continue;
    const where = (field: string): SourceLocation => draft.fieldLocations.get(field) ?? draft.location;
    const policyHint = `or allow it in the policy.security of ${env.file}`;
    if (service.spec.privileged && !security.allowPrivileged) {
      issues.push(issue('PHX-POLICY-PRIVILEGED', where('privileged'), `services.${service.name}.privileged`, `"${service.name}" asks for a privileged container, which this environment's policy does not allow.`, `Remove privileged: true and add only the capabilities it needs, ${policyHint} (allow_privileged: true).`));
    }
    if (service.spec.networkMode === 'host' && !security.allowHostNetwork) {
      issues.push(issue('PHX-POLICY-HOST-NETWORK', where('network_mode'), `services.${service.name}.network_mode`, `"${service.name}" asks for the host network, which this environment's policy does not allow.`, `Publish ports on a bridge network instead, ${policyHint} (allow_host_network: true).`));
    }
    for (const key of ['pid', 'ipc', 'uts', 'cgroup'] as const) {
      const entry = draft.options?.get(key);
      const mode = key === 'cgroup' ? service.spec.cgroupns : service.spec[key];
      if (entry !== undefined && mode === 'host' && !security.allowHostNamespaces) {
        issues.push(issue('PHX-POLICY-HOST-NAMESPACE', entry.location, `services.${service.name}.${key}`, `"${service.name}" shares the host's ${key} namespace, which this environment's policy does not allow.`, `Remove ${key}: host, ${policyHint} (allow_host_namespaces: true).`));
      }
    }
    if (service.spec.usernsMode === 'host' && !security.allowHostNamespaces) {
      issues.push(issue('PHX-POLICY-HOST-NAMESPACE', where('userns_mode'), `services.${service.name}.userns_mode`, `"${service.name}" shares the host's user namespace, which this environment's policy does not allow.`, `Remove userns_mode: host, ${policyHint} (allow_host_namespaces: true).`));
    }
    const devices = draft.options?.get('devices');
    for (const device of service.spec.devices ?? []) {
      // A CDI name (vendor.com/class=name) is resolved by Podman from the host's CDI specs, not a path.
      const hostPath = device.startsWith('/') ? device.split(':')[0]! : null;
      if (hostPath !== null && !security.allowedHostPaths.some((allowed) => isWithin(hostPath, allowed))) {
        issues.push(issue('PHX-POLICY-HOST-PATH', devices?.location ?? where('devices'), `services.${service.name}.devices`, `"${service.name}" is given the host device ${hostPath}, which lies outside this environment's allowed_host_paths.`, `Remove the device, ${policyHint} (allowed_host_paths: [${hostPath}]).`));
      }
    }
    for (const { value, location } of draft.capAdd ?? []) {
      const capability = normaliseCapability(value);
      if (!allowAll && !security.allowedCapabilities.includes(capability)) {
        issues.push(issue('PHX-POLICY-CAPABILITY', location, `services.${service.name}.cap_add`, `"${service.name}" adds the capability ${capability}, which this environment's policy does not allow.`, `Remove it, ${policyHint} (allowed_capabilities: [${capability}]).`));
      }
    }
    for (const [, { value, location }] of draft.volumes ?? []) {
      if (value.type !== 'bind') continue;
      // The desired mount has `~` expanded; the draft keeps what the user wrote.
      const expanded = service.spec.mounts.find((m) => m.type === 'bind' && m.target === value.target);
      const source = expanded?.type === 'bind' ? expanded.source : value.source;
      if (![...ownTrees, ...security.allowedHostPaths].some((allowed) => isWithin(source, allowed))) {
        issues.push(
          issue(
            'PHX-POLICY-HOST-PATH',
            location,
            `services.${service.name}.volumes`,
            `"${service.name}" bind-mounts the host path ${source}, which lies outside the environment's folder (${env.dir}) and outside this environment's allowed_host_paths.`,
            `Use a named volume, a path inside the environment's folder, ${policyHint} (allowed_host_paths: [${source}]).`,
          ),
        );
      }
    }
  }
  return issues;
}
