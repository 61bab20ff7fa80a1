import path from 'node:path';
import type { ContainerSpec, DesiredSecret, DesiredVolume, ImageBuild, SecurityPolicy } from '../model/desired.js';
import type { PolicyCode } from '../model/issue.js';
import { isWithin } from '../manifest/policy.js';

export type { PolicyCode } from '../model/issue.js';

/** What asks for an elevated setting: a service's container, a named volume, or a secret or config. */
export interface PolicySubject {
  readonly kind: 'service' | 'volume' | 'secret' | 'config';
  readonly name: string;
}

/**
 * One elevated setting a manifest asks for, and whether the policy grants it. Denied findings
 * become validation errors; granted ones are what `security.granted` events and the audit log
 * record.
 */
export interface PolicyFinding {
  readonly code: PolicyCode;
  readonly subject: PolicySubject;
  /** The key that asks for it (`privileged`, `cap_add`, `volumes`, `driver_opts`, `file`, ...). */
  readonly key: string;
  /** What it asks for: a capability, a host path, an option. */
  readonly value: string;
  /** The policy.security setting that grants it, e.g. `allow_privileged: true`. */
  readonly grantedBy: string;
  readonly allowed: boolean;
  /** Why it is denied (or would be without the grant), one sentence. */
  readonly message: string;
  readonly remediation: string;
}

/** What the policy checks need besides the policy itself. */
export interface PolicyContext {
  readonly security: SecurityPolicy;
  /** The environment's own folders (its file's folder, the Compose project folder): binds and secrets there need no grant. */
  readonly ownTrees: readonly string[];
  /** Container names this environment makes: joining them is no escape. */
  readonly ownContainers: ReadonlySet<string>;
  /** Where a host path really leads, symbolic links resolved (the longest existing prefix); identity where unknown. */
  readonly realPath: (absolutePath: string) => string;
  /** The environment file named in remediations. */
  readonly policyFile: string;
}

/**
 * The API sockets of Podman and Docker: whoever can talk to one runs containers as its owner
 * (root, for the system ones). Matched by name anywhere (a rootless user's
 * `/run/user/UID/podman/podman.sock`, a socket under a custom path).
 */
const RUNTIME_SOCKETS = ['/run/podman/podman.sock', '/var/run/podman/podman.sock', '/run/docker.sock', '/var/run/docker.sock'];
const RUNTIME_SOCKET_NAME = /(^|\/)(docker|podman)\.sock$/;

/** `security_opt` entries that turn a confinement off (`key=value` or Compose's `key:value`). */
const UNCONFINING: readonly { readonly key: string; readonly value: (v: string) => boolean; readonly what: string }[] = [
  { key: 'seccomp', value: (v) => v === 'unconfined', what: 'turns seccomp off' },
  { key: 'apparmor', value: (v) => v === 'unconfined', what: 'turns AppArmor off' },
  { key: 'label', value: (v) => v === 'disable', what: 'turns SELinux labelling off' },
  { key: 'systempaths', value: (v) => v === 'unconfined', what: 'unmasks /proc and /sys' },
  { key: 'unmask', value: (v) => v !== '', what: 'unmasks paths of /proc and /sys' },
];

/** Splits a `security_opt` entry into its key and value (`seccomp=unconfined`, `label:disable`, `no-new-privileges`). */
export function securityOptParts(option: string): { readonly key: string; readonly value: string } {
  const match = /^([a-z-]+)[=:](.*)$/.exec(option);
  return match === null ? { key: option, value: '' } : { key: match[1]!, value: match[2]! };
}

/** Whether a `security_opt` entry turns no-new-privileges off (`no-new-privileges:false`). */
export function turnsOffNoNewPrivileges(option: string): boolean {
  const { key, value } = securityOptParts(option);
  return key === 'no-new-privileges' && value === 'false';
}

function within(candidate: string, roots: readonly string[], realPath: (p: string) => string): boolean {
  return roots.some((root) => isWithin(candidate, realPath(root)));
}

/** Host-path findings of one bind source: the runtime socket, then the folder it lies in. */
function hostPathFindings(subject: PolicySubject, key: string, source: string, ctx: PolicyContext, hint: string): PolicyFinding[] {
  const { security } = ctx;
  const real = ctx.realPath(source);
  const shown = real === path.resolve(source) ? source : `${source} (which leads to ${real})`;
  const findings: PolicyFinding[] = [];
  if (RUNTIME_SOCKET_NAME.test(real) || RUNTIME_SOCKETS.some((socket) => isWithin(ctx.realPath(socket), real))) {
    findings.push({
      code: 'PHX-POLICY-RUNTIME-SOCKET',
      subject,
      key,
      value: source,
      grantedBy: 'allow_runtime_socket: true',
      allowed: security.allowRuntimeSocket,
      message: `${describe(subject)} mounts ${shown}, which holds (or is) the Podman or Docker API socket: whoever reaches it controls the host's containers.`,
      remediation: `Remove the mount, ${hint} (allow_runtime_socket: true).`,
    });
  }
  const inOwnTree = within(real, ctx.ownTrees, ctx.realPath);
  findings.push({
    code: 'PHX-POLICY-HOST-PATH',
    subject,
    key,
    value: source,
    grantedBy: `allowed_host_paths: [${source}]`,
    allowed: inOwnTree || within(real, security.allowedHostPaths, ctx.realPath),
    message: `${describe(subject)} bind-mounts the host path ${shown}, which lies outside the environment's folder and outside this environment's allowed_host_paths.`,
    remediation: `Use a named volume, a path inside the environment's folder, ${hint} (allowed_host_paths: [${source}]).`,
  });
  // Inside the environment's own folder a bind needs no grant: it is no elevated setting.
  return inOwnTree ? findings.filter((f) => f.code !== 'PHX-POLICY-HOST-PATH') : findings;
}

function describe(subject: PolicySubject): string {
  return subject.kind === 'service' ? `"${subject.name}"` : `${subject.kind} "${subject.name}"`;
}

/**
 * Every elevated setting a container spec asks for, each marked granted or denied by the
 * environment's policy: privileged, the host network, host namespaces, another project's
 * container, added capabilities, devices, bind mounts (symlinks resolved) and the runtime
 * socket, disabled confinement and no-new-privileges turned off. Pure but for `ctx.realPath`.
 * Validation and `apply --plan` both judge specs with it.
 */
export function containerPolicyFindings(service: string, spec: ContainerSpec, ctx: PolicyContext): PolicyFinding[] {
  const { security } = ctx;
  const subject: PolicySubject = { kind: 'service', name: service };
  const hint = `or allow it in the policy.security of ${ctx.policyFile}`;
  const findings: PolicyFinding[] = [];
  const add = (code: PolicyCode, key: string, value: string, grantedBy: string, allowed: boolean, message: string, remediation: string): void =>
    void findings.push({ code, subject, key, value, grantedBy, allowed, message, remediation });
  if (spec.privileged) {
    add('PHX-POLICY-PRIVILEGED', 'privileged', 'true', 'allow_privileged: true', security.allowPrivileged, `"${service}" asks for a privileged container, which this environment's policy does not allow.`, `Remove privileged: true and add only the capabilities it needs, ${hint} (allow_privileged: true).`);
  }
  if (spec.networkMode === 'host') {
    add('PHX-POLICY-HOST-NETWORK', 'network_mode', 'host', 'allow_host_network: true', security.allowHostNetwork, `"${service}" asks for the host network, which this environment's policy does not allow.`, `Publish ports on a bridge network instead, ${hint} (allow_host_network: true).`);
  }
  const namespaces: [string, string | null | undefined][] = [
    ['pid', spec.pid],
    ['ipc', spec.ipc],
    ['uts', spec.uts],
    ['cgroup', spec.cgroupns],
    ['userns_mode', spec.usernsMode],
  ];
  for (const [key, mode] of namespaces) {
    if (mode !== 'host') continue;
    const what = key === 'userns_mode' ? 'user' : key;
    add('PHX-POLICY-HOST-NAMESPACE', key, 'host', 'allow_host_namespaces: true', security.allowHostNamespaces, `"${service}" shares the host's ${what} namespace, which this environment's policy does not allow.`, `Remove ${key}: host, ${hint} (allow_host_namespaces: true).`);
  }
  const joined: [string, string | undefined][] = [
    ['network_mode', spec.networkMode],
    ['pid', spec.pid],
    ['ipc', spec.ipc],
    ...(spec.volumesFrom ?? []).map((source): [string, string] => ['volumes_from', `container:${source.split(':')[0]!}`]),
  ];
  for (const [key, mode] of joined) {
    if (mode?.startsWith('container:') !== true) continue;
    const container = mode.slice('container:'.length);
    if (ctx.ownContainers.has(container)) continue;
    add(
      'PHX-POLICY-FOREIGN-CONTAINER',
      key,
      mode,
      'allow_foreign_containers: true',
      security.allowForeignContainers,
      `"${service}" joins the container ${container} (${key}), which this environment does not make: it shares that container's namespaces or volumes.`,
      `Use service:NAME for a service of this environment, ${hint} (allow_foreign_containers: true).`,
    );
  }
  const allowAll = security.allowedCapabilities.includes('ALL');
  for (const capability of spec.capAdd) {
    add('PHX-POLICY-CAPABILITY', 'cap_add', capability, `allowed_capabilities: [${capability}]`, allowAll || security.allowedCapabilities.includes(capability), `"${service}" adds the capability ${capability}, which this environment's policy does not allow.`, `Remove it, ${hint} (allowed_capabilities: [${capability}]).`);
  }
  for (const device of spec.devices ?? []) {
    // A CDI name (vendor.com/class=name) is resolved by Podman from the host's CDI specs, not a path.
    if (!device.startsWith('/')) continue;
    const hostPath = device.split(':')[0]!;
    const real = ctx.realPath(hostPath);
    add('PHX-POLICY-DEVICE', 'devices', hostPath, `allowed_devices: [${hostPath}]`, within(real, security.allowedDevices, ctx.realPath), `"${service}" is given the host device ${hostPath}, which this environment's allowed_devices does not list.`, `Remove the device, ${hint} (allowed_devices: [${hostPath}]).`);
  }
  for (const mount of spec.mounts) {
    if (mount.type === 'bind') findings.push(...hostPathFindings(subject, 'volumes', mount.source, ctx, hint));
  }
  for (const option of spec.securityOpt) {
    const { key, value } = securityOptParts(option);
    const unconfining = UNCONFINING.find((u) => u.key === key && u.value(value));
    if (unconfining !== undefined) {
      add('PHX-POLICY-UNCONFINED', 'security_opt', option, 'allow_unconfined: true', security.allowUnconfined, `"${service}" asks for security_opt ${option}, which ${unconfining.what}; this environment's policy does not allow it.`, `Remove it (or give a profile that allows what the service needs), ${hint} (allow_unconfined: true).`);
    }
    if (turnsOffNoNewPrivileges(option)) {
      add('PHX-POLICY-NEW-PRIVILEGES', 'security_opt', option, 'allow_new_privileges: true', security.allowNewPrivileges, `"${service}" turns no-new-privileges off, so its processes may gain privileges (setuid programs); this environment's policy does not allow it.`, `Remove ${option}, ${hint} (allow_new_privileges: true).`);
    }
  }
  return findings;
}

/**
 * A named volume of the local driver that binds a host folder (`driver_opts: {type: none, o:
 * bind, device: /path}`) mounts that host path like a bind mount, and is judged like one.
 */
export function volumePolicyFindings(volume: DesiredVolume, ctx: PolicyContext): PolicyFinding[] {
  const device = volume.driverOpts.device;
  if (volume.external || device === undefined || !device.startsWith('/')) return [];
  const binds = (volume.driverOpts.o ?? '').split(',').some((o) => o.trim() === 'bind' || o.trim() === 'rbind') || volume.driverOpts.type === 'none';
  if (!binds) return [];
  return hostPathFindings({ kind: 'volume', name: volume.name }, 'driver_opts', device, ctx, `or allow it in the policy.security of ${ctx.policyFile}`);
}

/**
 * A secret's or config's `file:` source outside the environment's own folders (an absolute
 * path, `../`, or a symlink out) reads any host file into a container, `/etc/shadow` or
 * `/proc/self/environ` included: it needs `allowed_secret_paths`.
 */
export function secretPolicyFindings(secret: DesiredSecret, ctx: PolicyContext): PolicyFinding[] {
  if (secret.source?.kind !== 'file') return [];
  const file = secret.source.path;
  const real = ctx.realPath(file);
  const subject: PolicySubject = { kind: secret.config === true ? 'config' : 'secret', name: secret.name };
  if (within(real, ctx.ownTrees, ctx.realPath)) return [];
  const shown = real === path.resolve(file) ? file : `${file} (which leads to ${real})`;
  return [
    {
      code: 'PHX-POLICY-SECRET-PATH',
      subject,
      key: 'file',
      value: file,
      grantedBy: `allowed_secret_paths: [${path.dirname(file)}]`,
      allowed: within(real, ctx.security.allowedSecretPaths, ctx.realPath),
      message: `${describe(subject)} is read from ${shown}, which lies outside the environment's folder and outside this environment's allowed_secret_paths.`,
      remediation: `Keep the file inside the environment's folder, or allow its folder in the policy.security of ${ctx.policyFile} (allowed_secret_paths: [${path.dirname(file)}]).`,
    },
  ];
}

/**
 * A service's `build.context` outside the environment's own folders (an absolute path, `../`,
 * or a link out) reads those host files into an image, where any container of it may read
 * them: it needs `allowed_build_contexts`, like a bind mount needs `allowed_host_paths`. A
 * Dockerfile outside its context is read from the host too, and judged the same way.
 */
export function buildPolicyFindings(service: string, build: ImageBuild, ctx: PolicyContext): PolicyFinding[] {
  const subject: PolicySubject = { kind: 'service', name: service };
  const sources: [string, string][] = [['build.context', build.context]];
  if (build.dockerfile.kind === 'file' && !isWithin(ctx.realPath(build.dockerfile.path), ctx.realPath(build.context))) sources.push(['build.dockerfile', build.dockerfile.path]);
  const findings: PolicyFinding[] = [];
  for (const [key, source] of sources) {
    const real = ctx.realPath(source);
    if (within(real, ctx.ownTrees, ctx.realPath)) continue;
    const shown = real === path.resolve(source) ? source : `${source} (which leads to ${real})`;
    const folder = key === 'build.context' ? source : path.dirname(source);
    findings.push({
      code: 'PHX-POLICY-BUILD-CONTEXT',
      subject,
      key: 'build',
      value: source,
      grantedBy: `allowed_build_contexts: [${folder}]`,
      allowed: within(real, ctx.security.allowedBuildContexts ?? [], ctx.realPath),
      message: `"${service}" builds its image from ${shown} (${key}), which lies outside the environment's folder and outside this environment's allowed_build_contexts: building reads those host files into the image.`,
      remediation: `Keep the build context inside the environment's folder, or allow it in the policy.security of ${ctx.policyFile} (allowed_build_contexts: [${folder}]).`,
    });
  }
  return findings;
}
