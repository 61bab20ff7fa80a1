import path from 'node:path';
import type { DesiredState } from '../model/desired.js';
import { DEFAULT_POLICY, normaliseCapability, isWithin } from '../manifest/policy.js';
import type { PolicyCode, PolicyContext } from '../security/spec-policy.js';
import { buildPolicyFindings, containerPolicyFindings, secretPolicyFindings, volumePolicyFindings } from '../security/spec-policy.js';

/** One service that needs a policy opening, and the Compose setting that asks for it. */
export interface Need {
  readonly service: string;
  /** The setting as the compose file writes it, e.g. `cap_add: NET_ADMIN`. */
  readonly why: string;
}

/** A secret of the compose file and the source the environment file should name. */
export type SecretNeed = { readonly name: string; readonly kind: 'file'; readonly path: string } | { readonly name: string; readonly kind: 'environment'; readonly variable: string };

/** What an environment file must say for a compose file to validate under it. */
export interface ComposeNeeds {
  /** The compose file's own `name:`, if it sets one. */
  readonly name: string | null;
  readonly secrets: readonly SecretNeed[];
  readonly privileged: readonly Need[];
  readonly hostNetwork: readonly Need[];
  /** Services sharing a host namespace (`pid: host`, ...). */
  readonly hostNamespaces: readonly Need[];
  /** By normalised capability name (`NET_ADMIN`, or `ALL`), sorted. */
  readonly capabilities: ReadonlyMap<string, readonly Need[]>;
  /** By absolute host path, sorted; only paths outside the environment's own folder tree. */
  readonly hostPaths: ReadonlyMap<string, readonly Need[]>;
  /** By host device path, sorted. */
  readonly devices: ReadonlyMap<string, readonly Need[]>;
  /**
   * Secret and config files outside the environment's own folder tree, by absolute path,
   * sorted: each is allowed as that one file (`allowed_secret_paths`), never its folder.
   */
  readonly secretPaths: ReadonlyMap<string, readonly Need[]>;
  /** Build contexts (or a Dockerfile's folder) outside the environment's folder tree, by absolute path, sorted. */
  readonly buildContexts: ReadonlyMap<string, readonly Need[]>;
  /** The boolean policy.security switches (`allow_unconfined`, ...) other settings need, by key, sorted. */
  readonly switches: ReadonlyMap<string, readonly Need[]>;
}

/** Where paths in the compose file resolve, and which folders need no policy opening. */
export interface SurveyContext {
  /** Compose's project directory: the compose file's folder. */
  readonly projectDir: string;
  /** The folder the environment file will be written to. */
  readonly environmentsDir: string;
  readonly homeDir: string;
}

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Reads what a compose file (parsed and interpolated, nothing else) asks of Phoenix's policy and secrets:
 * privileged containers, the host network, added capabilities, bind mounts of host paths
 * outside the environment's folder tree (the same rule `phoenix validate` applies), and the
 * sources of its secrets. Pure; tolerant of values it does not understand (the validation
 * that follows `phoenix init` reports those).
 */
export function surveyCompose(doc: unknown, ctx: SurveyContext): ComposeNeeds {
  const root = isObject(doc) ? doc : {};
  const privileged: Need[] = [];
  const hostNetwork: Need[] = [];
  const hostNamespaces: Need[] = [];
  const capabilities = new Map<string, Need[]>();
  const hostPaths = new Map<string, Need[]>();
  const devices = new Map<string, Need[]>();
  const add = (map: Map<string, Need[]>, key: string, need: Need): void => void map.set(key, [...(map.get(key) ?? []), need]);
  for (const [service, value] of Object.entries(isObject(root.services) ? root.services : {})) {
    if (!isObject(value)) continue;
    if (value.privileged === true || value.privileged === 'true') privileged.push({ service, why: 'privileged: true' });
    if (value.network_mode === 'host') hostNetwork.push({ service, why: 'network_mode: host' });
    for (const key of HOST_NAMESPACE_KEYS) if (value[key] === 'host') hostNamespaces.push({ service, why: `${key}: host` });
    for (const device of Array.isArray(value.devices) ? value.devices : []) {
      const source = typeof device === 'string' ? device.split(':')[0]! : isObject(device) && typeof device.source === 'string' ? device.source : '';
      if (source.startsWith('/')) add(devices, source, { service, why: `devices: ${source}` });
    }
    for (const capability of Array.isArray(value.cap_add) ? value.cap_add : []) {
      if (typeof capability === 'string') add(capabilities, normaliseCapability(capability), { service, why: `cap_add: ${capability}` });
    }
    for (const mount of Array.isArray(value.volumes) ? value.volumes : []) {
      const bind = bindSource(mount);
      if (bind === null) continue;
      const absolute = bind.source.startsWith('~') ? path.join(ctx.homeDir, bind.source.slice(1)) : path.resolve(ctx.projectDir, bind.source);
      if (isWithin(absolute, ctx.environmentsDir) || isWithin(absolute, ctx.projectDir)) continue;
      add(hostPaths, absolute, { service, why: `volumes: ${bind.written}` });
    }
  }
  const secretPaths = new Map<string, Need[]>();
  for (const [kind, map] of [['secret', root.secrets], ['config', root.configs]] as const) {
    for (const need of secretNeeds(map, ctx.projectDir)) {
      if (need.kind !== 'file' || isWithin(need.path, ctx.environmentsDir) || isWithin(need.path, ctx.projectDir)) continue;
      add(secretPaths, need.path, { service: `${kind} ${need.name}`, why: `file: ${need.path}` });
    }
  }
  return {
    name: typeof root.name === 'string' ? root.name : null,
    secrets: secretNeeds(root.secrets, ctx.projectDir),
    privileged,
    hostNetwork,
    hostNamespaces,
    capabilities: sortedMap(capabilities),
    hostPaths: sortedMap(hostPaths),
    devices: sortedMap(devices),
    secretPaths: sortedMap(secretPaths),
    // Seen only through the loader (policyNeedsOf): a build's context and Dockerfile resolve as validation resolves them.
    buildContexts: new Map(),
    switches: new Map(),
  };
}

/** The service keys whose `host` value shares a namespace of the host. */
const HOST_NAMESPACE_KEYS = ['pid', 'ipc', 'uts', 'cgroup', 'userns_mode'] as const;

/** The policy part of {@link ComposeNeeds}. */
export type PolicyNeeds = Pick<ComposeNeeds, 'privileged' | 'hostNetwork' | 'hostNamespaces' | 'capabilities' | 'hostPaths' | 'devices' | 'secretPaths' | 'buildContexts' | 'switches'>;

/**
 * The policy openings a loaded desired state needs: read after Phoenix's own loader has
 * interpolated, merged overlays, resolved `extends`, `include` and anchors, and expanded `~`,
 * so that it sees exactly what `phoenix validate` will check.
 */
export function policyNeedsOf(desired: DesiredState, ctx: SurveyContext): PolicyNeeds {
  const privileged: Need[] = [];
  const hostNetwork: Need[] = [];
  const hostNamespaces: Need[] = [];
  const capabilities = new Map<string, Need[]>();
  const hostPaths = new Map<string, Need[]>();
  const devices = new Map<string, Need[]>();
  const switches = new Map<string, Need[]>();
  const add = (map: Map<string, Need[]>, key: string, need: Need): void => void map.set(key, [...(map.get(key) ?? []), need]);
  // The settings judged by a boolean switch of their own, found as validation finds them.
  const judge: PolicyContext = { security: DEFAULT_POLICY.security, ownTrees: [ctx.environmentsDir, ctx.projectDir], ownContainers: new Set(desired.services.flatMap((s) => s.containerNames)), realPath: (p) => p, policyFile: '' };
  for (const { name: service, spec } of desired.services) {
    for (const finding of containerPolicyFindings(service, spec, judge)) {
      const key = SWITCH_OF[finding.code];
      if (key !== undefined) add(switches, key, { service, why: `${finding.key}: ${finding.value}` });
    }
    if (spec.privileged) privileged.push({ service, why: 'privileged: true' });
    if (spec.networkMode === 'host') hostNetwork.push({ service, why: 'network_mode: host' });
    const modes = { pid: spec.pid, ipc: spec.ipc, uts: spec.uts, cgroup: spec.cgroupns, userns_mode: spec.usernsMode ?? undefined };
    for (const [key, mode] of Object.entries(modes)) if (mode === 'host') hostNamespaces.push({ service, why: `${key}: host` });
    for (const device of spec.devices ?? []) if (device.startsWith('/')) add(devices, device.split(':')[0]!, { service, why: `devices: ${device}` });
    for (const capability of spec.capAdd) add(capabilities, capability, { service, why: `cap_add: ${capability}` });
    for (const mount of spec.mounts) {
      if (mount.type !== 'bind' || isWithin(mount.source, ctx.environmentsDir) || isWithin(mount.source, ctx.projectDir)) continue;
      add(hostPaths, mount.source, { service, why: `volumes: ${mount.source}:${mount.target}` });
    }
  }
  // A named volume that binds a host folder (driver_opts device) is judged like a bind mount.
  for (const volume of desired.volumes) {
    for (const finding of volumePolicyFindings(volume, judge)) {
      const need = { service: `volume ${volume.name}`, why: `driver_opts.device: ${finding.value}` };
      if (finding.code === 'PHX-POLICY-HOST-PATH') add(hostPaths, finding.value, need);
      const key = SWITCH_OF[finding.code];
      if (key !== undefined) add(switches, key, need);
    }
  }
  // A secret's or config's file outside the environment's folders: that one file, as validation judges it.
  const secretPaths = new Map<string, Need[]>();
  for (const secret of desired.secrets) {
    for (const finding of secretPolicyFindings(secret, judge)) add(secretPaths, finding.value, { service: `${finding.subject.kind} ${finding.subject.name}`, why: `file: ${finding.value}` });
  }
  // A build reads its context (and a Dockerfile outside it) from the host.
  const buildContexts = new Map<string, Need[]>();
  for (const service of desired.services) {
    if (service.build === undefined) continue;
    for (const finding of buildPolicyFindings(service.name, service.build, judge)) {
      const folder = finding.value === service.build.context ? finding.value : path.dirname(finding.value);
      add(buildContexts, folder, { service: service.name, why: `build: ${finding.value}` });
    }
  }
  return {
    privileged,
    hostNetwork,
    hostNamespaces,
    capabilities: sortedMap(capabilities),
    hostPaths: sortedMap(hostPaths),
    devices: sortedMap(devices),
    secretPaths: sortedMap(secretPaths),
    buildContexts: sortedMap(buildContexts),
    switches: sortedMap(switches),
  };
}

/** The policy codes whose grant is one boolean switch not covered above, and that switch. */
const SWITCH_OF: Partial<Record<PolicyCode, string>> = {
  'PHX-POLICY-FOREIGN-CONTAINER': 'allow_foreign_containers',
  'PHX-POLICY-RUNTIME-SOCKET': 'allow_runtime_socket',
  'PHX-POLICY-UNCONFINED': 'allow_unconfined',
  'PHX-POLICY-NEW-PRIVILEGES': 'allow_new_privileges',
};

/** The host path of a bind mount in short or long syntax (as Compose tells them apart), or null. */
function bindSource(mount: unknown): { source: string; written: string } | null {
  if (typeof mount === 'string') {
    const [source = '', target] = mount.split(':');
    if (target === undefined) return null;
    return /^(\/|\.|~)/.test(source) ? { source, written: mount } : null;
  }
  if (isObject(mount) && mount.type === 'bind' && typeof mount.source === 'string') {
    return { source: mount.source, written: `${mount.source} (type: bind) at ${String(mount.target)}` };
  }
  return null;
}

function secretNeeds(secrets: unknown, projectDir: string): SecretNeed[] {
  const out: SecretNeed[] = [];
  for (const [name, def] of Object.entries(isObject(secrets) ? secrets : {})) {
    if (!isObject(def) || def.external === true) continue;
    if (typeof def.file === 'string') out.push({ name, kind: 'file', path: path.resolve(projectDir, def.file) });
    else if (typeof def.environment === 'string') out.push({ name, kind: 'environment', variable: def.environment });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

function sortedMap<T>(map: Map<string, T>): Map<string, T> {
  return new Map([...map].sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The project name Compose derives from a folder name: lower-cased, every character other
 * than `a-z`, `0-9`, `_` and `-` dropped, and leading `_`/`-` trimmed (docker compose v2;
 * podman-compose and docker-compose 1.x drop the same characters). Phoenix adopts
 * podman-compose's containers by this name, so it must match. Empty when nothing is left.
 */
export function composeProjectName(folderName: string): string {
  return folderName
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}
