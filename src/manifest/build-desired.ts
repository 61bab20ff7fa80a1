import path from 'node:path';
import type {
  ConfigMount,
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
} from '../model/desired.js';
import { LABEL, MANAGED_BY } from '../model/desired.js';
import { canonicalJson, digestOf } from '../model/hash.js';
import type { IssueCode, SourceLocation } from '../model/issue.js';
import type { BuildContext } from './build-context.js';
import { buildConfigs, configMounts } from './build-configs.js';
import type { ComposeDraft, ServiceDraft } from './compose-draft.js';
import { checkPullPolicy, desiredImageBuild } from './desired-build.js';
import { parseDotenv } from './dotenv.js';
import type { EnvironmentManifest } from './environment-manifest.js';
import { normaliseCapability } from './policy.js';
import { parseSizeBytes } from './units.js';

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
        mounts.push({ type: 'volume', source: podmanName, target: mount.target, readOnly: mount.readOnly });
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
      const [target = '', options] = value.split(':', 2);
      const size = options === undefined ? null : /^size=(.+)$/.exec(options)?.[1];
      if (options !== undefined && (size === undefined || size === null || parseSizeBytes(size) === null)) {
        error('PHX-INVALID-VALUE', location, `services.${draft.name}.tmpfs`, `tmpfs "${value}" has options Phoenix does not support.`, 'Write PATH or PATH:size=64m.');
        continue;
      }
      mounts.push({ type: 'tmpfs', target, sizeBytes: size === undefined || size === null ? null : parseSizeBytes(size) });
    }
    mounts.sort((a, b) => a.target.localeCompare(b.target));

    const networkMode = draft.networkMode ?? 'bridge';
    const attachments: NetworkAttachment[] = [];
    if (networkMode === 'bridge') {
      const entries = draft.networks === undefined || draft.networks.size === 0 ? new Map([[DEFAULT_NETWORK, { value: { aliases: [], ipv4Address: null }, location: draft.location }]]) : draft.networks;
      for (const [name, { value, location }] of entries) {
        const podmanName = networkNames.get(name);
        if (podmanName === undefined) {
          error('PHX-NETWORK-UNDECLARED', location, `services.${draft.name}.networks`, `network "${name}" is not declared.`, 'Declare it under the top-level `networks:` key.');
          continue;
        }
        // Compose makes every service reachable by its service name on each of its networks.
        const aliases = [...new Set([draft.name, ...value.aliases])].sort();
        attachments.push({ network: podmanName, aliases, ipv4Address: value.ipv4Address });
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

    const restartText = draft.restart ?? 'no';
    const restartMatch = /^on-failure:(\d+)$/.exec(restartText);
    const restart: RestartPolicy = restartMatch === null ? (restartText as RestartPolicy) : 'on-failure';

    const spec: ContainerSpec = {
      image: build?.image ?? draft.image ?? '',
      entrypoint: draft.entrypoint ?? null,
      command: draft.command ?? null,
      environment,
      labels: Object.fromEntries([...(draft.labels ?? [])].map(([k, v]) => [k, v.value]).sort(([a], [b]) => String(a).localeCompare(String(b)))),
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
      extraHosts: [...(draft.extraHosts ?? [])].map(([host, ip]) => `${host}:${ip.value}`).sort(),
      init: draft.init ?? false,
      readOnly: draft.readOnly ?? false,
      privileged: draft.privileged ?? false,
      capAdd: sortedUnique((draft.capAdd ?? []).map((c) => normaliseCapability(c.value))),
      capDrop: sortedUnique((draft.capDrop ?? []).map((c) => normaliseCapability(c.value))),
      securityOpt: sortedUnique((draft.securityOpt ?? []).map((s) => s.value)),
      usernsMode: draft.usernsMode ?? null,
      cpus: draft.cpus ?? null,
      memoryBytes: draft.memoryBytes ?? null,
      stopSignal: draft.stopSignal === undefined ? null : normaliseSignal(draft.stopSignal),
      stopGracePeriodSeconds: Math.ceil((draft.stopGracePeriodMs ?? DEFAULT_STOP_GRACE_MS) / 1000),
      secrets: secretMounts,
      ...optionalConfigs(configMounts(draft, configsByName, declaredConfigs, ctx)),
    };
    const replicas = draft.replicas ?? 1;
    const configHash = digestOf(spec);
    const dependsOn = [...(draft.dependsOn ?? [])].map(([service, { value }]) => ({ service, ...value })).sort((a, b) => a.service.localeCompare(b.service));
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
      const shape = { driver: def.driver ?? 'bridge', options: def.driverOpts ?? {}, internal: def.internal ?? false, subnets: [...(def.subnets ?? [])].sort(), labels: def.labels ?? {} };
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
      if (content === null) {
        ctx.report({ code: 'PHX-SECRET-SOURCE-MISSING', severity: 'error', location, path: keyPath, message: `secret "${name}" reads ${ctx.display(source.path)}, which does not exist.`, remediation: 'Create the file (keep it out of git), or correct the path.' });
      }
    } else {
      content = ctx.processEnv[source.variable] ?? null;
      if (content === null) {
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
    out.push({ name, podmanName, external: false, source, digest, labels: { ...owner, [LABEL.secret]: name, [LABEL.secretDigest]: digest } });
  }
  return out;
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
