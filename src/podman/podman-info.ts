/**
 * What Podman says about its host (`podman info`): version, rootless or rootful, storage,
 * runtime, cgroups and networking. Read by `phoenix doctor`.
 */
import { outputInvalid } from './podman-error.js';
import { PodmanRunner, podmanEnvironment } from './podman-runner.js';

/** Rootless Podman runs as a user other than root; the local podman decides by its effective uid alone. */
export type PodmanMode = 'rootless' | 'rootful';

/**
 * Whether the local podman runs rootless: Podman's own rule is "effective uid not 0", so this
 * needs no podman process (status and /status say it on every call).
 */
export function podmanMode(euid: number = process.geteuid?.() ?? 0): PodmanMode {
  return euid === 0 ? 'rootful' : 'rootless';
}

/** The parts of `podman info` Phoenix checks. */
export interface PodmanHostInfo {
  readonly version: string;
  readonly apiVersion: string;
  readonly rootless: boolean;
  /** overlay, vfs, btrfs, ... */
  readonly storageDriver: string;
  /** runc, crun, ... */
  readonly ociRuntime: string;
  readonly cgroupVersion: 'v1' | 'v2' | string;
  /** cgroupfs or systemd. */
  readonly cgroupManager: string;
  /** The cgroup controllers Podman may use: for rootless on cgroups v2, those delegated to the user. */
  readonly cgroupControllers: readonly string[];
  /** netavark or cni. */
  readonly networkBackend: string;
  /** The slirp4netns Podman found, or null. */
  readonly slirp4netns: string | null;
  /** How many user ids the rootless user namespace maps (1 = only the user's own, no subuid range in use); null when rootful. */
  readonly mappedUids: number | null;
  readonly mappedGids: number | null;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
function mapped(value: unknown): number | null {
  if (!Array.isArray(value)) return null;
  return value.reduce((sum: number, entry) => sum + (typeof record(entry).size === 'number' ? (record(entry).size as number) : 0), 0);
}

/** Parses `podman info --format json`; PODMAN-OUTPUT-INVALID when it is not that. */
export function parsePodmanInfo(output: string): PodmanHostInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(output);
  } catch (error) {
    throw outputInvalid('podman info', 'output that is not JSON', output, error);
  }
  const info = record(raw);
  const host = record(info.host);
  const version = record(info.version);
  if (text(version.Version) === '') throw outputInvalid('podman info', 'JSON without a version', output);
  const security = record(host.security);
  const idMappings = record(host.idMappings);
  const rootless = security.rootless === true;
  const slirp = text(record(host.slirp4netns).executable);
  return {
    version: text(version.Version),
    apiVersion: text(version.APIVersion),
    rootless,
    storageDriver: text(record(info.store).graphDriverName),
    ociRuntime: text(record(host.ociRuntime).name),
    cgroupVersion: text(host.cgroupVersion),
    cgroupManager: text(host.cgroupManager),
    cgroupControllers: Array.isArray(host.cgroupControllers) ? host.cgroupControllers.filter((c): c is string => typeof c === 'string') : [],
    networkBackend: text(host.networkBackend),
    slirp4netns: slirp === '' ? null : slirp,
    mappedUids: rootless ? (mapped(idMappings.uidmap) ?? 1) : null,
    mappedGids: rootless ? (mapped(idMappings.gidmap) ?? 1) : null,
  };
}

/** How to run `podman info`: the same choices as the rest of Phoenix (host containers.conf fix included). */
export interface PodmanInfoOptions {
  readonly binary?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stateDir: string;
  readonly timeoutMs?: number;
}

/** Runs `podman info`; throws a classified PodmanError when podman fails. */
export async function readPodmanInfo(options: PodmanInfoOptions): Promise<PodmanHostInfo> {
  const runner = new PodmanRunner({ binary: options.binary ?? 'podman', env: podmanEnvironment(options.stateDir, options.env), timeoutMs: options.timeoutMs ?? 20_000 });
  const { stdout } = await runner.run(['info', '--format', 'json']);
  return parsePodmanInfo(stdout);
}
