import path from 'node:path';
import type { IssueCode, SourceLocation } from '../model/issue.js';
import type { DependencyCondition } from '../model/desired.js';
import type {
  ComposeConfigDraft,
  ComposeDraft,
  ComposeSecretDraft,
  ConfigRefDraft,
  DependencyDraft,
  EnvFileDraft,
  HealthcheckDraft,
  KeyedDraft,
  Located,
  NetworkAttachmentDraft,
  NetworkDraft,
  PortDraft,
  ResourceDraft,
  SecretRefDraft,
  ServiceDraft,
  VolumeDraft,
  VolumeMountDraft,
} from './compose-draft.js';
import type { KeyPath, LocationMap } from './yaml-source.js';
import { parseDurationMs, parseSizeBytes } from './units.js';
import { splitShellWords } from './shell-words.js';
import { portKey, volumeKey } from './compose-keys.js';
import { normaliseBuild, parsePullPolicy } from './build-draft.js';
import { SurfaceReader, positiveNumber } from './normalize-surface.js';
import type { DeployRaw } from './normalize-surface.js';
import { ignoredKeyNotes } from './ignored-keys.js';


/** Docker Desktop's file-sharing modes of a bind mount (Compose's `consistency`); Linux ignores them. */
const CONSISTENCY_MODES = ['cached', 'delegated', 'consistent'];
/** A problem the normaliser found in a value the schema let through, or a note about a key. */
export interface NormaliseProblem {
  readonly path: KeyPath;
  readonly message: string;
  readonly remediation: string;
  /** Default PHX-INVALID-VALUE. */
  readonly code?: IssueCode;
  /** Default error; a note does not stop the file from loading. */
  readonly severity?: 'error' | 'warning' | 'note';
  /** Point at the key rather than its value. */
  readonly onKey?: boolean;
}

/** Paths an overlay tagged `!reset` or `!override`. */
export interface TagMarks {
  readonly reset: ReadonlySet<string>;
  readonly override: ReadonlySet<string>;
}

/** Identifies a key path in {@link TagMarks}. */
export function markId(keyPath: KeyPath): string {
  return JSON.stringify(keyPath);
}

type Raw = Record<string, unknown>;

/**
 * Turns one schema-valid Compose file into a {@link ComposeDraft}: one shape per field,
 * relative paths made absolute against `projectDir` (Compose resolves them against the first
 * file's folder), every entry with its location.
 */
export function normaliseCompose(
  raw: Raw,
  locations: LocationMap,
  marks: TagMarks,
  projectDir: string,
): { draft: ComposeDraft; problems: NormaliseProblem[] } {
  const problems: NormaliseProblem[] = [];
  const n = new Normaliser(locations, marks, projectDir, problems);
  const draft: ComposeDraft = {
    file: locations.file,
    services: new Map(),
    networks: n.resources(raw.networks, 'networks', (v, keyPath) => n.network(v, keyPath)),
    volumes: n.resources(raw.volumes, 'volumes', (v) => n.volume(v)),
    secrets: n.resources(raw.secrets, 'secrets', (v) => n.composeSecret(v)),
    configs: n.resources(raw.configs, 'configs', (v) => n.composeConfig(v)),
  };
  for (const [name, value] of Object.entries((raw.services ?? {}) as Raw)) {
    draft.services.set(name, n.service(name, (value ?? {}) as Raw));
  }
  return { draft, problems };
}

class Normaliser {
  /** Reads the keys of the Compose surface (service options, deploy, links); reports through this normaliser. */
  private readonly surface = new SurfaceReader({
    at: (keyPath) => this.at(keyPath),
    problem: (keyPath, message, remediation, code) => this.problem(keyPath, message, remediation, code),
    note: (keyPath, message, remediation, code) => this.note(keyPath, message, remediation, code),
  });

  constructor(
    private readonly locations: LocationMap,
    private readonly marks: TagMarks,
    private readonly projectDir: string,
    private readonly problems: NormaliseProblem[],
  ) {}

  private at(keyPath: KeyPath): SourceLocation {
    return this.locations.valueAt(keyPath);
  }

  private problem(keyPath: KeyPath, message: string, remediation: string, code?: IssueCode): void {
    this.problems.push({ path: keyPath, message, remediation, ...(code === undefined ? {} : { code }) });
  }

  /** Reports what Phoenix does not do with a key it accepts, and why. */
  private note(keyPath: KeyPath, message: string, remediation: string, code: IssueCode = 'PHX-KEY-IGNORED'): void {
    this.problems.push({ path: keyPath, message, remediation, code, severity: 'note', onKey: true });
  }

  resources<T>(raw: unknown, kind: string, convert: (value: Raw, keyPath: KeyPath) => T): Map<string, ResourceDraft<T>> {
    const out = new Map<string, ResourceDraft<T>>();
    for (const [name, value] of Object.entries((raw ?? {}) as Raw)) {
      const keyPath = [kind, name];
      const location = this.locations.keyAt(keyPath);
      out.set(name, { location, value: this.marks.reset.has(markId(keyPath)) ? 'reset' : convert((value ?? {}) as Raw, keyPath) });
    }
    return out;
  }

  network(raw: Raw, keyPath: KeyPath): NetworkDraft {
    const ipam = raw.ipam as { driver?: string; config?: { subnet?: string; gateway?: string; ip_range?: string }[] } | undefined;
    const subnets = ipam?.config?.flatMap((entry) => (entry.subnet === undefined ? [] : [entry.subnet]));
    const gateways: Record<string, string> = {};
    const ipRanges: Record<string, string> = {};
    (ipam?.config ?? []).forEach((entry, index) => {
      if ((entry.gateway !== undefined || entry.ip_range !== undefined) && entry.subnet === undefined) {
        this.problem([...keyPath, 'ipam', 'config', index], 'a gateway or ip_range needs the subnet it belongs to', 'Add `subnet:` to this entry (Podman takes a gateway and a range only for a subnet it is given).');
        return;
      }
      if (entry.gateway !== undefined) gateways[entry.subnet!] = entry.gateway;
      if (entry.ip_range !== undefined) ipRanges[entry.subnet!] = entry.ip_range;
    });
    const subnetList = subnets ?? [];
    if (subnetList.some((s) => gateways[s] !== undefined && ipRanges[s] === undefined) && subnetList.some((s) => gateways[s] === undefined && ipRanges[s] !== undefined)) {
      this.problem([...keyPath, 'ipam', 'config'], 'one subnet has only a gateway and another only an ip_range, which Podman cannot be told (it pairs gateways and ranges with subnets in order)', 'Give the subnet with the range a gateway too, or the subnet with the gateway a range.', 'PHX-UNSUPPORTED-VALUE');
    }
    if (raw.enable_ipv4 === false) {
      this.problem([...keyPath, 'enable_ipv4'], 'Podman 4.3 cannot make a bridge network without IPv4', 'Remove enable_ipv4, or use `internal: true` for a network with no outside access.', 'PHX-UNSUPPORTED-VALUE');
    }
    for (const { key, message, remediation } of ignoredKeyNotes('network', raw)) this.note([...keyPath, key], message, remediation);
    if (ipam !== undefined) for (const { key, message, remediation } of ignoredKeyNotes('ipam', ipam as Raw)) this.note([...keyPath, 'ipam', key], message, remediation);
    // The obsolete `external: {name: NAME}` means external, called NAME.
    const external = raw.external !== null && typeof raw.external === 'object' ? (raw.external as { name?: string }) : undefined;
    const ipamDriver = ipam?.driver === undefined || ipam.driver === 'default' ? undefined : ipam.driver;
    return {
      ...optional('driver', raw.driver as string | undefined),
      ...optional('driverOpts', stringMap(raw.driver_opts)),
      ...optional('internal', raw.internal as boolean | undefined),
      ...optional('subnets', subnets),
      ...optional('gateways', Object.keys(gateways).length === 0 ? undefined : gateways),
      ...optional('ipRanges', Object.keys(ipRanges).length === 0 ? undefined : ipRanges),
      ...optional('ipamDriver', ipamDriver),
      ...optional('ipv6', raw.enable_ipv6 === true ? (true as const) : undefined),
      ...optional('external', external !== undefined ? true : (raw.external as boolean | undefined)),
      ...optional('name', (raw.name as string | undefined) ?? external?.name),
      ...optional('labels', raw.labels === undefined ? undefined : labelMap(raw.labels)),
    };
  }

  volume(raw: Raw): VolumeDraft {
    const external = raw.external !== null && typeof raw.external === 'object' ? (raw.external as { name?: string }) : undefined;
    return {
      ...optional('driver', raw.driver as string | undefined),
      ...optional('driverOpts', stringMap(raw.driver_opts)),
      ...optional('external', external !== undefined ? true : (raw.external as boolean | undefined)),
      ...optional('name', (raw.name as string | undefined) ?? external?.name),
      ...optional('labels', raw.labels === undefined ? undefined : labelMap(raw.labels)),
    };
  }

  composeSecret(raw: Raw): ComposeSecretDraft {
    return {
      ...optional('file', typeof raw.file === 'string' ? path.resolve(this.projectDir, raw.file) : undefined),
      ...optional('environment', raw.environment as string | undefined),
      ...optional('external', raw.external as boolean | undefined),
      ...optional('name', raw.name as string | undefined),
    };
  }

  composeConfig(raw: Raw): ComposeConfigDraft {
    return {
      ...optional('file', typeof raw.file === 'string' ? path.resolve(this.projectDir, raw.file) : undefined),
      ...optional('content', raw.content as string | undefined),
      ...optional('environment', raw.environment as string | undefined),
      ...optional('external', raw.external as boolean | undefined),
      ...optional('name', raw.name as string | undefined),
    };
  }

  service(name: string, raw: Raw): ServiceDraft {
    const base: KeyPath = ['services', name];
    const fieldLocations = new Map<string, SourceLocation>();
    const resetFields = new Set<string>();
    const overrideFields = new Set<string>();
    for (const field of Object.keys(raw)) fieldLocations.set(field, this.locations.keyAt([...base, field]));
    for (const id of this.marks.reset) {
      const field = fieldOf(id, name);
      if (field !== null) resetFields.add(field);
    }
    for (const id of this.marks.override) {
      const field = fieldOf(id, name);
      if (field !== null) overrideFields.add(field);
    }
    const draft: ServiceDraft = { name, location: this.locations.keyAt(base), fieldLocations, resetFields, overrideFields };
    const f = (field: string): KeyPath => [...base, field];
    if (typeof raw.image === 'string') draft.image = raw.image;
    if (raw.build !== undefined) draft.build = normaliseBuild(raw.build, f('build'), this.projectDir, (keyPath) => this.at(keyPath), (problem) => this.problems.push(problem));
    if (typeof raw.pull_policy === 'string') {
      const policy = parsePullPolicy(raw.pull_policy);
      if (policy === null) this.problem(f('pull_policy'), `pull_policy "${raw.pull_policy}" is not a pull policy`, 'Write always, missing, never, build, daily, weekly or every_<duration> such as every_12h.');
      else draft.pullPolicy = policy;
    }
    if ('command' in raw) draft.command = this.commandLine(raw.command, f('command'));
    if ('entrypoint' in raw) draft.entrypoint = this.commandLine(raw.entrypoint, f('entrypoint'));
    if (raw.environment !== undefined) draft.environment = this.environment(raw.environment, f('environment'));
    if (raw.env_file !== undefined) draft.envFiles = this.envFiles(raw.env_file, f('env_file'));
    if (raw.ports !== undefined) draft.ports = this.ports(raw.ports as unknown[], f('ports'));
    if (raw.volumes !== undefined) draft.volumes = this.volumes(raw.volumes as unknown[], f('volumes'));
    if (raw.networks !== undefined) draft.networks = this.networks(raw.networks, f('networks'));
    if (raw.depends_on !== undefined) draft.dependsOn = this.dependsOn(raw.depends_on, f('depends_on'));
    if (raw.healthcheck !== undefined) draft.healthcheck = this.healthcheck(raw.healthcheck as Raw, f('healthcheck'));
    if (typeof raw.restart === 'string') draft.restart = raw.restart;
    if (raw.labels !== undefined) draft.labels = this.keyed(labelMap(raw.labels), f('labels'));
    if (typeof raw.user === 'string') draft.user = raw.user;
    if (typeof raw.working_dir === 'string') draft.workingDir = raw.working_dir;
    if (typeof raw.hostname === 'string') draft.hostname = raw.hostname;
    if (typeof raw.userns_mode === 'string') draft.usernsMode = raw.userns_mode;
    if (typeof raw.stop_signal === 'string') draft.stopSignal = raw.stop_signal;
    if (typeof raw.container_name === 'string') draft.containerName = raw.container_name;
    if (typeof raw.network_mode === 'string') draft.networkMode = raw.network_mode;
    if (raw.secrets !== undefined) draft.secrets = this.secretRefs(raw.secrets as unknown[], f('secrets'));
    if (raw.configs !== undefined) draft.configs = this.configRefs(raw.configs as unknown[], f('configs'));
    if (raw.cap_add !== undefined) draft.capAdd = this.list(raw.cap_add as string[], f('cap_add'));
    if (raw.cap_drop !== undefined) draft.capDrop = this.list(raw.cap_drop as string[], f('cap_drop'));
    if (raw.security_opt !== undefined) draft.securityOpt = this.list(raw.security_opt as string[], f('security_opt'));
    if (typeof raw.read_only === 'boolean') draft.readOnly = raw.read_only;
    if (typeof raw.init === 'boolean') draft.init = raw.init;
    if (typeof raw.privileged === 'boolean') draft.privileged = raw.privileged;
    if (typeof raw.scale === 'number') draft.replicas = raw.scale;
    const deploy = (raw.deploy ?? undefined) as DeployRaw | undefined;
    if (typeof deploy?.replicas === 'number') draft.replicas = deploy.replicas;
    else if (deploy?.mode === 'global') draft.replicas = 1;
    const limits = deploy?.resources?.limits;
    const limitsPath = [...f('deploy'), 'resources', 'limits'];
    this.surface.limit(draft, 'cpus', raw.cpus, f('cpus'), limits?.cpus, [...limitsPath, 'cpus'], (v) => positiveNumber(v));
    this.surface.limit(draft, 'memoryBytes', raw.mem_limit, f('mem_limit'), limits?.memory, [...limitsPath, 'memory'], (v) => {
      const bytes = parseSizeBytes(v as string | number);
      return bytes !== null && bytes > 0 ? bytes : null;
    });
    this.surface.options(draft, raw, base);
    if (deploy !== undefined) this.surface.deploy(draft, deploy, raw, f('deploy'));
    if (raw.expose !== undefined) {
      this.note(f('expose'), 'expose only documents the ports a container listens on: other containers on its networks reach every port anyway, and nothing is published on the host', 'Use `ports:` to publish a port on the host.', 'PHX-EXPOSE-NOTE');
    }
    for (const { key, message, remediation } of ignoredKeyNotes('service', raw)) this.note(f(key), message, remediation);
    if (raw.dns !== undefined && (raw.network_mode === undefined || raw.network_mode === 'bridge')) {
      this.note(f('dns'), 'with dns, Podman 4.3 writes only these servers into resolv.conf, so the other services\' names stop resolving in this container (Docker keeps its own DNS in front)', 'Leave dns out where the service must reach other services by name, or reach them by address.', 'PHX-PODMAN-DIFFERENCE');
    }
    if (raw.ulimits !== undefined) {
      this.note(f('ulimits'), 'Podman replaces all its default ulimits when a service gives any, and sets the ones not given (nofile, nproc) to its maximum', 'Give nofile and nproc too where Podman may not raise limits (rootless, or a container host).', 'PHX-PODMAN-DIFFERENCE');
    }
    if (raw.label_file !== undefined) {
      const files = Array.isArray(raw.label_file) ? (raw.label_file as string[]) : [raw.label_file as string];
      draft.labelFiles = files.map((file, index) => ({ value: path.resolve(this.projectDir, file), location: this.at(Array.isArray(raw.label_file) ? [...f('label_file'), index] : f('label_file')) }));
    }
    if (raw.links !== undefined) draft.links = this.surface.links(raw.links as string[], f('links'));
    if (raw.external_links !== undefined) draft.externalLinks = this.surface.links(raw.external_links as string[], f('external_links'));
    if (raw.volumes_from !== undefined) draft.volumesFrom = this.list(raw.volumes_from as string[], f('volumes_from'));
    if (raw.stop_grace_period !== undefined) {
      const ms = this.duration(raw.stop_grace_period, f('stop_grace_period'));
      if (ms !== undefined) draft.stopGracePeriodMs = ms;
    }
    if (raw.extra_hosts !== undefined) draft.extraHosts = this.extraHosts(raw.extra_hosts, f('extra_hosts'));
    if (raw.profiles !== undefined) draft.profiles = this.list(raw.profiles as string[], f('profiles'));
    if (raw.tmpfs !== undefined) draft.tmpfs = this.list(typeof raw.tmpfs === 'string' ? [raw.tmpfs] : (raw.tmpfs as string[]), f('tmpfs'));
    return draft;
  }

  private commandLine(value: unknown, keyPath: KeyPath): string[] | null {
    if (value === null) return null;
    if (Array.isArray(value)) return value.map(String);
    const words = splitShellWords(String(value));
    if (words === null) {
      this.problem(keyPath, `the command has an unclosed quote`, 'Close the quote, or write the command as a list of words.');
      return [];
    }
    return words;
  }

  private environment(value: unknown, keyPath: KeyPath): KeyedDraft<string | null> {
    const out: KeyedDraft<string | null> = new Map();
    if (Array.isArray(value)) {
      value.forEach((entry, index) => {
        const text = String(entry);
        const eq = text.indexOf('=');
        const key = eq === -1 ? text : text.slice(0, eq);
        out.set(key, { value: eq === -1 ? null : text.slice(eq + 1), location: this.at([...keyPath, index]) });
      });
    } else {
      for (const [key, entry] of Object.entries(value as Raw)) {
        out.set(key, { value: entry === null ? null : String(entry), location: this.at([...keyPath, key]) });
      }
    }
    return out;
  }

  private envFiles(value: unknown, keyPath: KeyPath): Located<EnvFileDraft>[] {
    const entries = Array.isArray(value) ? value : [value];
    return entries.map((entry, index) => {
      const spec = typeof entry === 'string' ? { path: entry, required: true } : (entry as { path: string; required?: boolean });
      const location = this.at(Array.isArray(value) ? [...keyPath, index] : keyPath);
      return { value: { path: path.resolve(this.projectDir, spec.path), required: spec.required ?? true }, location };
    });
  }

  private ports(value: readonly unknown[], keyPath: KeyPath): KeyedDraft<PortDraft> {
    const out: KeyedDraft<PortDraft> = new Map();
    value.forEach((entry, index) => {
      if (typeof entry === 'object' && entry !== null) for (const { key, message, remediation } of ignoredKeyNotes('port', entry as Raw)) this.note([...keyPath, index, key], message, remediation);
      const port = typeof entry === 'object' && entry !== null ? longPort(entry as Raw) : parseShortPort(String(entry));
      if (port === null) {
        this.problem([...keyPath, index], `"${String(entry)}" is not a port mapping`, 'Write [[host_ip:]published:]target[/protocol], e.g. "8080:80" or "127.0.0.1:5432:5432/tcp".');
        return;
      }
      out.set(portKey(port), { value: port, location: this.at([...keyPath, index]) });
    });
    return out;
  }

  private volumes(value: readonly unknown[], keyPath: KeyPath): KeyedDraft<VolumeMountDraft> {
    const out: KeyedDraft<VolumeMountDraft> = new Map();
    value.forEach((entry, index) => {
      if (typeof entry === 'object' && entry !== null) {
        for (const { key, message, remediation } of ignoredKeyNotes('mount', entry as Raw)) this.note([...keyPath, index, key], message, remediation);
        const volume = (entry as Raw).volume as Raw | undefined;
        if (volume !== undefined) for (const { key, message, remediation } of ignoredKeyNotes('mountVolume', volume)) this.note([...keyPath, index, 'volume', key], message, remediation);
      }
      if (typeof entry === 'string') {
        // The short form's `cached`, `delegated` and `consistent` are the long form's `consistency`:
        // noted as ignored the same way (Docker Desktop for macOS only), not refused.
        const consistency = (entry.split(':')[2] ?? '').split(',').find((mode) => CONSISTENCY_MODES.includes(mode));
        if (consistency !== undefined) {
          // At the entry itself (a list item has no key to point at).
          this.problems.push({ path: [...keyPath, index], message: `the mode ${consistency} tunes file sharing on Docker Desktop for macOS; a Linux bind mount is always consistent`, remediation: `Remove :${consistency}.`, code: 'PHX-KEY-IGNORED', severity: 'note' });
        }
      }
      const mount = typeof entry === 'object' && entry !== null ? this.longVolume(entry as Raw) : this.shortVolume(String(entry));
      if (mount === null) {
        this.problem([...keyPath, index], `"${String(entry)}" is not a volume mount`, 'Write source:target[:ro|rw|z|Z], a bare container path, or the long form with type, source and target.');
        return;
      }
      if (out.has(volumeKey(mount))) {
        // Within one file two mounts on one path is a mistake (Compose refuses it: "Duplicate mount
        // points"); keeping the later one silently dropped the other. Overlays still replace by target.
        this.problem([...keyPath, index], `two mounts have the target ${mount.target}`, 'Give each mount its own container path, or remove one of them.');
        return;
      }
      out.set(volumeKey(mount), { value: mount, location: this.at([...keyPath, index]) });
    });
    return out;
  }

  private shortVolume(text: string): VolumeMountDraft | null {
    const parts = text.split(':');
    if (parts.length === 1) return parts[0]!.startsWith('/') ? { type: 'volume', source: null, target: parts[0]!, readOnly: false } : null;
    if (parts.length > 3) return null;
    const [source, target, modeText = ''] = parts as [string, string, string?];
    if (source === '' || !target.startsWith('/')) return null;
    const modes = modeText === '' ? [] : modeText.split(',');
    if (!modes.every((mode) => ['ro', 'rw', 'z', 'Z', ...CONSISTENCY_MODES].includes(mode))) return null;
    const readOnly = modes.includes('ro');
    if (isHostPath(source)) {
      const selinux = modes.includes('Z') ? 'Z' : modes.includes('z') ? 'z' : '';
      return { type: 'bind', source: this.hostPath(source), target, readOnly, selinux, createHostPath: true };
    }
    return { type: 'volume', source, target, readOnly };
  }

  private longVolume(raw: Raw): VolumeMountDraft | null {
    const target = raw.target as string;
    const readOnly = raw.read_only === true;
    switch (raw.type) {
      case 'bind': {
        if (typeof raw.source !== 'string') return null;
        const bind = (raw.bind ?? {}) as { create_host_path?: boolean; selinux?: 'z' | 'Z'; propagation?: string };
        return {
          type: 'bind',
          source: this.hostPath(raw.source),
          target,
          readOnly,
          selinux: bind.selinux ?? '',
          createHostPath: bind.create_host_path ?? true,
          ...optional('propagation', bind.propagation),
        };
      }
      case 'tmpfs': {
        const tmpfs = raw.tmpfs as { size?: string | number; mode?: string | number } | undefined;
        const mode = tmpfs?.mode === undefined ? undefined : typeof tmpfs.mode === 'number' ? tmpfs.mode : Number.parseInt(tmpfs.mode.replace(/^0o/, ''), 8);
        return { type: 'tmpfs', target, sizeBytes: tmpfs?.size === undefined ? null : parseSizeBytes(tmpfs.size), ...optional('options', mode === undefined ? undefined : [`mode=${mode.toString(8)}`]) };
      }
      case 'volume':
        return {
          type: 'volume',
          source: typeof raw.source === 'string' && raw.source !== '' ? raw.source : null,
          target,
          readOnly,
          ...optional('noCopy', (raw.volume as { nocopy?: boolean } | undefined)?.nocopy === true ? (true as const) : undefined),
        };
      default:
        return null;
    }
  }

  private hostPath(source: string): string {
    // `~` is the home of whoever runs Phoenix; resolved by the loader's caller through HOME.
    return source.startsWith('~') ? source : path.resolve(this.projectDir, source);
  }

  private networks(value: unknown, keyPath: KeyPath): KeyedDraft<NetworkAttachmentDraft> {
    const out: KeyedDraft<NetworkAttachmentDraft> = new Map();
    if (Array.isArray(value)) {
      value.forEach((name, index) => out.set(String(name), { value: { aliases: [], ipv4Address: null }, location: this.at([...keyPath, index]) }));
      return out;
    }
    for (const [name, entry] of Object.entries(value as Raw)) {
      const spec = (entry ?? {}) as { aliases?: string[]; ipv4_address?: string; ipv6_address?: string; mac_address?: string; interface_name?: string };
      for (const { key, message, remediation } of ignoredKeyNotes('networkAttachment', spec as Raw)) this.note([...keyPath, name, key], message, remediation);
      out.set(name, {
        value: {
          aliases: spec.aliases ?? [],
          ipv4Address: spec.ipv4_address ?? null,
          ...optional('ipv6Address', spec.ipv6_address),
          ...optional('macAddress', spec.mac_address?.toLowerCase()),
          ...optional('interfaceName', spec.interface_name),
        },
        location: this.locations.keyAt([...keyPath, name]),
      });
    }
    return out;
  }

  private dependsOn(value: unknown, keyPath: KeyPath): KeyedDraft<DependencyDraft> {
    const out: KeyedDraft<DependencyDraft> = new Map();
    if (Array.isArray(value)) {
      value.forEach((name, index) => out.set(String(name), { value: { condition: 'service_started', required: true, restart: false }, location: this.at([...keyPath, index]) }));
      return out;
    }
    for (const [name, entry] of Object.entries(value as Raw)) {
      const spec = (entry ?? {}) as { condition?: DependencyCondition; required?: boolean; restart?: boolean };
      out.set(name, {
        value: { condition: spec.condition ?? 'service_started', required: spec.required ?? true, restart: spec.restart ?? false },
        location: this.locations.keyAt([...keyPath, name]),
      });
    }
    return out;
  }

  private healthcheck(raw: Raw, keyPath: KeyPath): HealthcheckDraft {
    const out: { -readonly [K in keyof HealthcheckDraft]: HealthcheckDraft[K] } = {};
    if (raw.test !== undefined) out.test = typeof raw.test === 'string' ? ['CMD-SHELL', raw.test] : (raw.test as unknown[]).map(String);
    const durations = [
      ['interval', 'intervalMs'],
      ['timeout', 'timeoutMs'],
      ['start_period', 'startPeriodMs'],
      ['start_interval', 'startIntervalMs'],
    ] as const;
    for (const [key, field] of durations) {
      if (raw[key] === undefined) continue;
      const ms = this.duration(raw[key], [...keyPath, key]);
      if (ms !== undefined) out[field] = ms;
    }
    if (typeof raw.retries === 'number') out.retries = raw.retries;
    if (typeof raw.disable === 'boolean') out.disable = raw.disable;
    return out;
  }

  private duration(value: unknown, keyPath: KeyPath): number | undefined {
    const ms = parseDurationMs(value as string | number);
    if (ms === null) {
      this.problem(keyPath, `"${String(value)}" is not a duration`, 'Write a duration such as 30s, 1m30s or 500ms.');
      return undefined;
    }
    return ms;
  }

  private secretRefs(value: readonly unknown[], keyPath: KeyPath): KeyedDraft<SecretRefDraft> {
    const out: KeyedDraft<SecretRefDraft> = new Map();
    value.forEach((entry, index) => {
      const spec = typeof entry === 'string' ? { source: entry } : (entry as { source: string; target?: string; uid?: string; gid?: string; mode?: number | string });
      const target = spec.target === undefined ? `/run/secrets/${spec.source}` : spec.target.startsWith('/') ? spec.target : `/run/secrets/${spec.target}`;
      const mode = spec.mode === undefined ? null : typeof spec.mode === 'number' ? spec.mode : Number.parseInt(spec.mode, 8);
      if (mode !== null && !(Number.isInteger(mode) && mode >= 0 && mode <= 0o777)) {
        this.problem([...keyPath, index, 'mode'], `mode "${String(spec.mode)}" is not a file mode`, 'Write an octal mode such as 0400.');
      }
      out.set(target, {
        value: { source: spec.source, target, uid: spec.uid ?? null, gid: spec.gid ?? null, mode },
        location: this.at([...keyPath, index]),
      });
    });
    return out;
  }

  /** Compose mounts a config at `/<source>` by default, and takes a relative target from `/`. */
  private configRefs(value: readonly unknown[], keyPath: KeyPath): KeyedDraft<ConfigRefDraft> {
    const out: KeyedDraft<ConfigRefDraft> = new Map();
    value.forEach((entry, index) => {
      const spec = typeof entry === 'string' ? { source: entry } : (entry as { source: string; target?: string; uid?: string | number; gid?: string | number; mode?: number | string });
      const written = spec.target ?? spec.source;
      const target = written.startsWith('/') ? written : `/${written}`;
      const mode = spec.mode === undefined ? null : typeof spec.mode === 'number' ? spec.mode : Number.parseInt(spec.mode, 8);
      if (mode !== null && !(Number.isInteger(mode) && mode >= 0 && mode <= 0o777)) {
        this.problem([...keyPath, index, 'mode'], `mode "${String(spec.mode)}" is not a file mode`, 'Write an octal mode such as "0440" (quoted: an unquoted 0440 is the decimal 440 in YAML 1.2).');
      }
      out.set(target, {
        value: { source: spec.source, target, uid: spec.uid === undefined ? null : String(spec.uid), gid: spec.gid === undefined ? null : String(spec.gid), mode },
        location: this.at([...keyPath, index]),
      });
    });
    return out;
  }

  private extraHosts(value: unknown, keyPath: KeyPath): KeyedDraft<string> {
    const out: KeyedDraft<string> = new Map();
    if (Array.isArray(value)) {
      value.forEach((entry, index) => {
        const text = String(entry);
        const separator = text.includes('=') ? text.indexOf('=') : text.indexOf(':');
        if (separator <= 0) {
          this.problem([...keyPath, index], `"${text}" is not host:ip`, 'Write each entry as "host:ip" or "host=ip".');
          return;
        }
        const host = text.slice(0, separator);
        // Several entries may name one host (several addresses); keyed by host and address.
        const ip = unbracket(text.slice(separator + 1));
        out.set(`${host}\u0000${ip}`, { value: `${host}:${ip}`, location: this.at([...keyPath, index]) });
      });
      return out;
    }
    for (const [host, ips] of Object.entries(value as Raw)) {
      const list = Array.isArray(ips) ? ips.map(String) : [String(ips)];
      list.forEach((ip, index) => out.set(`${host}\u0000${unbracket(ip)}`, { value: `${host}:${unbracket(ip)}`, location: this.at(Array.isArray(ips) ? [...keyPath, host, index] : [...keyPath, host]) }));
    }
    return out;
  }

  private keyed(map: Record<string, string>, keyPath: KeyPath): KeyedDraft<string> {
    const out: KeyedDraft<string> = new Map();
    for (const [key, value] of Object.entries(map)) out.set(key, { value, location: this.at([...keyPath, key]) });
    return out;
  }

  private list(values: readonly string[], keyPath: KeyPath): Located<string>[] {
    return values.map((value, index) => ({ value: String(value), location: this.at([...keyPath, index]) }));
  }
}

/** `[::1]` → `::1`: Compose allows an IPv6 address in brackets; Podman's --add-host wants it bare. */
function unbracket(ip: string): string {
  return ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
}

function fieldOf(id: string, service: string): string | null {
  const keyPath = JSON.parse(id) as KeyPath;
  return keyPath.length === 3 && keyPath[0] === 'services' && keyPath[1] === service ? String(keyPath[2]) : null;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  return Object.fromEntries(Object.entries(value as Raw).map(([k, v]) => [k, String(v)]));
}

/** Compose labels come as a map or as a list of `key=value`. */
function labelMap(value: unknown): Record<string, string> {
  if (Array.isArray(value)) {
    return Object.fromEntries(
      value.map((entry) => {
        const text = String(entry);
        const eq = text.indexOf('=');
        return eq === -1 ? [text, ''] : [text.slice(0, eq), text.slice(eq + 1)];
      }),
    );
  }
  return stringMap(value) ?? {};
}

function isHostPath(source: string): boolean {
  return source.startsWith('/') || source.startsWith('./') || source.startsWith('../') || source === '.' || source === '..' || source.startsWith('~');
}

function longPort(raw: Raw): PortDraft {
  return {
    hostIp: typeof raw.host_ip === 'string' ? raw.host_ip : '',
    published: raw.published === undefined ? '' : String(raw.published),
    target: String(raw.target),
    protocol: raw.protocol === 'udp' ? 'udp' : 'tcp',
  };
}

const PORT_RANGE = /^\d+(-\d+)?$/;

/** Parses `[[host_ip:]published:]target[/protocol]`; IPv6 host addresses in brackets. */
export function parseShortPort(text: string): PortDraft | null {
  let rest = text.trim();
  let protocol: 'tcp' | 'udp' = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash !== -1) {
    const proto = rest.slice(slash + 1);
    if (proto !== 'tcp' && proto !== 'udp') return null;
    protocol = proto;
    rest = rest.slice(0, slash);
  }
  let hostIp = '';
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1 || rest[close + 1] !== ':') return null;
    hostIp = rest.slice(1, close);
    rest = rest.slice(close + 2);
  }
  const parts = rest.split(':');
  let published = '';
  let target: string;
  if (parts.length === 1) target = parts[0]!;
  else if (parts.length === 2) [published, target] = parts as [string, string];
  else if (parts.length === 3 && hostIp === '') [hostIp, published, target] = parts as [string, string, string];
  else return null;
  if (!PORT_RANGE.test(target) || (published !== '' && !PORT_RANGE.test(published))) return null;
  return { hostIp, published, target, protocol };
}
