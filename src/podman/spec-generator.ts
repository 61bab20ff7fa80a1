/**
 * The libpod REST API's container-create body (Podman's SpecGenerator, `POST
 * /libpod/containers/create`) for a container intent: the same container `podman create` makes
 * from containerCreateArgs (create-args.ts), without the podman process. Pure, so the mapping is
 * tested without Podman; test/podman/spec-generator-equivalence.podman.test.ts creates each
 * container both ways on real Podman and compares `podman container inspect` of the two.
 *
 * `podman create` does part of its work in the client before it calls the same code the API
 * does: it parses flags (ports, secrets, health check, namespaces, memory), adds defaults of its
 * own (a memory limit doubles as the swap limit, an annotation for the TTY, tmpfs mounts for
 * --read-only) and passes some containers.conf defaults as flag values. Each is repeated here
 * exactly. An option this mapping does not know how to repeat exactly makes the result a
 * `fallback` with the reason: that container is created with `podman create` instead, so that
 * what Podman runs never depends on the path taken. No secret value is ever in the body:
 * containers get secrets by name, as on the command line.
 */
import os from 'node:os';
import path from 'node:path';
import type { ConfigMount, ContainerOptions, ContainerSpec, HealthCheckSpec, Mount, PortMapping, SecretMount } from '../model/desired.js';
import type { ContainerIntent } from '../plan/actions.js';
import { healthArgs } from './create-args.js';

/** A namespace as SpecGenerator takes it (`{"nsmode": "host"}`, `{"nsmode": "container", "value": "db"}`). */
export interface SpecNamespace {
  readonly nsmode: string;
  readonly value?: string;
}

/** The part of Podman 4's SpecGenerator Phoenix fills in; field names are Podman's JSON names. */
export type SpecGenerator = Readonly<Record<string, unknown>> & { readonly name: string; readonly image: string };

/** The body, or why this container goes through `podman create` instead. */
export type SpecGeneratorResult = { readonly ok: true; readonly body: SpecGenerator } | { readonly ok: false; readonly reason: string };

/** Thrown inside the builder for an option it cannot repeat exactly; caught into a fallback. */
class Unmapped extends Error {}

function unmapped(reason: string): never {
  throw new Unmapped(reason);
}

/** The defaults `podman create` 4.3 gives its health-check flags when they are not passed. */
const HEALTH_DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3 } as const;

/** The tmpfs mounts `podman create --read-only` adds (its --read-only-tmpfs defaults to true), with their options. */
const READ_ONLY_TMPFS = ['/tmp', '/var/tmp', '/run'] as const;
const READ_ONLY_TMPFS_OPTIONS = ['rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup'] as const;

/**
 * Every ContainerOptions field: `true` when the body carries it, else why `podman create` makes
 * such a container. The type makes a row compulsory, so a new option cannot reach the spec
 * (and the config hash) and be left out of the request without a decision.
 */
export const OPTION_SUPPORT: { readonly [K in keyof Required<ContainerOptions>]: true | string } = {
  shmSizeBytes: true,
  ulimits: true,
  dns: true,
  dnsSearch: true,
  dnsOptions: true,
  sysctls: true,
  devices: true,
  deviceCgroupRules: '`device_cgroup_rules` are parsed by podman create',
  logging: true,
  stdinOpen: true,
  tty: true,
  platform: '`platform` selects the image variant when podman pulls it',
  pid: true,
  ipc: true,
  uts: true,
  cgroupns: true,
  cgroupParent: true,
  groupAdd: true,
  memorySwapBytes: true,
  memoryReservationBytes: true,
  memorySwappiness: true,
  cpuShares: true,
  cpuQuota: true,
  cpuPeriod: true,
  cpuRtPeriod: 'real-time CPU limits are left to podman create',
  cpuRtRuntime: 'real-time CPU limits are left to podman create',
  cpuset: true,
  pidsLimit: true,
  oomScoreAdj: true,
  oomKillDisable: true,
  macAddress: '`mac_address` is applied by podman create to its first network',
  annotations: true,
  runtime: '`runtime` is a global option of podman, not a field of the create request',
  expose: true,
  volumesFrom: true,
  blkioWeight: 'block I/O limits are left to podman create',
  blkioWeightDevices: 'block I/O limits are left to podman create',
  deviceReadBps: 'block I/O limits are left to podman create',
  deviceReadIops: 'block I/O limits are left to podman create',
  deviceWriteBps: 'block I/O limits are left to podman create',
  deviceWriteIops: 'block I/O limits are left to podman create',
};

/**
 * The create request for `intent` under `name`, or a fallback with the reason. `name` is the
 * container's name (a replacement is created under a temporary one).
 */
export function specGenerator(intent: ContainerIntent, name: string = intent.name): SpecGeneratorResult {
  try {
    return { ok: true, body: build(intent, name) };
  } catch (error) {
    if (error instanceof Unmapped) return { ok: false, reason: error.message };
    throw error;
  }
}

function build(intent: ContainerIntent, name: string): SpecGenerator {
  const spec = intent.spec;
  for (const field of Object.keys(OPTION_SUPPORT) as (keyof ContainerOptions)[]) {
    const support = OPTION_SUPPORT[field];
    if (support !== true && spec[field] !== undefined) unmapped(support);
  }
  const body: Record<string, unknown> = {
    name,
    image: spec.image,
    raw_image_name: spec.image,
    // The labels of the intent (ownership, config hash) win over the user's, as on the command line.
    labels: { ...spec.labels, ...intent.labels },
    env: { ...spec.environment },
    // podman create's own defaults, sent as flag values: the TTY annotation first, user annotations over it.
    annotations: { 'io.kubernetes.cri-o.TTY': spec.tty === true ? 'true' : 'false', ...(spec.annotations ?? {}) },
    sdnotifyMode: 'container',
    systemd: 'true',
    httpproxy: true,
    image_volume_mode: 'anonymous',
    seccomp_policy: 'default',
    oom_score_adj: spec.oomScoreAdj ?? 0,
    stop_timeout: stopTimeout(spec.stopGracePeriodSeconds),
    restart_policy: spec.restart,
  };
  if (spec.restart === 'on-failure' && spec.restartMaxRetries > 0) body.restart_tries = spec.restartMaxRetries;
  if (spec.entrypoint !== null) body.entrypoint = [...spec.entrypoint];
  // An empty command is no command on the command line: the image's own runs.
  if (spec.command !== null && spec.command.length > 0) body.command = [...spec.command];
  if (spec.user !== null) body.user = spec.user;
  if (spec.workingDir !== null) body.work_dir = spec.workingDir;
  if (spec.hostname !== null) body.hostname = spec.hostname;
  if (spec.extraHosts.length > 0) body.hostadd = [...spec.extraHosts];
  if (spec.init) body.init = true;
  if (spec.privileged) body.privileged = true;
  if (spec.capAdd.length > 0) body.cap_add = [...spec.capAdd];
  if (spec.capDrop.length > 0) body.cap_drop = [...spec.capDrop];
  if (spec.stopSignal !== null) body.stop_signal = signalNumber(spec.stopSignal);
  if (spec.usernsMode !== null) body.userns = usernsNamespace(spec.usernsMode);
  if (spec.stdinOpen === true) body.stdin = true;
  if (spec.tty === true) body.terminal = true;
  Object.assign(body, securityOptions(spec.securityOpt, body.annotations as Record<string, string>));
  Object.assign(body, storage(spec));
  Object.assign(body, network(spec));
  if (spec.healthcheck !== null) body.healthconfig = healthConfig(spec.healthcheck);
  const secrets = [...spec.secrets, ...(spec.configs ?? [])].map(secret);
  if (secrets.length > 0) body.secrets = secrets;
  const limits = resourceLimits(spec);
  if (limits !== null) body.resource_limits = limits;
  Object.assign(body, options(spec));
  return body as SpecGenerator;
}

/** `--stop-timeout` is a whole number of seconds on the command line. */
function stopTimeout(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 0) unmapped(`stop_grace_period of ${seconds} s is not a whole number of seconds`);
  return seconds;
}

/** The signal's number, as podman create's ParseSignal reads a name (with or without SIG) or a number. */
export function signalNumber(signal: string): number {
  if (/^\d+$/.test(signal)) return Number(signal);
  const upper = signal.toUpperCase();
  const known = os.constants.signals[(upper.startsWith('SIG') ? upper : `SIG${upper}`) as keyof typeof os.constants.signals];
  return known ?? unmapped(`the stop signal ${signal} is left to podman create to read`);
}

/** Only the user namespace modes that need no ID mappings: the rest are worked out by podman create. */
function usernsNamespace(mode: string): SpecNamespace {
  if (mode === 'host' || mode === '') return { nsmode: 'host' };
  return unmapped(`userns_mode ${mode} needs ID mappings that podman create works out`);
}

/** A namespace option (`host`, `private`, `container:NAME`, `ns:PATH`, and for IPC `shareable`/`none`). */
function namespace(option: string, value: string, extra: readonly string[] = []): SpecNamespace {
  if (value === 'host' || value === 'private' || extra.includes(value)) return { nsmode: value };
  if (value.startsWith('container:') && value.length > 'container:'.length) return { nsmode: 'container', value: value.slice('container:'.length) };
  if (value.startsWith('ns:') && value.length > 'ns:'.length) return { nsmode: 'path', value: value.slice('ns:'.length) };
  return unmapped(`${option}: ${value} is left to podman create to read`);
}

/**
 * `--security-opt` as podman create 4.3 reads it: no-new-privileges, and the label, apparmor
 * and seccomp options (each also recorded as an annotation, as podman create does).
 */
function securityOptions(securityOpt: readonly string[], annotations: Record<string, string>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const labels: string[] = [];
  for (const option of securityOpt) {
    const match = /^([a-z-]+)[=:](.*)$/.exec(option);
    const [key, value] = match === null ? [option, ''] : [match[1]!, match[2]!];
    if (key === 'no-new-privileges') {
      if (value === '' || value === 'true') result.no_new_privileges = true;
      else if (value !== 'false') unmapped(`security_opt ${option} is left to podman create to read`);
      else delete result.no_new_privileges;
    } else if (key === 'label' && match !== null && option[key.length] === '=') {
      labels.push(value);
      annotations['io.podman.annotations.label'] = labels.join(',label=');
    } else if (key === 'apparmor' && match !== null && option[key.length] === '=') {
      result.apparmor_profile = value;
      annotations['io.podman.annotations.apparmor'] = value;
    } else if (key === 'seccomp' && match !== null && option[key.length] === '=') {
      result.seccomp_profile_path = value;
      annotations['io.podman.annotations.seccomp'] = value;
    } else {
      unmapped(`security_opt ${option} is left to podman create to read`);
    }
  }
  if (labels.length > 0) result.selinux_opts = labels;
  return result;
}

/** Mounts (bind, tmpfs) and volumes (named, anonymous), plus the tmpfs mounts --read-only adds. */
function storage(spec: ContainerSpec): Record<string, unknown> {
  const mounts: Record<string, unknown>[] = [];
  const volumes: Record<string, unknown>[] = [];
  const destinations = new Set<string>();
  for (const mount of spec.mounts) {
    const destination = mountDestination(mount);
    if (destinations.has(destination)) unmapped(`two mounts at ${destination}: podman create reports that`);
    destinations.add(destination);
    const entry = mountEntry(mount, destination);
    if ('Dest' in entry) volumes.push(entry);
    else mounts.push(entry);
  }
  if (spec.readOnly) {
    for (const destination of READ_ONLY_TMPFS) {
      if (!destinations.has(destination)) mounts.push({ destination, type: 'tmpfs', source: 'tmpfs', options: [...READ_ONLY_TMPFS_OPTIONS] });
    }
  }
  return {
    ...(mounts.length > 0 ? { mounts } : {}),
    ...(volumes.length > 0 ? { volumes } : {}),
    ...(spec.readOnly ? { read_only_filesystem: true } : {}),
  };
}

function mountDestination(mount: Mount): string {
  if (mount.type === 'tmpfs' && mount.target.includes(':')) unmapped(`the tmpfs target ${mount.target} holds a colon, which podman create reads as a separator`);
  return mount.type === 'tmpfs' ? path.posix.normalize(mount.target).replace(/(.)\/$/, '$1') : mount.target;
}

function mountEntry(mount: Mount, destination: string): Record<string, unknown> {
  switch (mount.type) {
    case 'volume':
      return { Name: mount.source, Dest: destination, Options: [...(mount.readOnly ? ['ro'] : []), ...(mount.noCopy === true ? ['nocopy'] : [])] };
    case 'anonymous':
      return { Name: '', Dest: destination, Options: mount.readOnly ? ['ro'] : [] };
    case 'bind':
      return { destination, type: 'bind', source: mount.source, options: [...(mount.readOnly ? ['ro'] : []), ...(mount.selinux === '' ? [] : [mount.selinux]), ...(mount.propagation === undefined ? [] : [mount.propagation])] };
    case 'tmpfs':
      return { destination, type: 'tmpfs', source: 'tmpfs', options: [...(mount.options ?? []), ...(mount.sizeBytes === null ? [] : [`size=${mount.sizeBytes}`])] };
  }
}

/** The network namespace and the attachments (aliases, static addresses, interface names). */
function network(spec: ContainerSpec): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const mode = spec.networkMode;
  if (mode === 'host' || mode === 'none') result.netns = { nsmode: mode };
  else if (mode.startsWith('container:') && mode.length > 'container:'.length) result.netns = { nsmode: 'container', value: mode.slice('container:'.length) };
  else if (mode !== 'bridge' && mode !== '') unmapped(`network_mode ${mode} is left to podman create to read`);
  else if (spec.networks.length > 0) {
    result.netns = { nsmode: 'bridge' };
    result.Networks = Object.fromEntries(
      spec.networks.map((attachment) => [
        attachment.network,
        {
          ...(attachment.aliases.length > 0 ? { aliases: [...attachment.aliases] } : {}),
          ...(attachment.ipv4Address !== null || attachment.ipv6Address !== undefined ? { static_ips: [...(attachment.ipv4Address === null ? [] : [attachment.ipv4Address]), ...(attachment.ipv6Address === undefined ? [] : [attachment.ipv6Address])] } : {}),
          ...(attachment.macAddress === undefined ? {} : { static_mac: attachment.macAddress }),
          ...(attachment.interfaceName === undefined ? {} : { interface_name: attachment.interfaceName }),
        },
      ]),
    );
  }
  // Ports are published on the bridge (or slirp) only; podman create refuses them elsewhere, and so does the API.
  if (spec.ports.length > 0) result.portmappings = spec.ports.map(portMapping);
  const expose = spec.expose === undefined ? {} : exposedPorts(spec.expose);
  if (Object.keys(expose).length > 0) result.expose = expose;
  return result;
}

function portRange(text: string, what: string): { start: number; count: number } {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (match === null) return unmapped(`the ${what} ${text} is left to podman create to read`);
  const start = Number(match[1]);
  const end = match[2] === undefined ? start : Number(match[2]);
  if (start < 1 || end > 65535 || end < start) unmapped(`the ${what} ${text} is left to podman create to check`);
  return { start, count: end - start + 1 };
}

/** `[host_ip:][host_port[-end]:]container_port[-end]/protocol` as podman create parses it. */
function portMapping(port: PortMapping): Record<string, unknown> {
  const target = portRange(port.target, 'container port');
  const published = port.published === '' ? null : portRange(port.published, 'host port');
  if (published !== null && published.count !== target.count) unmapped(`host ports ${port.published} and container ports ${port.target} differ in length`);
  const hostIp = port.hostIp.replace(/^\[(.*)\]$/, '$1');
  return {
    ...(hostIp === '' ? {} : { host_ip: hostIp }),
    container_port: target.start,
    ...(published === null ? {} : { host_port: published.start }),
    range: target.count,
    protocol: port.protocol,
  };
}

/** `--expose PORT[-END]/PROTOCOL`, by port; several protocols of one port are joined with commas, as podman create does. */
function exposedPorts(expose: readonly string[]): Record<string, string> {
  const ports: Record<string, string> = {};
  for (const entry of expose) {
    const [range = '', protocol = 'tcp', ...rest] = entry.split('/');
    if (rest.length > 0 || !['tcp', 'udp', 'sctp'].includes(protocol)) unmapped(`expose ${entry} is left to podman create to read`);
    const { start, count } = portRange(range, 'exposed port');
    for (let port = start; port < start + count; port += 1) {
      const known = ports[String(port)];
      ports[String(port)] = known === undefined ? protocol : known.split(',').includes(protocol) ? known : `${known},${protocol}`;
    }
  }
  return ports;
}

/**
 * The health check as podman create 4.3 builds it from the flags containerCreateArgs passes
 * (makeHealthCheckFromCli): the same command string, read the same way, with the same defaults
 * for the flags that are left out. Durations in nanoseconds.
 */
function healthConfig(check: HealthCheckSpec): Record<string, unknown> {
  const command = healthArgs(check)[1] ?? '';
  return {
    Test: cliHealthTest(command),
    Interval: nanoseconds(check.intervalMs > 0 ? check.intervalMs : HEALTH_DEFAULTS.intervalMs),
    Timeout: nanoseconds(check.timeoutMs > 0 ? check.timeoutMs : HEALTH_DEFAULTS.timeoutMs),
    Retries: check.retries > 0 ? check.retries : HEALTH_DEFAULTS.retries,
    StartPeriod: nanoseconds(Math.max(0, check.startPeriodMs)),
  };
}

function nanoseconds(ms: number): number {
  return Math.round(ms) * 1_000_000;
}

/**
 * `--health-cmd` read as podman create 4.3 reads it: a JSON array of strings is a command
 * (one element alone is a shell command), anything else a shell command; a first word CMD or
 * none re-splits the string at blanks; `none` disables the check.
 */
export function cliHealthTest(command: string): string[] {
  let words: string[];
  let isArray = true;
  try {
    const parsed: unknown = JSON.parse(command);
    if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) throw new TypeError('not a list of strings');
    words = parsed;
  } catch {
    const blank = command.indexOf(' ');
    words = blank === -1 ? [command] : [command.slice(0, blank), command.slice(blank + 1)];
    isArray = false;
  }
  if (words.length === 0) return unmapped('a health check with an empty command is left to podman create to refuse');
  if (words[0] === 'CMD' || words[0] === 'none') words = command.split(/\s+/).filter((word) => word !== '');
  else if (words[0] !== 'CMD-SHELL') words = isArray && words.length > 1 ? ['CMD', ...words] : ['CMD-SHELL', words.join(' ')];
  return words[0] === 'none' ? ['NONE'] : words;
}

/** `--secret NAME,type=mount,target=…,uid=…,gid=…,mode=…` (secretArg) as podman create parses it. */
function secret(mount: SecretMount | ConfigMount): Record<string, unknown> {
  const id = (value: string, what: string): number => (/^\d+$/.test(value) && Number(value) <= 0xffffffff ? Number(value) : unmapped(`the secret ${mount.podmanName}'s ${what} ${value} is not numeric`));
  if (mount.podmanName.includes(',')) unmapped(`the secret name ${mount.podmanName} holds a comma`);
  if (mount.target.includes(',')) unmapped(`the secret target ${mount.target} holds a comma`);
  return { Source: mount.podmanName, Target: mount.target, UID: id(mount.uid, 'uid'), GID: id(mount.gid, 'gid'), Mode: mount.mode };
}

/**
 * CPU, memory and pids limits as podman create 4.3 computes them from its flags (getCPULimits,
 * getMemoryLimits): --cpus is a 100 ms period and its quota, a memory limit without a swap
 * limit allows as much swap again, and pids-limit -1 is 0.
 */
function resourceLimits(spec: ContainerSpec): Record<string, unknown> | null {
  const cpu: Record<string, unknown> = {};
  if (spec.cpus !== null && spec.cpus > 0) {
    cpu.period = 100_000;
    cpu.quota = Math.trunc(spec.cpus * 100_000);
  }
  if (spec.cpuShares !== undefined && spec.cpuShares > 0) cpu.shares = spec.cpuShares;
  if (spec.cpuPeriod !== undefined && spec.cpuPeriod > 0) cpu.period = spec.cpuPeriod;
  if (spec.cpuset !== undefined && spec.cpuset !== '') cpu.cpus = spec.cpuset;
  if (spec.cpuQuota !== undefined && spec.cpuQuota > 0) cpu.quota = spec.cpuQuota;
  const memory: Record<string, unknown> = {};
  if (spec.memoryBytes !== null && spec.memoryBytes > 0) {
    memory.limit = spec.memoryBytes;
    if (spec.memorySwapBytes === undefined) memory.swap = 2 * spec.memoryBytes;
  }
  if (spec.memoryReservationBytes !== undefined) memory.reservation = spec.memoryReservationBytes;
  if (spec.memorySwapBytes !== undefined) {
    // Unlimited swap beside a memory limit has no API form in 4.3: -1 is refused, and left out the service allows as much swap again.
    if (spec.memorySwapBytes === -1 && memory.limit !== undefined) unmapped('unlimited swap (memswap_limit -1) beside a memory limit is left to podman create');
    if (spec.memorySwapBytes !== -1) memory.swap = spec.memorySwapBytes;
  }
  if (spec.memorySwappiness !== undefined) {
    if (spec.memorySwappiness <= 0) unmapped(`mem_swappiness ${spec.memorySwappiness} is left to podman create`);
    memory.swappiness = spec.memorySwappiness;
  }
  if (spec.oomKillDisable === true) memory.disableOOMKiller = true;
  const limits: Record<string, unknown> = {};
  if (Object.keys(cpu).length > 0) limits.cpu = cpu;
  if (Object.keys(memory).length > 0) limits.memory = memory;
  if (spec.pidsLimit !== undefined) limits.pids = { limit: spec.pidsLimit === -1 ? 0 : spec.pidsLimit };
  return Object.keys(limits).length > 0 ? limits : null;
}

/** The remaining ContainerOptions fields that map one to one. */
function options(spec: ContainerSpec): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (spec.shmSizeBytes !== undefined) result.shm_size = spec.shmSizeBytes;
  if (spec.ulimits !== undefined) {
    result.r_limits = Object.keys(spec.ulimits)
      .sort()
      .map((type) => ({ type, soft: spec.ulimits![type]!.soft, hard: spec.ulimits![type]!.hard }));
  }
  if (spec.dns !== undefined) result.dns_server = [...spec.dns];
  if (spec.dnsSearch !== undefined) result.dns_search = [...spec.dnsSearch];
  if (spec.dnsOptions !== undefined) result.dns_option = [...spec.dnsOptions];
  if (spec.sysctls !== undefined) result.sysctl = { ...spec.sysctls };
  if (spec.devices !== undefined) result.devices = spec.devices.map((device) => ({ path: device }));
  if (spec.logging !== undefined) result.log_configuration = logConfiguration(spec.logging.driver, spec.logging.options);
  if (spec.pid !== undefined) result.pidns = namespace('pid', spec.pid);
  if (spec.ipc !== undefined) result.ipcns = namespace('ipc', spec.ipc, ['shareable', 'none']);
  if (spec.uts !== undefined) result.utsns = namespace('uts', spec.uts);
  if (spec.cgroupns !== undefined) result.cgroupns = namespace('cgroup', spec.cgroupns);
  if (spec.cgroupParent !== undefined) result.cgroup_parent = spec.cgroupParent;
  if (spec.groupAdd !== undefined) result.groups = [...spec.groupAdd];
  if (spec.volumesFrom !== undefined) result.volumes_from = [...spec.volumesFrom];
  return result;
}

/** `--log-driver` and `--log-opt`: podman create reads `path` and `max-size` into fields of their own. */
function logConfiguration(driver: string | null, logOptions: Readonly<Record<string, string>>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (driver !== null) result.driver = driver;
  const rest: Record<string, string> = {};
  for (const [key, value] of Object.entries(logOptions)) {
    const lower = key.toLowerCase();
    if (lower === 'max-size' || lower === 'driver') unmapped(`the log option ${key} is left to podman create to read`);
    if (lower === 'path') result.path = value;
    else rest[key] = value;
  }
  result.options = rest;
  return result;
}
