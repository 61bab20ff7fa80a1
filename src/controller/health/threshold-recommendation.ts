/**
 * The sentence a threshold alert carries: what crossed, for how long, and what to do about
 * it, in the manifest's own terms (Compose's `deploy.resources.limits`).
 */
import type { ThresholdMetric } from './threshold-state.js';

/** What the recommendation is about. */
export interface RecommendationInput {
  readonly container: string;
  readonly metric: ThresholdMetric;
  readonly value: number;
  readonly limit: number;
  readonly sustainedMs: number;
  /** The container's own memory limit (the manifest's), null when it has none. */
  readonly memoryLimitBytes: number | null;
  /** The container's CPU limit in cores, null when it has none. */
  readonly cpus: number | null;
}

/** Bytes as a person reads them: `512 MiB`, `1.5 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const rounded = value >= 100 || unit === 0 ? Math.round(value).toString() : value.toFixed(1).replace(/\.0$/, '');
  return `${rounded} ${units[unit]}`;
}

/** Milliseconds as `45 s`, `5 min`, `1.5 h`. */
export function formatDuration(ms: number): string {
  const trim = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));
  if (ms < 60_000) return `${trim(Math.round(ms / 100) / 10)} s`;
  if (ms < 3_600_000) return `${trim(Math.round(ms / 6_000) / 10)} min`;
  return `${trim(Math.round(ms / 360_000) / 10)} h`;
}

/** One or two sentences saying what crossed and what to do. */
export function thresholdRecommendation(input: RecommendationInput): string {
  const { container, value, limit, sustainedMs } = input;
  const during = formatDuration(sustainedMs);
  if (input.metric === 'memory') {
    const ofLimit =
      input.memoryLimitBytes === null
        ? 'it has no memory limit'
        : `that is ${Math.round((value / input.memoryLimitBytes) * 100)}% of its ${formatBytes(input.memoryLimitBytes)} limit, at which the kernel kills it`;
    return (
      `Memory of ${container} has stayed above ${formatBytes(limit)} for ${during} (now ${formatBytes(value)}; ${ofLimit}). ` +
      `If the service needs that much, raise deploy.resources.limits.memory (and this threshold); if its usage keeps growing, look for a leak (\`podman stats ${container}\`, its logs).`
    );
  }
  const ofLimit = input.cpus === null ? 'it has no CPU limit' : `its limit is ${input.cpus} CPU${input.cpus === 1 ? '' : 's'}`;
  return (
    `CPU of ${container} has stayed above ${Math.round(limit)}% for ${during} (now ${Math.round(value)}%; ${ofLimit}). ` +
    `If the load is expected, raise deploy.resources.limits.cpus or add replicas (deploy.replicas); otherwise look for a busy loop or runaway work (\`podman top ${container}\`, its logs).`
  );
}
