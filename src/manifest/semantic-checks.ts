import path from 'node:path';
import type { DesiredState, PortMapping } from '../model/desired.js';
import { containersByNetwork, describeLoad, ipv4Capacity, networkCapacity, prefixFor } from '../model/network-capacity.js';
import type { ManifestIssue, SourceLocation } from '../model/issue.js';
import type { ComposeDraft } from './compose-draft.js';
import type { EnvironmentManifest } from './environment-manifest.js';
import { dependenciesOf } from './implicit-dependencies.js';
import { normaliseCapability } from './policy.js';
import type { PolicyContext, PolicyFinding } from '../security/spec-policy.js';
import { buildPolicyFindings, containerPolicyFindings, secretPolicyFindings, volumePolicyFindings } from '../security/spec-policy.js';

/**
 * The checks that need the whole merged environment: dependencies (missing, cycles), host
 * port clashes, container name clashes and the security policy (its findings made by
 * {@link policyFindings}). Returns every problem.
 */
export function checkSemantics(merged: ComposeDraft, desired: DesiredState, env: EnvironmentManifest, findings: readonly PolicyFinding[]): ManifestIssue[] {
  return [...checkDependencies(merged), ...checkPorts(merged, desired), ...checkContainerNames(merged, desired), ...policyIssues(findings, merged, desired, env), ...checkNetworkCapacity(merged, desired)];
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

/** The policy context of an environment: its own folders and containers, and how host paths resolve. */
export function policyContextOf(desired: DesiredState, env: EnvironmentManifest, realPath: (absolutePath: string) => string): PolicyContext {
  // The environment's own folder tree: where the environment file is, and Compose's project
  // directory (the first compose file's folder), against which `./data` resolves.
  const projectDir = env.composeFiles[0] === undefined ? env.dir : path.dirname(env.composeFiles[0].path);
  return { security: desired.policy.security, ownTrees: [env.dir, projectDir], ownContainers: new Set(desired.services.flatMap((s) => s.containerNames)), realPath, policyFile: env.file };
}

/**
 * Every elevated setting the environment asks for, granted or not (spec-policy.ts judges
 * them): the denied ones are validation errors, the granted ones security events.
 */
export function policyFindings(desired: DesiredState, ctx: PolicyContext): PolicyFinding[] {
  return [
    ...desired.services.flatMap((service) => containerPolicyFindings(service.name, service.spec, ctx)),
    ...desired.services.flatMap((service) => (service.build === undefined ? [] : buildPolicyFindings(service.name, service.build, ctx))),
    ...desired.volumes.flatMap((volume) => volumePolicyFindings(volume, ctx)),
    ...desired.secrets.flatMap((secret) => secretPolicyFindings(secret, ctx)),
  ];
}

/** Where in the manifests a finding's setting is written. */
function findingLocation(finding: PolicyFinding, merged: ComposeDraft, desired: DesiredState, env: EnvironmentManifest): { location: SourceLocation; path: string } {
  const { subject } = finding;
  const fallback = { file: merged.file, line: 1, column: 1 };
  if (subject.kind === 'volume') return { location: merged.volumes.get(subject.name)?.location ?? fallback, path: `volumes.${subject.name}.driver_opts` };
  if (subject.kind === 'secret') return { location: env.secrets.get(subject.name)?.location ?? merged.secrets.get(subject.name)?.location ?? fallback, path: `secrets.${subject.name}.file` };
  if (subject.kind === 'config') return { location: merged.configs.get(subject.name)?.location ?? fallback, path: `configs.${subject.name}.file` };
  const draft = merged.services.get(subject.name);
  const keyPath = `services.${subject.name}.${finding.key}`;
  if (draft === undefined) return { location: fallback, path: keyPath };
  const where = (field: string): SourceLocation => draft.options?.get(field)?.location ?? draft.fieldLocations.get(field) ?? draft.location;
  switch (finding.key) {
    case 'cap_add':
      return { location: draft.capAdd?.find((c) => normaliseCapability(c.value) === finding.value)?.location ?? where('cap_add'), path: keyPath };
    case 'security_opt':
      return { location: draft.securityOpt?.find((o) => o.value === finding.value)?.location ?? where('security_opt'), path: keyPath };
    case 'volumes_from':
      return { location: draft.volumesFrom?.find((v) => v.value.includes(finding.value.slice('container:'.length)))?.location ?? where('volumes_from'), path: keyPath };
    case 'volumes': {
      // The desired mount has `~` expanded; the draft keeps what the user wrote: match by target.
      const spec = desired.services.find((s) => s.name === subject.name)?.spec;
      const target = spec?.mounts.find((m) => m.type === 'bind' && m.source === finding.value)?.target;
      for (const [, entry] of draft.volumes ?? []) if (entry.value.type === 'bind' && entry.value.target === target) return { location: entry.location, path: keyPath };
      return { location: where('volumes'), path: keyPath };
    }
    default:
      return { location: where(finding.key), path: keyPath };
  }
}

/** The denied findings as issues, each at the key that asks for its setting. */
function policyIssues(findings: readonly PolicyFinding[], merged: ComposeDraft, desired: DesiredState, env: EnvironmentManifest): ManifestIssue[] {
  return findings
    .filter((finding) => !finding.allowed)
    .map((finding) => {
      const { location, path: keyPath } = findingLocation(finding, merged, desired, env);
      return issue(finding.code, location, keyPath, finding.message, finding.remediation);
    });
}
