import path from 'node:path';
import type { Policy } from '../model/desired.js';
import { parseDurationMs } from './units.js';

/** The policy an environment gets for every key it leaves out; docs/manifest.md lists them. */
export const DEFAULT_POLICY: Policy = {
  prune: false,
  resyncIntervalMs: 5 * 60_000,
  health: { maxRestarts: 5, windowMs: 10 * 60_000, backoff: { initialMs: 1000, maxMs: 5 * 60_000, multiplier: 2 } },
  security: { allowPrivileged: false, allowHostNetwork: false, allowedCapabilities: [], allowedHostPaths: [] },
};

interface RawPolicy {
  prune?: boolean;
  resync_interval?: string | number;
  health?: { max_restarts?: number; window?: string | number; backoff?: { initial?: string | number; max?: string | number; multiplier?: number } };
  security?: { allow_privileged?: boolean; allow_host_network?: boolean; allowed_capabilities?: string[]; allowed_host_paths?: string[] };
}

/**
 * Turns the schema-valid `policy:` of an environment file into a {@link Policy}, defaults
 * filled in and host paths made absolute against the environment file's folder. Durations the
 * schema let through but that do not parse are reported through `invalid`.
 */
export function resolvePolicy(raw: RawPolicy | undefined, environmentDir: string, invalid: (keyPath: string[], value: unknown) => void): Policy {
  const d = DEFAULT_POLICY;
  const duration = (value: string | number | undefined, fallback: number, keyPath: string[]): number => {
    if (value === undefined) return fallback;
    const ms = parseDurationMs(value);
    if (ms === null) {
      invalid(keyPath, value);
      return fallback;
    }
    return ms;
  };
  const health = raw?.health;
  const security = raw?.security;
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
      allowedCapabilities: (security?.allowed_capabilities ?? []).map(normaliseCapability),
      allowedHostPaths: (security?.allowed_host_paths ?? []).map((p) => path.resolve(environmentDir, p)),
    },
  };
}

/** `net_admin`, `NET_ADMIN` and `CAP_NET_ADMIN` are one capability. */
export function normaliseCapability(name: string): string {
  const upper = name.toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}
