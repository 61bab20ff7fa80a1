import path from 'node:path';
import type { Severity } from '../events/event-types.js';
import type { Policy, RolloutPolicy, SinkFilter, ThresholdLimits } from '../model/desired.js';
import { parseDurationMs, parseSizeBytes } from './units.js';

/** The policy an environment gets for every key it leaves out; docs/manifest.md lists them. */
export const DEFAULT_POLICY: Policy = {
  prune: false,
  resyncIntervalMs: 5 * 60_000,
  health: { maxRestarts: 5, windowMs: 10 * 60_000, backoff: { initialMs: 1000, maxMs: 5 * 60_000, multiplier: 2 } },
  security: {
    allowPrivileged: false,
    allowHostNetwork: false,
    allowHostNamespaces: false,
    allowedCapabilities: [],
    allowedHostPaths: [],
    allowForeignContainers: false,
    allowedDevices: [],
    allowRuntimeSocket: false,
    allowUnconfined: false,
    allowNewPrivileges: false,
    allowedSecretPaths: [],
  },
  thresholds: { cpuPercent: null, memoryBytes: null, sustainedMs: 60_000, services: {} },
  events: { file: null, webhooks: [], commands: [] },
  telemetry: { host: '127.0.0.1', port: 9464 },
};

/** What `policy.rollout` is when an environment leaves it (or one of its keys) out; docs/manifest.md. */
export const ROLLOUT_DEFAULTS: RolloutPolicy = { timeoutMs: 2 * 60_000, autoRollback: false, keepRevisions: 100 };

/** The rollout policy in force: the environment's, else the defaults. */
export function rolloutPolicy(policy: Policy): RolloutPolicy {
  return policy.rollout ?? ROLLOUT_DEFAULTS;
}

interface RawFilter {
  types?: string[];
  environments?: string[];
  services?: string[];
  severities?: Severity[];
}

function filterOf(raw: RawFilter): SinkFilter {
  return { types: raw.types ?? [], environments: raw.environments ?? [], services: raw.services ?? [], ...(raw.severities === undefined ? {} : { severities: raw.severities }) };
}

/** A command's program: a relative path (`./hooks/x`, `hooks/x`) is the environment folder's; a bare name is looked up on PATH. */
function resolveProgram(program: string, environmentDir: string): string {
  return program.includes('/') && !path.isAbsolute(program) ? path.resolve(environmentDir, program) : program;
}

interface RawPolicy {
  prune?: boolean;
  resync_interval?: string | number;
  health?: { max_restarts?: number; window?: string | number; backoff?: { initial?: string | number; max?: string | number; multiplier?: number } };
  security?: {
    allow_privileged?: boolean;
    allow_host_network?: boolean;
    allow_host_namespaces?: boolean;
    allowed_capabilities?: string[];
    allowed_host_paths?: string[];
    allow_foreign_containers?: boolean;
    allowed_devices?: string[];
    allow_runtime_socket?: boolean;
    allow_unconfined?: boolean;
    allow_new_privileges?: boolean;
    allowed_secret_paths?: string[];
    allowed_build_contexts?: string[];
    userns?: string;
    no_new_privileges?: boolean;
    cap_drop?: string[];
  };
  thresholds?: { cpu_percent?: number; memory?: string | number; sustained?: string | number; services?: Record<string, { cpu_percent?: number; memory?: string | number }> };
  events?: {
    file?: RawFilter & { path: string; max_size?: string | number; keep?: number };
    webhooks?: (RawFilter & { url: string })[];
    commands?: (RawFilter & { command: [string, ...string[]]; timeout?: string | number; max_concurrent?: number })[];
  };
  telemetry?: { listen?: string; allowed_hosts?: string[] };
  registries?: { insecure?: string[] };
  image_updates?: { interval: string | number };
  rollout?: { timeout?: string | number; auto_rollback?: boolean; keep_revisions?: number };
}

/**
 * Turns the schema-valid `policy:` of an environment file into a {@link Policy}, defaults
 * filled in and host paths made absolute against the environment file's folder. Durations the
 * schema let through but that do not parse are reported through `invalid`.
 */
export function resolvePolicy(raw: RawPolicy | undefined, environmentDir: string, invalid: (keyPath: string[], value: unknown, kind: 'duration' | 'size') => void): Policy {
  const d = DEFAULT_POLICY;
  const duration = (value: string | number | undefined, fallback: number, keyPath: string[]): number => {
    if (value === undefined) return fallback;
    const ms = parseDurationMs(value);
    if (ms === null) {
      invalid(keyPath, value, 'duration');
      return fallback;
    }
    return ms;
  };
  const health = raw?.health;
  const security = raw?.security;
  const size = (value: string | number | undefined, keyPath: string[]): number | null => {
    if (value === undefined) return null;
    const bytes = parseSizeBytes(value);
    if (bytes === null) invalid(keyPath, value, 'size');
    return bytes;
  };
  const thresholds = raw?.thresholds;
  const serviceThresholds: Record<string, Partial<ThresholdLimits>> = {};
  for (const [service, limits] of Object.entries(thresholds?.services ?? {})) {
    const memoryBytes = size(limits.memory, ['policy', 'thresholds', 'services', service, 'memory']);
    serviceThresholds[service] = { ...(limits.cpu_percent === undefined ? {} : { cpuPercent: limits.cpu_percent }), ...(memoryBytes === null ? {} : { memoryBytes }) };
  }
  const file = raw?.events?.file;
  const [host, port] = (raw?.telemetry?.listen ?? `${d.telemetry.host}:${d.telemetry.port}`).split(/:(?=[0-9]+$)/) as [string, string];
  return {
    prune: raw?.prune ?? d.prune,
    resyncIntervalMs: duration(raw?.resync_interval, d.resyncIntervalMs, ['policy', 'resync_interval']),
    health: {
      maxRestarts: health?.max_restarts ?? d.health.maxRestarts,
      windowMs: duration(health?.window, d.health.windowMs, ['policy', 'health', 'window']),
      backoff: {
        initialMs: duration(health?.backoff?.initial, d.health.backoff.initialMs, ['policy', 'health', 'backoff', 'initial']),
        maxMs: duration(health?.backoff?.max, d.health.backoff.maxMs, ['policy', 'health', 'backoff', 'max']),
        multiplier: health?.backoff?.multiplier ?? d.health.backoff.multiplier,
      },
    },
    security: {
      allowPrivileged: security?.allow_privileged ?? false,
      allowHostNetwork: security?.allow_host_network ?? false,
      allowHostNamespaces: security?.allow_host_namespaces ?? false,
      allowedCapabilities: (security?.allowed_capabilities ?? []).map(normaliseCapability),
      allowedHostPaths: (security?.allowed_host_paths ?? []).map((p) => path.resolve(environmentDir, p)),
      allowForeignContainers: security?.allow_foreign_containers ?? false,
      allowedDevices: (security?.allowed_devices ?? []).map((p) => path.resolve(environmentDir, p)),
      allowRuntimeSocket: security?.allow_runtime_socket ?? false,
      allowUnconfined: security?.allow_unconfined ?? false,
      allowNewPrivileges: security?.allow_new_privileges ?? false,
      allowedSecretPaths: (security?.allowed_secret_paths ?? []).map((p) => path.resolve(environmentDir, p)),
      ...(security?.allowed_build_contexts === undefined ? {} : { allowedBuildContexts: security.allowed_build_contexts.map((p) => path.resolve(environmentDir, p)) }),
      // Defaults for every container: absent unless set, so that existing config hashes stay as they were.
      ...(security?.userns === undefined ? {} : { userns: security.userns }),
      ...(security?.no_new_privileges === true ? { noNewPrivileges: true as const } : {}),
      ...(security?.cap_drop === undefined || security.cap_drop.length === 0 ? {} : { capDrop: [...new Set(security.cap_drop.map(normaliseCapability))].sort() }),
    },
    thresholds: {
      cpuPercent: thresholds?.cpu_percent ?? null,
      memoryBytes: size(thresholds?.memory, ['policy', 'thresholds', 'memory']),
      sustainedMs: duration(thresholds?.sustained, d.thresholds.sustainedMs, ['policy', 'thresholds', 'sustained']),
      services: serviceThresholds,
    },
    events: {
      file:
        file === undefined
          ? null
          : { path: path.resolve(environmentDir, file.path), maxSizeBytes: size(file.max_size, ['policy', 'events', 'file', 'max_size']) ?? 10 * 1024 * 1024, keep: file.keep ?? 5, filter: filterOf(file) },
      webhooks: (raw?.events?.webhooks ?? []).map((hook) => ({ url: hook.url, filter: filterOf(hook) })),
      commands: (raw?.events?.commands ?? []).map((sink, index) => ({
        command: [resolveProgram(sink.command[0], environmentDir), ...sink.command.slice(1)] as [string, ...string[]],
        cwd: environmentDir,
        timeoutMs: duration(sink.timeout, 30_000, ['policy', 'events', 'commands', String(index), 'timeout']),
        maxConcurrent: sink.max_concurrent ?? 2,
        filter: filterOf(sink),
      })),
    },
    telemetry: { host, port: Number(port), ...(raw?.telemetry?.allowed_hosts === undefined || raw.telemetry.allowed_hosts.length === 0 ? {} : { allowedHosts: [...raw.telemetry.allowed_hosts] }) },
    ...(raw?.registries?.insecure === undefined ? {} : { insecureRegistries: [...raw.registries.insecure] }),
    ...(raw?.image_updates === undefined ? {} : { imageUpdates: { intervalMs: duration(raw.image_updates.interval, d.resyncIntervalMs, ['policy', 'image_updates', 'interval']) } }),
    // Absent unless written, so that an environment without it resolves to the policy it had before rollouts were configurable.
    ...(raw?.rollout === undefined
      ? {}
      : {
          rollout: {
            timeoutMs: duration(raw.rollout.timeout, ROLLOUT_DEFAULTS.timeoutMs, ['policy', 'rollout', 'timeout']),
            autoRollback: raw.rollout.auto_rollback ?? ROLLOUT_DEFAULTS.autoRollback,
            keepRevisions: raw.rollout.keep_revisions ?? ROLLOUT_DEFAULTS.keepRevisions,
          },
        }),
  };
}

/** `net_admin`, `NET_ADMIN` and `CAP_NET_ADMIN` are one capability. */
export function normaliseCapability(name: string): string {
  const upper = name.toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}

/**
 * Whether `candidate` is `root` or lies below it, compared by path segments after both are
 * normalised (`..` resolved): `/srv/data/..cache` lies inside `/srv/data`, `/srv/database` and
 * `/srv/data/../etc` do not. Symbolic links are not followed: the check is about what the
 * manifest says, and Podman mounts the path it is given.
 */
export function isWithin(candidate: string, root: string): boolean {
  const relative = path.relative(path.resolve(root), path.resolve(candidate));
  if (relative === '') return true;
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}
