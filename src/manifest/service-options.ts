/**
 * The Compose service keys that map one to one onto `podman create` flags, one row each: the
 * Compose key, how an overlay merges it (as Compose merges it), and how a schema-valid value
 * becomes the {@link ContainerOptions} fields it sets. The podman side of each field is in
 * src/podman/option-flags.ts; the schema fragment in schemas/compose.schema.json; the docs
 * line in docs/manifest.md (a test holds all four together).
 */
import type { ContainerOptions, Ulimit } from '../model/desired.js';
import type { KeyPath } from './yaml-source.js';
import { parseDurationMs, parseSizeBytes } from './units.js';

/** How a later Compose file's value combines with an earlier one (Compose's merge rules). */
export type MergeRule =
  /** The later value wins. */
  | 'replace'
  /** Sequences: the earlier entries, then the later ones not already there. */
  | 'append'
  /** Mappings: key by key, the later value winning. */
  | 'map';

/** Reports a problem in a value, at the key's value or below it (`below` is relative to the key). */
export type ProblemSink = (message: string, remediation: string, below?: KeyPath) => void;

/** One Compose key that becomes container options. */
export interface OptionRow {
  readonly key: string;
  readonly merge: MergeRule;
  /** Normalises a schema-valid value; returns {} for a value that sets nothing (e.g. `tty: false`). */
  readonly read: (value: unknown, problem: ProblemSink) => ContainerOptions;
}

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === null || value === undefined ? [] : [String(value)]);

/** `list_or_dict` of Compose: a map, or a list of `KEY=VALUE`. */
function keyValueMap(value: unknown): Record<string, string> {
  if (Array.isArray(value)) {
    return Object.fromEntries(
      value.map((entry) => {
        const text = String(entry);
        const eq = text.indexOf('=');
        return eq === -1 ? [text, ''] : [text.slice(0, eq), text.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries((value ?? {}) as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, String(v)]));
}

function integer(value: unknown, problem: ProblemSink, range: { min?: number; max?: number } = {}): number | undefined {
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isInteger(n) || (range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) {
    const bounds = range.min !== undefined && range.max !== undefined ? ` from ${range.min} to ${range.max}` : range.min !== undefined ? ` of at least ${range.min}` : '';
    problem(`"${String(value)}" is not a whole number${bounds}`, `Write a whole number${bounds}.`);
    return undefined;
  }
  return n;
}

function size(value: unknown, problem: ProblemSink, allowUnlimited = false): number | undefined {
  if (allowUnlimited && (value === -1 || value === '-1')) return -1;
  const bytes = parseSizeBytes(value as string | number);
  if (bytes === null) {
    problem(`"${String(value)}" is not a size`, `Write a size such as 64m or 1g${allowUnlimited ? ', or -1 for unlimited' : ''}.`);
    return undefined;
  }
  return bytes;
}

/** Microseconds, from a number (already microseconds) or a duration ("10ms"). */
function microseconds(value: unknown, problem: ProblemSink): number | undefined {
  if (typeof value === 'number' || /^\d+$/.test(String(value))) return integer(value, problem, { min: 0 });
  const text = String(value);
  const ms = parseDurationMs(text);
  if (ms === null) {
    problem(`"${text}" is not a number of microseconds or a duration`, 'Write microseconds (e.g. 100000) or a duration (e.g. 100ms).');
    return undefined;
  }
  return ms * 1000;
}

function flag(value: unknown): true | undefined {
  return value === true || value === 'true' ? true : undefined;
}

function ulimits(value: unknown, problem: ProblemSink): Record<string, Ulimit> {
  const out: Record<string, Ulimit> = {};
  for (const [name, spec] of Object.entries(value as Record<string, unknown>)) {
    const pair = spec !== null && typeof spec === 'object' ? (spec as { soft: unknown; hard: unknown }) : { soft: spec, hard: spec };
    const sink: ProblemSink = (message, remediation, below = []) => problem(message, remediation, [name, ...below]);
    const soft = integer(pair.soft, sink, { min: -1 });
    const hard = integer(pair.hard, sink, { min: -1 });
    if (soft === undefined || hard === undefined) continue;
    if (hard !== -1 && (soft === -1 || soft > hard)) {
      sink(`the soft limit ${soft} is above the hard limit ${hard}`, 'Make soft at most hard (-1 is unlimited).');
      continue;
    }
    out[name] = { soft, hard };
  }
  return out;
}

const DEVICE_PERMISSIONS = /^[rwm]{1,3}$/;

function device(entry: unknown, problem: ProblemSink): string | undefined {
  if (entry !== null && typeof entry === 'object') {
    const spec = entry as { source: string; target?: string; permissions?: string };
    if (spec.permissions !== undefined && !DEVICE_PERMISSIONS.test(spec.permissions)) {
      problem(`device permissions "${spec.permissions}" are not a combination of r, w and m`, 'Write permissions such as rwm or r.', ['permissions']);
      return undefined;
    }
    return [spec.source, spec.target ?? (spec.permissions === undefined ? undefined : spec.source), spec.permissions].filter((p) => p !== undefined).join(':');
  }
  const text = String(entry);
  const parts = text.split(':');
  // A CDI device name (vendor.com/class=name) has no path; Podman resolves it.
  if (!text.startsWith('/') && !/^[a-z0-9.-]+\/[a-z0-9.-]+=/.test(text)) {
    problem(`"${text}" is not a device`, 'Write /dev/HOST[:/dev/CONTAINER[:PERMISSIONS]] or a CDI name such as nvidia.com/gpu=all.');
    return undefined;
  }
  if (parts.length > 3 || (parts.length === 3 && !DEVICE_PERMISSIONS.test(parts[2]!)) || (parts.length === 2 && !parts[1]!.startsWith('/') && !DEVICE_PERMISSIONS.test(parts[1]!))) {
    problem(`"${text}" is not a device mapping`, 'Write /dev/HOST[:/dev/CONTAINER[:PERMISSIONS]], permissions being a combination of r, w and m.');
    return undefined;
  }
  return text;
}

/** Log drivers Podman 4.3 has (`json-file` is its alias of k8s-file). */
const PODMAN_LOG_DRIVERS = ['k8s-file', 'json-file', 'journald', 'none', 'passthrough'] as const;

function logging(value: unknown, problem: ProblemSink): ContainerOptions {
  const spec = value as { driver?: string; options?: Record<string, unknown> | null };
  if (spec.driver !== undefined && !(PODMAN_LOG_DRIVERS as readonly string[]).includes(spec.driver)) {
    problem(`Podman has no "${spec.driver}" log driver`, `Use one of ${PODMAN_LOG_DRIVERS.join(', ')} (journald needs systemd's journal), or ship logs from the journal or the log file.`, ['driver']);
    return {};
  }
  return { logging: { driver: spec.driver ?? null, options: keyValueMap(spec.options ?? {}) } };
}

const EXPOSE = /^(\d+)(-(\d+))?(\/(tcp|udp|sctp))?$/;

function expose(value: unknown, problem: ProblemSink): string[] {
  const out: string[] = [];
  list(value).forEach((entry, index) => {
    const match = EXPOSE.exec(entry);
    if (match === null) {
      problem(`"${entry}" is not a port`, 'Write PORT, PORT/PROTOCOL or a range such as 8000-8010/tcp.', [index]);
      return;
    }
    out.push(`${match[1]}${match[2] ?? ''}/${match[5] ?? 'tcp'}`);
  });
  return out;
}

function rates(entries: unknown, problem: ProblemSink, bytes: boolean): string[] {
  return ((entries ?? []) as { path: string; rate: unknown }[]).flatMap((entry, index) => {
    const sink: ProblemSink = (message, remediation, below = []) => problem(message, remediation, [index, 'rate', ...below]);
    const rate = bytes ? size(entry.rate, sink) : integer(entry.rate, sink, { min: 0 });
    return rate === undefined ? [] : [`${entry.path}:${rate}`];
  });
}

function blkio(value: unknown, problem: ProblemSink): ContainerOptions {
  const spec = value as Record<string, unknown>;
  const sub = (key: string): ProblemSink => (message, remediation, below = []) => problem(message, remediation, [key, ...below]);
  const weight = spec.weight === undefined ? undefined : integer(spec.weight, sub('weight'), { min: 10, max: 1000 });
  const weightDevices = ((spec.weight_device ?? []) as { path: string; weight: unknown }[]).flatMap((entry, index) => {
    const w = integer(entry.weight, (m, r) => problem(m, r, ['weight_device', index, 'weight']), { min: 10, max: 1000 });
    return w === undefined ? [] : [`${entry.path}:${w}`];
  });
  const nonEmpty = (values: string[]): string[] | undefined => (values.length === 0 ? undefined : values);
  return {
    ...(weight === undefined ? {} : { blkioWeight: weight }),
    ...optional('blkioWeightDevices', nonEmpty(weightDevices)),
    ...optional('deviceReadBps', nonEmpty(rates(spec.device_read_bps, sub('device_read_bps'), true))),
    ...optional('deviceReadIops', nonEmpty(rates(spec.device_read_iops, sub('device_read_iops'), false))),
    ...optional('deviceWriteBps', nonEmpty(rates(spec.device_write_bps, sub('device_write_bps'), true))),
    ...optional('deviceWriteIops', nonEmpty(rates(spec.device_write_iops, sub('device_write_iops'), false))),
  };
}

function optional<K extends keyof ContainerOptions>(field: K, value: ContainerOptions[K] | undefined): ContainerOptions {
  return value === undefined ? {} : ({ [field]: value } as ContainerOptions);
}

/** A field set from a value read by `parse`, or nothing when it was invalid. */
function field<K extends keyof ContainerOptions>(name: K, parse: (value: unknown, problem: ProblemSink) => ContainerOptions[K] | undefined): OptionRow['read'] {
  return (value, problem) => optional(name, parse(value, problem));
}

const MAC = /^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/;

/** Every Compose service key that is a container option, in the order their flags are passed. */
export const SERVICE_OPTIONS: readonly OptionRow[] = [
  { key: 'shm_size', merge: 'replace', read: field('shmSizeBytes', (v, p) => size(v, p)) },
  { key: 'ulimits', merge: 'map', read: field('ulimits', ulimits) },
  { key: 'dns', merge: 'append', read: field('dns', list) },
  { key: 'dns_search', merge: 'append', read: field('dnsSearch', list) },
  { key: 'dns_opt', merge: 'append', read: field('dnsOptions', list) },
  { key: 'sysctls', merge: 'map', read: field('sysctls', keyValueMap) },
  { key: 'devices', merge: 'append', read: field('devices', (v, p) => (v as unknown[]).flatMap((entry, i) => device(entry, (m, r, below = []) => p(m, r, [i, ...below])) ?? [])) },
  { key: 'device_cgroup_rules', merge: 'append', read: field('deviceCgroupRules', list) },
  { key: 'logging', merge: 'replace', read: logging },
  { key: 'stdin_open', merge: 'replace', read: field('stdinOpen', flag) },
  { key: 'tty', merge: 'replace', read: field('tty', flag) },
  { key: 'platform', merge: 'replace', read: field('platform', String) },
  { key: 'pid', merge: 'replace', read: field('pid', (v) => (v === null ? undefined : String(v))) },
  { key: 'ipc', merge: 'replace', read: field('ipc', String) },
  { key: 'uts', merge: 'replace', read: field('uts', String) },
  { key: 'cgroup', merge: 'replace', read: field('cgroupns', String) },
  { key: 'cgroup_parent', merge: 'replace', read: field('cgroupParent', String) },
  { key: 'group_add', merge: 'append', read: field('groupAdd', list) },
  { key: 'memswap_limit', merge: 'replace', read: field('memorySwapBytes', (v, p) => size(v, p, true)) },
  { key: 'mem_reservation', merge: 'replace', read: field('memoryReservationBytes', (v, p) => size(v, p)) },
  { key: 'mem_swappiness', merge: 'replace', read: field('memorySwappiness', (v, p) => integer(v, p, { min: 0, max: 100 })) },
  { key: 'cpu_shares', merge: 'replace', read: field('cpuShares', (v, p) => integer(v, p, { min: 0 })) },
  { key: 'cpu_quota', merge: 'replace', read: field('cpuQuota', microseconds) },
  { key: 'cpu_period', merge: 'replace', read: field('cpuPeriod', microseconds) },
  { key: 'cpu_rt_period', merge: 'replace', read: field('cpuRtPeriod', microseconds) },
  { key: 'cpu_rt_runtime', merge: 'replace', read: field('cpuRtRuntime', microseconds) },
  { key: 'cpuset', merge: 'replace', read: field('cpuset', String) },
  { key: 'pids_limit', merge: 'replace', read: field('pidsLimit', (v, p) => integer(v, p, { min: -1 })) },
  { key: 'oom_score_adj', merge: 'replace', read: field('oomScoreAdj', (v, p) => integer(v, p, { min: -1000, max: 1000 })) },
  { key: 'oom_kill_disable', merge: 'replace', read: field('oomKillDisable', flag) },
  {
    key: 'mac_address',
    merge: 'replace',
    read: field('macAddress', (v, p) => {
      if (MAC.test(String(v))) return String(v).toLowerCase();
      p(`"${String(v)}" is not a MAC address`, 'Write six hexadecimal pairs separated by colons, e.g. 92:d0:c6:0a:29:33.');
      return undefined;
    }),
  },
  { key: 'annotations', merge: 'map', read: field('annotations', keyValueMap) },
  { key: 'runtime', merge: 'replace', read: field('runtime', String) },
  { key: 'expose', merge: 'append', read: field('expose', expose) },
  { key: 'blkio_config', merge: 'replace', read: blkio },
];

/** The row of a Compose service key, if it is a container option. */
export function optionRow(key: string): OptionRow | undefined {
  return SERVICE_OPTIONS.find((row) => row.key === key);
}
