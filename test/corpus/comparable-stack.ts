import { split as shlexSplit } from 'shlex';
import type { ContainerSpec } from '../../src/model/desired.js';
import type { Action, Plan } from '../../src/plan/actions.js';

/**
 * One shape that both a Phoenix plan and `docker-compose config` are reduced to, so that the
 * corpus test can compare them field by field: per service, what its containers are, what
 * runs in them and how they are wired. Every value is in the one form a reader checks by eye
 * (ports as `ip|published|target/proto`, mounts as `type source -> target`, durations in ms).
 */
export interface ComparableService {
  /** `container_name` when the file sets one, else how many replicas (names are Phoenix's own). */
  readonly containers: { readonly names: readonly string[] } | { readonly replicas: number };
  /** Canonical image reference; null for a build without `image:` (each tool names those its own way). */
  readonly image: string | null;
  readonly entrypoint: readonly string[] | null;
  readonly command: readonly string[] | null;
  readonly environment: Readonly<Record<string, string>>;
  /** `hostIp|published|target/protocol`, sorted. */
  readonly ports: readonly string[];
  /** `bind SOURCE -> TARGET [ro] [z|Z]`, `volume NAME -> TARGET [ro]`, `anonymous -> TARGET`, `tmpfs -> TARGET`, sorted. */
  readonly mounts: readonly string[];
  /** Logical network names, sorted; empty for network_mode host/none/container. */
  readonly networks: readonly string[];
  /** null: no check of the file's own (none written, or the image's is used). */
  readonly healthcheck: ComparableHealthcheck | null;
  /** Start waits: dependency service → condition. */
  readonly startWaits: Readonly<Record<string, string>>;
  /**
   * The other container settings the corpus uses, each in the engine's terms (sizes in bytes,
   * durations in seconds), and only those the file sets or that differ from the engine's default.
   */
  readonly settings: Readonly<Record<string, unknown>>;
}

export interface ComparableHealthcheck {
  readonly test: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly startPeriodMs: number;
}

/** `/etc/prometheus/` and `/etc/prometheus` are one path to the engine: compare them as one. */
export function withoutTrailingSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.replace(/\/+$/, '') : p;
}

/** Service name → its comparable form. */
export type ComparableStack = Readonly<Record<string, ComparableService>>;

/** The engine's defaults for a health check field the file leaves out (Docker and Podman agree). */
const HEALTHCHECK_DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0 } as const;

/**
 * `docker.io/library/nginx:latest` for `nginx`: the name both tools end up asking the engine
 * for. Written here, not taken from Phoenix, so that the comparison does not trust the code
 * under test.
 */
export function canonicalImage(reference: string): string {
  let name = reference;
  let suffix = '';
  const at = name.indexOf('@');
  if (at !== -1) {
    suffix = name.slice(at);
    name = name.slice(0, at);
  }
  const lastSlash = name.lastIndexOf('/');
  const hasTag = name.lastIndexOf(':') > lastSlash;
  if (!hasTag && suffix === '') suffix = ':latest';
  const first = name.split('/')[0]!;
  const hasDomain = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasDomain) name = `docker.io/${name.includes('/') ? name : `library/${name}`}`;
  return `${name}${suffix}`;
}

/**
 * The name of an image the engine builds and tags `reference`: Podman stores a name without a
 * registry under `localhost/` (`podman build -t ninech/netbox` makes `localhost/ninech/netbox`),
 * where Docker would say `docker.io/`; one with a registry stays as it is.
 */
export function canonicalBuiltImage(reference: string): string {
  const canonical = canonicalImage(reference);
  const first = reference.split('/')[0]!;
  const hasDomain = reference.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return hasDomain ? canonical : canonical.replace(/^docker\.io\/(library\/)?/, 'localhost/');
}

// ---------------------------------------------------------------------------------------------
// docker-compose config (1.29) → comparable

type Raw = Record<string, unknown>;

/** Compose duration (`1m30s`, `10s`, `500ms`, `1h`) in milliseconds. */
export function composeDurationMs(value: unknown): number {
  if (typeof value === 'number') return value * 1000;
  const text = String(value);
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, ns: 0.000001 };
  let total = 0;
  let matched = '';
  for (const part of text.matchAll(/(\d+(?:\.\d+)?)(ms|us|ns|h|m|s)/g)) {
    total += Number(part[1]) * units[part[2]!]!;
    matched += part[0];
  }
  if (matched !== text) throw new Error(`not a Compose duration: ${text}`);
  return total;
}

/** How Compose turns a string command into words: Python's shlex.split, which this package ports. */
function words(value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map(String);
  return shlexSplit(String(value));
}

function composePort(port: unknown): string {
  if (typeof port === 'object' && port !== null) {
    const p = port as Raw;
    const published = p.published === undefined || p.published === null ? '' : String(p.published);
    return `${String(p.host_ip ?? '')}|${published}|${String(p.target)}/${String(p.protocol ?? 'tcp')}`;
  }
  // 1.29 prints a port with a host address in its short form: [ip:][published:]target[/protocol].
  const text = String(port);
  const [mapping, protocol = 'tcp'] = text.split('/') as [string, string?];
  const parts = mapping.split(':');
  const target = parts.pop()!;
  const published = parts.pop() ?? '';
  return `${parts.join(':')}|${published}|${target}/${protocol}`;
}

function composeMount(volume: unknown, namedVolumes: ReadonlySet<string>): string {
  if (typeof volume === 'string') {
    const parts = volume.split(':');
    if (parts.length === 1) return `anonymous -> ${withoutTrailingSlash(parts[0]!)}`;
    const [rawSource, rawTarget, mode = ''] = parts as [string, string, string?];
    const source = withoutTrailingSlash(rawSource);
    const target = withoutTrailingSlash(rawTarget);
    const flags = mode.split(',');
    const ro = flags.includes('ro') ? ' ro' : '';
    if (!source.startsWith('/') && namedVolumes.has(source)) return `volume ${source} -> ${target}${ro}`;
    const selinux = flags.includes('Z') ? ' Z' : flags.includes('z') ? ' z' : '';
    return `bind ${source} -> ${target}${ro}${selinux}`;
  }
  const v = volume as Raw;
  const ro = v.read_only === true ? ' ro' : '';
  const target = withoutTrailingSlash(String(v.target));
  switch (v.type) {
    case 'bind':
      return `bind ${withoutTrailingSlash(String(v.source))} -> ${target}${ro}`;
    case 'volume':
      return v.source === undefined || v.source === null ? `anonymous -> ${target}` : `volume ${String(v.source)} -> ${target}${ro}`;
    case 'tmpfs':
      return `tmpfs -> ${target}`;
    default:
      throw new Error(`unexpected volume form in docker-compose config: ${JSON.stringify(volume)}`);
  }
}

function composeHealthcheck(raw: unknown): ComparableHealthcheck | null {
  if (raw === undefined || raw === null) return null;
  const h = raw as Raw;
  if (h.disable === true || h.test === undefined) return null;
  const test = typeof h.test === 'string' ? ['CMD-SHELL', h.test] : (h.test as unknown[]).map(String);
  if (test[0] === 'NONE') return null;
  return {
    test,
    intervalMs: h.interval === undefined ? HEALTHCHECK_DEFAULTS.intervalMs : composeDurationMs(h.interval),
    timeoutMs: h.timeout === undefined ? HEALTHCHECK_DEFAULTS.timeoutMs : composeDurationMs(h.timeout),
    retries: h.retries === undefined ? HEALTHCHECK_DEFAULTS.retries : Number(h.retries),
    startPeriodMs: h.start_period === undefined ? HEALTHCHECK_DEFAULTS.startPeriodMs : composeDurationMs(h.start_period),
  };
}

/** A Compose size (`256mb`, `1g`, `512k`, a number of bytes) in bytes; units are powers of 1024. */
export function composeSizeBytes(value: unknown): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(String(value).trim());
  if (match === null) throw new Error(`not a Compose size: ${String(value)}`);
  return Math.round(Number(match[1]) * 1024 ** ' kmg'.indexOf((match[2] || ' ').toLowerCase()));
}

/** `NET_ADMIN` for `cap_net_admin`: the engine's spelling of a capability. */
function capability(name: string): string {
  const upper = name.toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}

/** Drops settings that are absent, empty or the engine's default, so both sides list only what matters. */
function meaningful(settings: Record<string, unknown>): Record<string, unknown> {
  const defaults: Record<string, unknown> = { restart: 'no', stopGracePeriodSeconds: 10, privileged: false, readOnly: false, init: false };
  return Object.fromEntries(
    Object.entries(settings).filter(([key, value]) => {
      if (value === undefined || value === null || value === '') return false;
      if (Array.isArray(value) && value.length === 0) return false;
      if (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0) return false;
      return JSON.stringify(defaults[key]) !== JSON.stringify(value);
    }),
  );
}

function composeSettings(s: Raw): Record<string, unknown> {
  const ulimits: Record<string, { soft: number; hard: number }> = {};
  for (const [name, limit] of Object.entries((s.ulimits ?? {}) as Record<string, unknown>)) {
    ulimits[name] = typeof limit === 'object' && limit !== null ? { soft: Number((limit as Raw).soft), hard: Number((limit as Raw).hard) } : { soft: Number(limit), hard: Number(limit) };
  }
  const sysctls = Array.isArray(s.sysctls) ? Object.fromEntries((s.sysctls as string[]).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])) : ((s.sysctls ?? {}) as Record<string, unknown>);
  const labels = Array.isArray(s.labels) ? Object.fromEntries((s.labels as string[]).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])) : ((s.labels ?? {}) as Record<string, unknown>);
  return meaningful({
    restart: s.restart,
    user: s.user,
    workingDir: s.working_dir,
    hostname: s.hostname,
    privileged: s.privileged,
    readOnly: s.read_only,
    init: s.init,
    capAdd: ((s.cap_add ?? []) as string[]).map(capability).sort(),
    capDrop: ((s.cap_drop ?? []) as string[]).map(capability).sort(),
    securityOpt: s.security_opt,
    extraHosts: ((s.extra_hosts ?? []) as string[]).map(String).sort(),
    labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])),
    shmSizeBytes: s.shm_size === undefined ? undefined : composeSizeBytes(s.shm_size),
    ulimits,
    sysctls: Object.fromEntries(Object.entries(sysctls).map(([k, v]) => [k, String(v)])),
    stopSignal: s.stop_signal,
    stopGracePeriodSeconds: s.stop_grace_period === undefined ? undefined : composeDurationMs(s.stop_grace_period) / 1000,
  });
}

function phoenixSettings(spec: ContainerSpec): Record<string, unknown> {
  return meaningful({
    restart: spec.restart === 'on-failure' && spec.restartMaxRetries > 0 ? `on-failure:${spec.restartMaxRetries}` : spec.restart,
    user: spec.user,
    workingDir: spec.workingDir,
    hostname: spec.hostname,
    privileged: spec.privileged,
    readOnly: spec.readOnly,
    init: spec.init,
    capAdd: spec.capAdd.map(capability).sort(),
    capDrop: spec.capDrop.map(capability).sort(),
    securityOpt: [...spec.securityOpt],
    extraHosts: [...spec.extraHosts].sort(),
    labels: { ...spec.labels },
    shmSizeBytes: spec.shmSizeBytes,
    ulimits: spec.ulimits === undefined ? undefined : Object.fromEntries(Object.entries(spec.ulimits).map(([k, v]) => [k, { soft: v.soft, hard: v.hard }])),
    sysctls: spec.sysctls === undefined ? undefined : { ...spec.sysctls },
    stopSignal: spec.stopSignal,
    stopGracePeriodSeconds: spec.stopGracePeriodSeconds,
  });
}

/**
 * Whether Compose runs a service: one without `profiles` always runs, one with them only when
 * one of its profiles is enabled. docker-compose 1.29's `config` prints every service whatever
 * the profiles (it applies them only in `up`), so the rule is applied here.
 */
export function serviceIsActive(service: Raw, enabledProfiles: readonly string[]): boolean {
  const profiles = service.profiles as string[] | undefined;
  return profiles === undefined || profiles.length === 0 || profiles.some((p) => enabledProfiles.includes(p));
}

/**
 * 1.29's `config` prints a file Compose could read again, so it writes every `$` of a value as
 * `$$`; the container gets one `$`. Undone here on every string of the output.
 */
function unescapeDollars(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('$$', '$');
  if (Array.isArray(value)) return value.map(unescapeDollars);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unescapeDollars(v)]));
  return value;
}

/** Reduces `docker-compose config` output (parsed YAML) to the comparable shape. */
export function comparableFromComposeConfig(printed: Raw, enabledProfiles: readonly string[]): ComparableStack {
  const config = unescapeDollars(printed) as Raw;
  const services = (config.services ?? {}) as Record<string, Raw>;
  const namedVolumes = new Set(Object.keys((config.volumes ?? {}) as Raw));
  const out: Record<string, ComparableService> = {};
  for (const [name, s] of Object.entries(services)) {
    if (!serviceIsActive(s, enabledProfiles)) continue;
    const deploy = (s.deploy ?? {}) as Raw;
    const replicas = Number(deploy.replicas ?? s.scale ?? 1);
    const environment: Record<string, string> = {};
    // A variable listed without a value and unset everywhere is null here: Compose leaves it out.
    for (const [key, value] of Object.entries((s.environment ?? {}) as Raw)) if (value !== null && value !== undefined) environment[key] = String(value);
    const networkMode = s.network_mode as string | undefined;
    const networks = networkMode !== undefined && networkMode !== 'bridge' ? [] : s.networks === undefined ? ['default'] : Object.keys(s.networks as Raw);
    const startWaits: Record<string, string> = {};
    for (const [dep, spec] of Object.entries((s.depends_on ?? {}) as Record<string, Raw>)) startWaits[dep] = String(spec.condition ?? 'service_started');
    // A link is also a start dependency in Compose ("links also express dependency between
    // services in the same way as depends_on"); 1.29's config keeps it under links only.
    for (const link of (s.links ?? []) as string[]) startWaits[link.split(':')[0]!] ??= 'service_started';
    out[name] = {
      containers: typeof s.container_name === 'string' ? { names: [s.container_name] } : { replicas },
      image: typeof s.image !== 'string' ? null : s.build === undefined ? canonicalImage(s.image) : canonicalBuiltImage(s.image),
      entrypoint: words(s.entrypoint),
      command: words(s.command),
      environment,
      ports: ((s.ports ?? []) as unknown[]).map(composePort).sort(),
      mounts: ((s.volumes ?? []) as unknown[]).map((v) => composeMount(v, namedVolumes)).concat(((s.tmpfs ?? []) as unknown[]).map((t) => `tmpfs -> ${String(t).split(':')[0]!}`)).sort(),
      networks: [...networks].sort(),
      healthcheck: composeHealthcheck(s.healthcheck),
      startWaits,
      settings: composeSettings(s),
    };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Phoenix plan (JSON form, against an empty Podman) → comparable

/** Podman names of the file's external networks and volumes, by the file's name for them. */
export interface ExternalNames {
  readonly networks: Readonly<Record<string, string>>;
  readonly volumes: Readonly<Record<string, string>>;
}

type CreateAction = Extract<Action, { kind: 'container.create' }>;
type StartAction = Extract<Action, { kind: 'container.start' }>;

/**
 * Reduces a Phoenix plan made against an empty Podman to the comparable shape. Podman names of
 * networks and volumes are mapped back to the file's names through the plan's own create
 * actions (and, for external ones, the names the file gives them).
 */
export function comparableFromPhoenixPlan(plan: Plan, explicitContainerNames: ReadonlySet<string>, external: ExternalNames): ComparableStack {
  const networkName = new Map<string, string>(Object.entries(external.networks).map(([logical, real]) => [real, logical]));
  const volumeName = new Map<string, string>(Object.entries(external.volumes).map(([logical, real]) => [real, logical]));
  for (const action of plan.actions) {
    if (action.kind === 'network.create') networkName.set(action.network.podmanName, action.network.name);
    if (action.kind === 'volume.create') volumeName.set(action.volume.podmanName, action.volume.name);
  }
  const creates = plan.actions.filter((a): a is CreateAction => a.kind === 'container.create');
  const starts = plan.actions.filter((a): a is StartAction => a.kind === 'container.start');
  const out: Record<string, ComparableService> = {};
  for (const service of [...new Set(creates.map((c) => c.container.service))]) {
    const replicas = creates.filter((c) => c.container.service === service).sort((a, b) => a.container.replica - b.container.replica);
    const first = replicas[0]!.container;
    const spec = first.spec;
    const startWaits: Record<string, string> = {};
    for (const wait of starts.find((s) => s.name === first.name)?.awaits ?? []) startWaits[wait.service] = wait.condition;
    const names = replicas.map((r) => r.container.name);
    out[service] = {
      containers: names.length === 1 && explicitContainerNames.has(names[0]!) ? { names } : { replicas: names.length },
      image: spec.image === '' ? null : canonicalImage(spec.image),
      entrypoint: spec.entrypoint === null ? null : [...spec.entrypoint],
      command: spec.command === null ? null : [...spec.command],
      environment: { ...spec.environment },
      ports: spec.ports.map((p) => `${p.hostIp}|${p.published}|${p.target}/${p.protocol}`).sort(),
      mounts: spec.mounts
        .map((m) => {
          switch (m.type) {
            case 'bind':
              return `bind ${withoutTrailingSlash(m.source)} -> ${withoutTrailingSlash(m.target)}${m.readOnly ? ' ro' : ''}${m.selinux === '' ? '' : ` ${m.selinux}`}`;
            case 'volume':
              return `volume ${volumeName.get(m.source) ?? m.source} -> ${withoutTrailingSlash(m.target)}${m.readOnly ? ' ro' : ''}`;
            case 'anonymous':
              return `anonymous -> ${withoutTrailingSlash(m.target)}`;
            case 'tmpfs':
              return `tmpfs -> ${withoutTrailingSlash(m.target)}`;
          }
        })
        .sort(),
      networks: spec.networkMode === 'bridge' ? spec.networks.map((n) => networkName.get(n.network) ?? n.network).sort() : [],
      healthcheck:
        spec.healthcheck === null
          ? null
          : { test: [...spec.healthcheck.test], intervalMs: spec.healthcheck.intervalMs, timeoutMs: spec.healthcheck.timeoutMs, retries: spec.healthcheck.retries, startPeriodMs: spec.healthcheck.startPeriodMs },
      startWaits,
      settings: phoenixSettings(spec),
    };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// comparison

/**
 * Every field where Phoenix's plan differs from the reference, as `service.field: reference ≠
 * phoenix` lines (empty when they agree). A reference image of null (a build without `image:`)
 * is not compared: each tool names such an image its own way.
 */
export function stackDifferences(reference: ComparableStack, phoenix: ComparableStack): string[] {
  const out: string[] = [];
  // Keys sorted, so that two maps with the same entries in another order are equal.
  const show = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
  for (const name of [...new Set([...Object.keys(reference), ...Object.keys(phoenix)])].sort()) {
    const want = reference[name];
    const got = phoenix[name];
    if (want === undefined || got === undefined) {
      out.push(`${name}: ${want === undefined ? 'not in docker-compose config' : 'not in the Phoenix plan'}`);
      continue;
    }
    for (const field of Object.keys(want) as (keyof ComparableService)[]) {
      if (field === 'image' && want.image === null) continue;
      if (show(want[field]) !== show(got[field])) out.push(`${name}.${field}: docker-compose ${show(want[field])} ≠ phoenix ${show(got[field])}`);
    }
  }
  return out;
}
