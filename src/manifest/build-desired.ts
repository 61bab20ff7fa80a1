import path from 'node:path';
import { RESERVED_LABEL_PREFIX } from './value-grammars.js';
import type {
  ConfigMount,
  ContainerOptions,
  ContainerSpec,
  DesiredNetwork,
  DesiredSecret,
  DesiredService,
  DesiredState,
  DesiredVolume,
  HealthCheckSpec,
  Mount,
  NetworkAttachment,
  PortMapping,
  RestartPolicy,
  SecretMount,
  SecretSource,
  SecurityPolicy,
} from '../model/desired.js';
import { LABEL, MANAGED_BY } from '../model/desired.js';
import { canonicalJson, digestOf } from '../model/hash.js';
import type { IssueCode, SourceLocation } from '../model/issue.js';
import type { BuildContext } from './build-context.js';
import { buildConfigs, configMounts } from './build-configs.js';
import type { ComposeDraft, NetworkAttachmentDraft, ServiceDraft } from './compose-draft.js';
import { checkPullPolicy, desiredImageBuild } from './desired-build.js';
import { parseDotenv } from './dotenv.js';
import type { EnvironmentManifest } from './environment-manifest.js';
import { normaliseCapability } from './policy.js';
import { securityOptParts } from '../security/spec-policy.js';
import { parseSizeBytes } from './units.js';
import { dependenciesOf, serviceReference, volumesFromService } from './implicit-dependencies.js';
import { DEPLOY_MEMORY_RESERVATION, DEPLOY_PIDS } from './normalize-surface.js';
import { SERVICE_OPTIONS } from './service-options.js';

/** Compose's and Docker's defaults for a health check's timing. */
const HEALTH_DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0, startIntervalMs: 5_000 };
const DEFAULT_STOP_GRACE_MS = 10_000;
const DEFAULT_NETWORK = 'default';

/**
 * Builds the normalised desired state from the merged Compose draft and the environment
 * file: real names, ownership labels, every default explicit, secret contents reduced to
 * keyed digests, config hashes. Problems go to `ctx.report`; the result is only meaningful
 * when none of them was an error.
 */
export function buildDesiredState(merged: ComposeDraft, env: EnvironmentManifest, ctx: BuildContext): DesiredState {
  const prefix = `${env.project}-${env.name}`;
  const owner = { [LABEL.managedBy]: MANAGED_BY, [LABEL.project]: env.project, [LABEL.environment]: env.name };
  const error = (code: IssueCode, location: SourceLocation, keyPath: string, message: string, remediation: string): void =>
    ctx.report({ code, severity: 'error', location, path: keyPath, message, remediation });

  const networks = buildNetworks(merged, prefix, owner);
  const volumes = buildVolumes(merged, prefix, owner);
  const secrets = buildSecrets(merged, env, prefix, owner, ctx);
  const networkNames = new Map(networks.map((n) => [n.name, n.podmanName]));
  const volumeNames = new Map(volumes.map((v) => [v.name, v.podmanName]));
  const secretsByName = new Map(secrets.map((s) => [s.name, s]));
  const configs = buildConfigs(merged, prefix, owner, ctx);
  const configsByName = new Map(configs.map((c) => [c.name, c]));
  const declaredConfigs = new Set(merged.configs.keys());

  const firstContainer = (service: string): string | undefined => {
    const target = merged.services.get(service);
    return target === undefined ? undefined : (target.containerName ?? `${prefix}-${service}-1`);
  };
  const linkAliases = linkAliasesByService(merged);

  const services: DesiredService[] = [];
  for (const draft of [...merged.services.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const where = (field: string): SourceLocation => draft.fieldLocations.get(field) ?? draft.location;
    if (draft.image === undefined && draft.build === undefined) {
      error('PHX-NO-IMAGE', draft.location, `services.${draft.name}`, `service "${draft.name}" has no image.`, 'Add `image:` with a local or registry image reference, or `build:` with the folder to build it from.');
    }
    const build = desiredImageBuild(draft, env.project, ctx);
    checkPullPolicy(draft, ctx);
    const environment = buildEnvironment(draft, ctx);
    const mounts: Mount[] = [];
    for (const [, { value: mount, location }] of draft.volumes ?? []) {
      if (mount.type === 'volume' && mount.source !== null) {
        const podmanName = volumeNames.get(mount.source);
        if (podmanName === undefined) {
          error('PHX-VOLUME-UNDECLARED', location, `services.${draft.name}.volumes`, `volume "${mount.source}" is not declared.`, `Declare it under the top-level \`volumes:\` key, or write a path (./${mount.source}) for a bind mount.`);
          continue;
        }
          mounts.push({ type: 'volume', source: podmanName, target: mount.target, readOnly: mount.readOnly, ...(mount.noCopy === true ? { noCopy: true as const } : {}) });
      } else if (mount.type === 'volume') {
        mounts.push({ type: 'anonymous', target: mount.target, readOnly: mount.readOnly });
      } else if (mount.type === 'bind') {
        const source = mount.source.startsWith('~') ? path.join(ctx.homeDir, mount.source.slice(1)) : mount.source;
        mounts.push({ ...mount, source });
      } else {
        mounts.push(mount);
      }
    }
    for (const { value, location } of draft.tmpfs ?? []) {
      const tmpfs = parseTmpfs(value);
      if (tmpfs === null) {
        error('PHX-INVALID-VALUE', location, `services.${draft.name}.tmpfs`, `tmpfs "${value}" has options Phoenix does not understand.`, `Write PATH or PATH:OPTIONS with options among size=64m, mode=1777, uid=N, gid=N, ${TMPFS_FLAGS.join(', ')}.`);
        continue;
      }
      mounts.push(tmpfs);
    }
    mounts.sort((a, b) => a.target.localeCompare(b.target));

    // `service:NAME` is Compose's; Podman joins the network namespace of a container (`container:NAME`).
    const sharedWith = serviceReference(draft.networkMode);
    const networkMode = sharedWith !== null && firstContainer(sharedWith) !== undefined ? `container:${firstContainer(sharedWith)!}` : (draft.networkMode ?? 'bridge');
    const attachments: NetworkAttachment[] = [];
    if (networkMode === 'bridge') {
      const entries = draft.networks === undefined || draft.networks.size === 0 ? new Map([[DEFAULT_NETWORK, { value: { aliases: [], ipv4Address: null } as NetworkAttachmentDraft, location: draft.location }]]) : draft.networks;
      for (const [name, { value, location }] of entries) {
        const podmanName = networkNames.get(name);
        if (podmanName === undefined) {
          error('PHX-NETWORK-UNDECLARED', location, `services.${draft.name}.networks`, `network "${name}" is not declared.`, 'Declare it under the top-level `networks:` key.');
          continue;
        }
        // Compose makes every service reachable by its service name on each of its networks,
        // and by the alias another service on that network links it as (`links: [db:database]`).
        const linked = linkAliases.get(draft.name)?.get(name) ?? [];
        const aliases = [...new Set([draft.name, ...value.aliases, ...linked])].sort();
        const { ipv6Address, macAddress, interfaceName } = value;
        attachments.push({ network: podmanName, aliases, ipv4Address: value.ipv4Address, ...defined({ ipv6Address, macAddress, interfaceName }) });
      }
      attachments.sort((a, b) => a.network.localeCompare(b.network));
    } else if (draft.networks !== undefined && draft.networks.size > 0) {
      error('PHX-INVALID-VALUE', where('network_mode'), `services.${draft.name}.network_mode`, `network_mode "${networkMode}" cannot be combined with networks.`, 'Remove either network_mode or networks.');
    }

    const secretMounts: SecretMount[] = [];
    for (const [, { value: ref, location }] of draft.secrets ?? []) {
      const secret = secretsByName.get(ref.source);
      if (secret === undefined) {
        error('PHX-SECRET-UNDECLARED', location, `services.${draft.name}.secrets`, `secret "${ref.source}" is used but not declared.`, `Declare it under the top-level \`secrets:\` key of a compose file or under \`secrets:\` in ${env.file}, with a file or environment source.`);
        continue;
      }
      secretMounts.push({ secret: ref.source, podmanName: secret.podmanName, digest: secret.digest, target: ref.target, uid: ref.uid ?? '0', gid: ref.gid ?? '0', mode: ref.mode ?? 0o444 });
    }
    secretMounts.sort((a, b) => a.target.localeCompare(b.target));

    const labels = { ...readLabelFiles(draft, ctx), ...Object.fromEntries([...(draft.labels ?? [])].map(([k, v]) => [k, v.value])) };
    const options = buildOptions(draft, firstContainer, error);
    for (const { value: link, location } of draft.externalLinks ?? []) {
      if (link.alias !== link.name) {
        error('PHX-UNSUPPORTED-VALUE', location, `services.${draft.name}.external_links`, `external_links "${link.name}:${link.alias}" gives the container another name, which Podman cannot do (it has no links).`, `Reach the container as "${link.name}" on a network both share, or give it the network alias "${link.alias}" where it is created.`);
      }
    }

    const restartText = draft.restart ?? 'no';
    const restartMatch = /^on-failure:(\d+)$/.exec(restartText);
    const restart: RestartPolicy = restartMatch === null ? (restartText as RestartPolicy) : 'on-failure';

    const spec: ContainerSpec = {
      image: build?.image ?? draft.image ?? '',
      entrypoint: draft.entrypoint ?? null,
      command: draft.command ?? null,
      environment,
      labels: Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))),
      ports: [...(draft.ports?.values() ?? [])].map((p): PortMapping => p.value).sort(comparePorts),
      mounts,
      networks: attachments,
      networkMode,
      healthcheck: buildHealthcheck(draft),
      restart,
      restartMaxRetries: restartMatch === null ? 0 : Number(restartMatch[1]),
      user: draft.user ?? null,
      workingDir: draft.workingDir ?? null,
      hostname: draft.hostname ?? null,
      extraHosts: [...(draft.extraHosts?.values() ?? [])].map((entry) => entry.value).sort(),
      init: draft.init ?? false,
      readOnly: draft.readOnly ?? false,
      privileged: draft.privileged ?? false,
      capAdd: sortedUnique((draft.capAdd ?? []).map((c) => normaliseCapability(c.value))),
      capDrop: sortedUnique([...(draft.capDrop ?? []).map((c) => normaliseCapability(c.value)), ...(env.policy.security.capDrop ?? [])]),
      securityOpt: withDefaultSecurityOpt((draft.securityOpt ?? []).map((s) => s.value), env.policy.security),
      // The environment's user namespace default; the service's own userns_mode wins.
      usernsMode: draft.usernsMode ?? env.policy.security.userns ?? null,
      cpus: draft.cpus ?? null,
      memoryBytes: draft.memoryBytes ?? null,
      stopSignal: draft.stopSignal === undefined ? null : normaliseSignal(draft.stopSignal),
      stopGracePeriodSeconds: Math.ceil((draft.stopGracePeriodMs ?? DEFAULT_STOP_GRACE_MS) / 1000),
      secrets: secretMounts,
      ...optionalConfigs(configMounts(draft, configsByName, declaredConfigs, ctx)),
      ...options,
    };
    const replicas = draft.replicas ?? 1;
    const configHash = digestOf(spec);
    const dependsOn = [...dependenciesOf(draft)].map(([service, { value }]) => ({ service, ...value })).sort((a, b) => a.service.localeCompare(b.service));
    const containerNames = draft.containerName !== undefined ? [draft.containerName] : Array.from({ length: replicas }, (_, i) => `${prefix}-${draft.name}-${i + 1}`);
    services.push({
      name: draft.name,
      replicas,
      containerNames,
      dependsOn,
      spec,
      configHash,
      ownerLabels: {
        ...owner,
        [LABEL.service]: draft.name,
        [LABEL.configHash]: configHash,
        [LABEL.appliedSpec]: canonicalJson(spec),
        [LABEL.dependsOn]: dependsOn.map((d) => d.service).join(','),
      },
      ...(build === null ? {} : { build }),
      ...(draft.pullPolicy === undefined ? {} : { pullPolicy: draft.pullPolicy }),
    });
  }
  const usedNetworks = new Set(services.flatMap((s) => s.spec.networks.map((n) => n.network)));
  return {
    project: env.project,
    environment: env.name,
    services,
    // The implicit default network exists only when a service uses it, as in Compose.
    networks: networks.filter((n) => n.name !== DEFAULT_NETWORK || usedNetworks.has(n.podmanName) || merged.networks.has(DEFAULT_NETWORK)),
    volumes,
    // Configs are Podman secrets too (see build-configs.ts), after the real ones.
    secrets: [...secrets, ...configs],
    policy: env.policy,
  };
}

/** tmpfs mount options Podman passes through (besides size, mode, uid and gid). */
const TMPFS_FLAGS = ['rw', 'ro', 'exec', 'noexec', 'suid', 'nosuid', 'dev', 'nodev', 'atime', 'noatime', 'relatime', 'strictatime', 'nodiratime', 'tmpcopyup', 'notmpcopyup'];

/** `PATH[:opt,opt...]` (Compose's short tmpfs) as a mount; null when an option is unknown or a size is bad. */
function parseTmpfs(text: string): Mount | null {
  const colon = text.indexOf(':');
  const target = colon === -1 ? text : text.slice(0, colon);
  const options: string[] = [];
  let sizeBytes: number | null = null;
  for (const option of colon === -1 ? [] : text.slice(colon + 1).split(',')) {
    const [name = '', value] = option.split('=', 2);
    if (name === 'size' && value !== undefined) {
      sizeBytes = parseSizeBytes(value);
      if (sizeBytes === null) return null;
    } else if (name === 'mode' && value !== undefined && /^[0-7]{3,4}$/.test(value)) options.push(option);
    else if ((name === 'uid' || name === 'gid') && value !== undefined && /^[0-9]+$/.test(value)) options.push(option);
    else if (value === undefined && TMPFS_FLAGS.includes(name)) options.push(option);
    else return null;
  }
  return { type: 'tmpfs', target, sizeBytes, ...(options.length === 0 ? {} : { options }) };
}

/** The fields of `values` that are set; absent ones stay absent (config-hash stability). */
function defined<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

type ReportError = (code: IssueCode, location: SourceLocation, keyPath: string, message: string, remediation: string) => void;

/**
 * The container options of a service: its option keys flattened in registry order, then what
 * deploy sets (which must agree with the key of the same meaning), with `service:NAME`
 * references and volumes_from made real container names.
 */
function buildOptions(draft: ServiceDraft, firstContainer: (service: string) => string | undefined, error: ReportError): ContainerOptions {
  const entries = draft.options ?? new Map();
  const out: Record<string, unknown> = {};
  for (const row of SERVICE_OPTIONS) Object.assign(out, entries.get(row.key)?.value);
  const agree = (deployKey: string, key: string, field: keyof ContainerOptions): void => {
    const fromDeploy = entries.get(deployKey);
    if (fromDeploy === undefined) return;
    const fromKey = entries.get(key);
    if (fromKey !== undefined && fromKey.value[field] !== fromDeploy.value[field]) {
      error('PHX-INVALID-VALUE', fromKey.location, `services.${draft.name}.${key}`, `${key} and ${deployKey} are both set, to different values.`, 'Keep one of them (Compose refuses distinct values too).');
    }
    out[field] = fromDeploy.value[field];
  };
  agree(DEPLOY_PIDS, 'pids_limit', 'pidsLimit');
  agree(DEPLOY_MEMORY_RESERVATION, 'mem_reservation', 'memoryReservationBytes');
  for (const key of ['pid', 'ipc'] as const) {
    const entry = entries.get(key);
    const target = serviceReference(entry?.value[key]);
    if (entry === undefined || target === null) continue;
    const container = firstContainer(target);
    // An unknown service is reported by the dependency check (PHX-DEPENDS-ON-MISSING).
    if (container !== undefined) out[key] = `container:${container}`;
  }
  if (draft.volumesFrom !== undefined) {
    const sources: string[] = [];
    for (const { value, location } of draft.volumesFrom) {
      const service = volumesFromService(value);
      const parts = value.split(':');
      const mode = parts.length > 1 && ['ro', 'rw'].includes(parts[parts.length - 1]!) ? parts[parts.length - 1]! : null;
      if (service === null) {
        const name = value.slice('container:'.length).split(':')[0]!;
        sources.push(mode === null ? name : `${name}:${mode}`);
        continue;
      }
      const container = firstContainer(service);
      if (container === undefined) {
        error('PHX-DEPENDS-ON-MISSING', location, `services.${draft.name}.volumes_from`, `volumes_from names "${service}", which is not a service.`, 'Name a service of this environment, or write container:NAME for a container made elsewhere.');
        continue;
      }
      sources.push(mode === null ? container : `${container}:${mode}`);
    }
    out.volumesFrom = sources;
  }
  return out as ContainerOptions;
}

/** Labels from `label_file`s, a later file winning; `labels:` wins over all of them (Compose). */
function readLabelFiles(draft: ServiceDraft, ctx: BuildContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { value: file, location } of draft.labelFiles ?? []) {
    const text = ctx.reader.readText(file);
    if (text === null) {
      ctx.report({ code: 'PHX-FILE-NOT-FOUND', severity: 'error', location, path: `services.${draft.name}.label_file`, message: `label_file ${ctx.display(file)} does not exist.`, remediation: 'Create the file or correct the path (relative to the first compose file).' });
      continue;
    }
    const parsed = parseDotenv(text);
    for (const problem of parsed.errors) {
      ctx.report({ code: 'PHX-ENV-FILE-SYNTAX', severity: 'error', location: { file: ctx.display(file), line: problem.line, column: problem.column }, path: '', message: problem.message, remediation: 'Write each line as LABEL=VALUE; lines starting with # are comments.' });
    }
    for (const entry of parsed.entries) {
      // Phoenix's own labels are reserved here as in `labels:` (grammar-checks.ts).
      if (entry.key.startsWith(RESERVED_LABEL_PREFIX)) {
        ctx.report({ code: 'PHX-LABEL-RESERVED', severity: 'error', location: { file: ctx.display(file), line: entry.line, column: 1 }, path: '', message: `the label "${entry.key}" is in Phoenix's own namespace (${RESERVED_LABEL_PREFIX}*), where Phoenix records what it applied.`, remediation: 'Use a label key of your own, such as com.example.owner.' });
        continue;
      }
      out[entry.key] = entry.value;
    }
  }
  return out;
}

/**
 * For each linked service, the aliases other services link it as, by network: Compose makes a
 * link alias resolve on the networks the two services share. (Podman has no per-container
 * links, so the alias is a network alias, seen by every container on that network.)
 */
function linkAliasesByService(merged: ComposeDraft): Map<string, Map<string, string[]>> {
  const networksOf = (service: ServiceDraft): string[] => ((service.networkMode ?? 'bridge') !== 'bridge' ? [] : service.networks === undefined || service.networks.size === 0 ? [DEFAULT_NETWORK] : [...service.networks.keys()]);
  const out = new Map<string, Map<string, string[]>>();
  for (const service of merged.services.values()) {
    for (const { value: link } of service.links ?? []) {
      const target = merged.services.get(link.name);
      if (target === undefined || link.alias === link.name) continue;
      const shared = networksOf(service).filter((network) => networksOf(target).includes(network));
      const byNetwork = out.get(link.name) ?? new Map<string, string[]>();
      for (const network of shared) byNetwork.set(network, [...(byNetwork.get(network) ?? []), link.alias]);
      out.set(link.name, byNetwork);
    }
  }
  return out;
}

function buildEnvironment(draft: ServiceDraft, ctx: BuildContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { value: file, location } of draft.envFiles ?? []) {
    const text = ctx.reader.readText(file.path);
    if (text === null) {
      if (file.required) {
        ctx.report({ code: 'PHX-ENV-FILE-MISSING', severity: 'error', location, path: `services.${draft.name}.env_file`, message: `env_file ${ctx.display(file.path)} does not exist.`, remediation: 'Create the file, correct the path, or mark it `required: false`.' });
      }
      continue;
    }
    const parsed = parseDotenv(text);
    for (const problem of parsed.errors) {
      ctx.report({ code: 'PHX-ENV-FILE-SYNTAX', severity: 'error', location: { file: ctx.display(file.path), line: problem.line, column: problem.column }, path: '', message: problem.message, remediation: 'Write each line as KEY=VALUE; lines starting with # are comments.' });
    }
    for (const entry of parsed.entries) out[entry.key] = entry.value;
  }
  for (const [key, { value }] of draft.environment ?? []) {
    if (value !== null) out[key] = value;
    else {
      // `- KEY` with no value takes the variable's value, and is left out when it has none (Compose).
      const resolved = ctx.lookup(key);
      if (resolved !== undefined) out[key] = resolved;
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

function buildHealthcheck(draft: ServiceDraft): HealthCheckSpec | null {
  const h = draft.healthcheck;
  if (h === undefined || h.disable === true || h.test === undefined || h.test[0] === 'NONE') return null;
  return {
    test: h.test,
    intervalMs: h.intervalMs ?? HEALTH_DEFAULTS.intervalMs,
    timeoutMs: h.timeoutMs ?? HEALTH_DEFAULTS.timeoutMs,
    retries: h.retries ?? HEALTH_DEFAULTS.retries,
    startPeriodMs: h.startPeriodMs ?? HEALTH_DEFAULTS.startPeriodMs,
    startIntervalMs: h.startIntervalMs ?? HEALTH_DEFAULTS.startIntervalMs,
  };
}

function buildNetworks(merged: ComposeDraft, prefix: string, owner: Record<string, string>): DesiredNetwork[] {
  const entries = new Map(merged.networks);
  if (!entries.has(DEFAULT_NETWORK)) entries.set(DEFAULT_NETWORK, { location: { file: merged.file, line: 1, column: 1 }, value: {} });
  return [...entries]
    .map(([name, { value }]): DesiredNetwork => {
      const def = value === 'reset' ? {} : value;
      const external = def.external ?? false;
      const podmanName = def.name ?? (external ? name : `${prefix}-${name}`);
      const shape = {
        driver: def.driver ?? 'bridge',
        options: def.driverOpts ?? {},
        internal: def.internal ?? false,
        subnets: [...(def.subnets ?? [])].sort(),
        labels: def.labels ?? {},
        // Absent unless set, so a network without them keeps its config hash.
        ...defined({ gateways: def.gateways, ipRanges: def.ipRanges, ipamDriver: def.ipamDriver, ipv6: def.ipv6 }),
      };
      const configHash = digestOf(shape);
      return { name, podmanName, external, ...shape, labels: { ...shape.labels, ...owner, [LABEL.network]: name, [LABEL.configHash]: configHash }, configHash };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function buildVolumes(merged: ComposeDraft, prefix: string, owner: Record<string, string>): DesiredVolume[] {
  return [...merged.volumes]
    .map(([name, { value }]): DesiredVolume => {
      const def = value === 'reset' ? {} : value;
      const external = def.external ?? false;
      const podmanName = def.name ?? (external ? name : `${prefix}-${name}`);
      const shape = { driver: def.driver ?? 'local', driverOpts: def.driverOpts ?? {}, labels: def.labels ?? {} };
      const configHash = digestOf(shape);
      return { name, podmanName, external, ...shape, labels: { ...shape.labels, ...owner, [LABEL.volume]: name, [LABEL.configHash]: configHash }, configHash };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function buildSecrets(merged: ComposeDraft, env: EnvironmentManifest, prefix: string, owner: Record<string, string>, ctx: BuildContext): DesiredSecret[] {
  const names = new Set([...merged.secrets.keys(), ...env.secrets.keys()]);
  const out: DesiredSecret[] = [];
  for (const name of [...names].sort()) {
    const composeEntry = merged.secrets.get(name);
    const compose = composeEntry === undefined || composeEntry.value === 'reset' ? undefined : composeEntry.value;
    const fromEnv = env.secrets.get(name);
    if (compose?.external === true && fromEnv === undefined) {
      out.push({ name, podmanName: compose.name ?? name, external: true, source: null, digest: '', labels: {} });
      continue;
    }
    const source: SecretSource | null =
      fromEnv?.source ?? (compose?.file !== undefined ? { kind: 'file', path: compose.file } : compose?.environment !== undefined ? { kind: 'environment', variable: compose.environment } : null);
    const location = fromEnv?.location ?? composeEntry?.location ?? { file: env.file, line: 1, column: 1 };
    const keyPath = fromEnv !== undefined ? `secrets.${name}` : `secrets.${name}`;
    let content: Uint8Array | string | null = null;
    if (source === null) {
      ctx.report({ code: 'PHX-SECRET-SOURCE-MISSING', severity: 'error', location, path: keyPath, message: `secret "${name}" has no source.`, remediation: `Give it \`file:\` or \`environment:\` under \`secrets:\` in ${env.file}.` });
    } else if (source.kind === 'file') {
      content = ctx.reader.readBytes(source.path);
      // Secret files are kept out of git: a command that needs no value does not need the file either.
      if (content === null && ctx.secretValuesOptional !== true) {
        ctx.report({ code: 'PHX-SECRET-SOURCE-MISSING', severity: 'error', location, path: keyPath, message: `secret "${name}" reads ${ctx.display(source.path)}, which does not exist.`, remediation: 'Create the file (keep it out of git), or correct the path.' });
      }
    } else if (source.kind === 'age' || source.kind === 'sops') {
      content = encryptedContent(name, source, location, keyPath, ctx);
    } else {
      content = ctx.processEnv[source.variable] ?? null;
      if (content === null && ctx.secretValuesOptional !== true) {
        ctx.report({
          code: 'PHX-SECRET-SOURCE-MISSING',
          severity: ctx.requireSecretValues ? 'error' : 'warning',
          location,
          path: keyPath,
          message: `secret "${name}" reads the environment variable ${source.variable}, which is not set.`,
          remediation: `Set ${source.variable} in Phoenix's environment before plan or apply.`,
        });
      }
    }
    const digest = content === null ? '' : ctx.digester.digest(name, content);
    const podmanName = `${prefix}-${name}-${digest === '' ? 'unset' : digest.slice(0, 12)}`;
    out.push({ name, podmanName, external: false, source, digest, labels: { ...owner, [LABEL.secret]: name, [LABEL.secretDigest]: digest, [LABEL.secretKey]: ctx.digester.keyId() }, ...(content === null ? { valueUnknown: true as const } : {}) });
  }
  return out;
}

/**
 * What an encrypted secret's version is made of: its ciphertext (and, for SOPS, the key path),
 * read here without decrypting; the loader does no decryption, the apply does (src/secrets).
 * So a file encrypted again, even to the same value, is a new version and recreates its
 * consumers. Reports a missing file or age key the way a missing plain source is reported.
 */
function encryptedContent(name: string, source: Extract<SecretSource, { kind: 'age' | 'sops' }>, location: SourceLocation, keyPath: string, ctx: BuildContext): Uint8Array | null {
  const ciphertext = ctx.reader.readBytes(source.path);
  if (ctx.secretValuesOptional === true) return ciphertext;
  if (ciphertext === null) {
    ctx.report({ code: 'PHX-SECRET-SOURCE-MISSING', severity: 'error', location, path: keyPath, message: `secret "${name}" reads the encrypted file ${ctx.display(source.path)}, which does not exist.`, remediation: `Create it (encrypted with ${source.kind === 'age' ? 'age' : 'SOPS'}), or correct the path.` });
    return null;
  }
  const { identity } = source;
  const keyPresent = identity.kind === 'file' ? ctx.reader.readBytes(identity.path) !== null : (ctx.processEnv[identity.variable] ?? '') !== '';
  if (!keyPresent) {
    ctx.report({
      code: 'PHX-SECRET-KEY-MISSING',
      severity: ctx.requireSecretValues ? 'error' : 'warning',
      location,
      path: keyPath,
      message: `secret "${name}" is decrypted with ${identity.kind === 'file' ? `the age key file ${ctx.display(identity.path)}, which does not exist` : `the age key in ${identity.variable}, which is not set`}.`,
      remediation: identity.kind === 'file' ? 'Create the key file (age-keygen -o FILE) or correct `key_file:`.' : `Set ${identity.variable} to the age identity (AGE-SECRET-KEY-1...) in Phoenix's environment before plan or apply.`,
    });
  }
  if (source.kind === 'age') return ciphertext;
  const key = new TextEncoder().encode(`\0sops-key:${source.key}`);
  const joined = new Uint8Array(ciphertext.length + key.length);
  joined.set(ciphertext);
  joined.set(key, ciphertext.length);
  return joined;
}

/** Left out when the service mounts no config, so that its spec is what it was before configs. */
function optionalConfigs(configs: ConfigMount[] | undefined): { configs?: ConfigMount[] } {
  return configs === undefined ? {} : { configs };
}

function comparePorts(a: PortMapping, b: PortMapping): number {
  return `${a.target}/${a.protocol}|${a.hostIp}|${a.published}`.localeCompare(`${b.target}/${b.protocol}|${b.hostIp}|${b.published}`);
}

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

function normaliseSignal(signal: string): string {
  const upper = signal.toUpperCase();
  return /^\d+$/.test(upper) || upper.startsWith('SIG') ? upper : `SIG${upper}`;
}

/**
 * A service's `security_opt` with the environment's defaults: `no-new-privileges` when the
 * policy asks for it and the service does not say otherwise (`no-new-privileges:false`, which
 * the policy then judges).
 */
function withDefaultSecurityOpt(options: readonly string[], security: SecurityPolicy): string[] {
  const saysOwn = options.some((o) => securityOptParts(o).key === 'no-new-privileges');
  return sortedUnique(security.noNewPrivileges === true && !saysOwn ? [...options, 'no-new-privileges'] : options);
}
