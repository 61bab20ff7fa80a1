/**
 * Resource usage of containers: one `podman stats --no-stream --format json` for all of them.
 * Podman 4.3 prints every figure as text for people (checked on its real output):
 *   {"id":"5c0c30d3659e","name":"web","cpu_time":"31.72121ms","cpu_percent":"1.40%",
 *    "avg_cpu":"1.40%","mem_usage":"245.8kB / 25.28GB","mem_percent":"0.00%",...}
 * so this module reads those back into numbers. `cpu_percent` with `--no-stream` is the
 * average since the container started (100% is one core); `cpu_time` lets a caller that
 * samples twice compute the recent rate. A container that does not run reports zeros; one that
 * does not exist makes Podman fail the whole call, so it is left out and the call repeated.
 */
import type { CallOptions } from './podman-client.js';
import type { PodmanError } from './podman-error.js';
import { isPodmanError } from './podman-error.js';
import { parseJsonList } from './podman-json.js';
import { PodmanRunner, podmanEnvironment } from './podman-runner.js';

/** One container's usage at the moment of the call. */
export interface ContainerStats {
  readonly name: string;
  /** Podman's CPU figure: the average since the container started, 100 being one core. */
  readonly cpuPercent: number;
  /** CPU time used since the start, in nanoseconds; null when Podman did not say. */
  readonly cpuTimeNs: number | null;
  readonly memoryBytes: number;
  /** The container's memory limit; the host's memory when it has none; 0 when it does not run. */
  readonly memoryLimitBytes: number;
}

/** Where resource usage comes from: Podman, or a test double. */
export interface StatsSource {
  /** Usage of each named container that exists; containers that do not are left out. */
  stats(names: readonly string[], options?: CallOptions): Promise<readonly ContainerStats[]>;
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  pb: 1e15,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** `245.8kB`, `25.28GB`, `0B`, `1.5MiB` as bytes (Podman prints decimal units); null when unreadable. */
export function parseByteSize(text: string): number | null {
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (match === null) return null;
  const factor = SIZE_UNITS[(match[2] ?? '').toLowerCase() || 'b'];
  return factor === undefined ? null : Math.round(Number(match[1]) * factor);
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration (`31.72121ms`, `1m2.5s`, `0s`) in nanoseconds; null when unreadable. */
export function parseGoDuration(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const part = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(trimmed); match !== null; match = part.exec(trimmed)) {
    total += Number(match[1]) * (DURATION_UNITS[match[2] ?? ''] ?? NaN);
    consumed = part.lastIndex;
  }
  return consumed === 0 || consumed !== trimmed.length || Number.isNaN(total) ? null : Math.round(total);
}

/** `1.40%` as 1.4; null when unreadable. */
export function parsePercent(text: string): number | null {
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*%?\s*$/.exec(text);
  return match === null ? null : Number(match[1]);
}

function field(raw: Record<string, unknown>, ...keys: string[]): unknown {
  for (const key of keys) if (raw[key] !== undefined) return raw[key];
  return undefined;
}

function asNumber(value: unknown, parse: (text: string) => number | null): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return typeof value === 'string' ? parse(value) : null;
}

/** One entry of `podman stats --format json`; null when it names no container. */
export function parseStatsEntry(raw: Record<string, unknown>): ContainerStats | null {
  const name = field(raw, 'name', 'Name');
  if (typeof name !== 'string' || name === '') return null;
  const [usage = '', limit = ''] = String(field(raw, 'mem_usage', 'MemUsage') ?? '').split('/');
  return {
    name,
    cpuPercent: asNumber(field(raw, 'cpu_percent', 'CPU'), parsePercent) ?? 0,
    cpuTimeNs: asNumber(field(raw, 'cpu_time', 'CPUNano'), parseGoDuration),
    memoryBytes: parseByteSize(usage) ?? 0,
    memoryLimitBytes: asNumber(field(raw, 'MemLimit'), parseByteSize) ?? parseByteSize(limit) ?? 0,
  };
}

/** The whole output of `podman stats --no-stream --format json`. */
export function parseStats(stdout: string): ContainerStats[] {
  return parseJsonList(stdout, 'podman stats')
    .map(parseStatsEntry)
    .filter((entry): entry is ContainerStats => entry !== null);
}

/** The container a `no such container` error names, when it names one. */
export function missingContainerOf(error: PodmanError): string | null {
  const match = /no container with name or ID "([^"]+)" found/i.exec(`${error.stderr}\n${error.message}`);
  return match?.[1] ?? null;
}

/** How to run podman for stats; the same choices as PodmanCliOptions. */
export interface PodmanStatsOptions {
  readonly binary?: string;
  /** Extra environment for podman, over this process's own. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Phoenix's state directory; with it, the host's containers.conf fix (containers-conf.ts) is used when CONTAINERS_CONF is unset. */
  readonly stateDir?: string;
  /** Deadline of a call that gives none (default 30 s). */
  readonly timeoutMs?: number;
}

/** `podman stats` through the podman CLI. */
export class PodmanStats implements StatsSource {
  private readonly runner: PodmanRunner;

  constructor(options: PodmanStatsOptions = {}) {
    const extra = Object.fromEntries(Object.entries(options.env ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined));
    const env = options.stateDir === undefined ? extra : { ...extra, ...podmanEnvironment(options.stateDir, { ...process.env, ...extra }) };
    this.runner = new PodmanRunner({ binary: options.binary ?? 'podman', env, timeoutMs: options.timeoutMs ?? 30_000 });
  }

  /** One `podman stats` for all `names`; a name Podman does not know is dropped and the call repeated. */
  async stats(names: readonly string[], options: CallOptions = {}): Promise<readonly ContainerStats[]> {
    const wanted = [...new Set(names)];
    // Each round either succeeds or drops one missing container: at most one round per name, plus one.
    while (wanted.length > 0) {
      try {
        const { stdout } = await this.runner.run(['stats', '--no-stream', '--format', 'json', ...wanted], { signal: options.signal, timeoutMs: options.timeoutMs });
        return parseStats(stdout).filter((entry) => wanted.includes(entry.name));
      } catch (error) {
        const missing = isPodmanError(error, 'PODMAN-NO-SUCH-OBJECT') ? missingContainerOf(error) : null;
        const index = missing === null ? -1 : wanted.indexOf(missing);
        if (index < 0) throw error;
        wanted.splice(index, 1);
      }
    }
    return [];
  }
}
