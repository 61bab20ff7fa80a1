/**
 * Container events from `podman events --format json`, as typed values, for the watch loop's
 * event trigger. The stream is kept alive: when podman exits or crashes it is started again
 * after a backoff, replaying (with `--since`) what happened while it was down, until the
 * caller's signal aborts.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { LABEL, MANAGED_BY } from '../model/desired.js';
import { PodmanError, isPodmanError, outputInvalid } from './podman-error.js';
import type { PodmanRunner } from './podman-runner.js';

/** The statuses Podman reports for containers; others may come from newer Podman versions. */
export type ContainerEventStatus =
  | 'create'
  | 'init'
  | 'start'
  | 'attach'
  | 'exec'
  | 'exec_died'
  | 'health_status'
  | 'kill'
  | 'stop'
  | 'died'
  | 'cleanup'
  | 'remove'
  | 'pause'
  | 'unpause'
  | 'rename'
  | 'restart'
  | (string & {});

/** One container event. */
export interface ContainerEvent {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly status: ContainerEventStatus;
  /** The exit code `died` (and `exec_died`) report; null on other statuses. */
  readonly exitCode: number | null;
  /** `healthy`, `unhealthy` or `starting` on a `health_status` event; null otherwise. */
  readonly healthStatus: string | null;
  /** The container's labels (the image's labels included, as Podman merges them). */
  readonly labels: Readonly<Record<string, string>>;
  readonly time: Date;
}

/** What a watch reports about its podman process, for logs and metrics. */
export type EventWatchStatus =
  | { readonly kind: 'started'; readonly attempt: number; readonly args: readonly string[] }
  | { readonly kind: 'dropped'; readonly attempt: number; readonly error: PodmanError | null; readonly retryInMs: number }
  | { readonly kind: 'handler-failed'; readonly error: unknown };

/** Delays before restarting a dropped stream: from `initialMs`, × `multiplier`, at most `maxMs`. */
export interface EventBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
}

/** Half a second doubling up to thirty: events are latency, never correctness (a resync catches up). */
export const DEFAULT_EVENT_BACKOFF: EventBackoff = { initialMs: 500, maxMs: 30_000, multiplier: 2 };

/** Which events a watch delivers, and how it restarts its stream. */
export interface WatchContainerEventsOptions {
  /** Only containers of this Phoenix project (label io.phoenix.project). */
  readonly project?: string;
  /** Only containers with all these labels (checked here: Podman ORs repeated label filters). */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Replay events from this time on; default the moment the watch starts, so that nothing
   * is lost while podman starts up. null replays nothing.
   */
  readonly since?: Date | null;
  readonly backoff?: Partial<EventBackoff>;
  /** A stream that ran this long resets the backoff (default 30 s). */
  readonly stableAfterMs?: number;
  readonly onStatus?: (status: EventWatchStatus) => void;
  /** Wall-clock milliseconds, for `--since` and stream lifetimes. */
  readonly now?: () => number;
  /** Waits out a backoff; rejects or resolves early when the signal aborts. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Anything that can watch container events: PodmanCli, or a test double. */
export interface ContainerEventSource {
  watchContainerEvents(options: WatchContainerEventsOptions, onEvent: (event: ContainerEvent) => void, signal: AbortSignal): Promise<void>;
}

/** The part of PodmanRunner a watch needs. */
export type EventStreamRunner = Pick<PodmanRunner, 'stream'>;

/**
 * A restart replays from this long before the last event delivered or the moment the stream
 * dropped: Podman's log is only roughly in time order, and a dying podman may not have printed
 * its last lines. Replayed events already delivered are dropped.
 */
const REPLAY_MARGIN_NS = 5_000_000_000n;
/** How many delivered events are remembered to drop their replays. */
const REMEMBERED_EVENTS = 4096;

function record(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/**
 * Nanoseconds since the epoch of an event: Podman 4 writes `Time` as RFC 3339 with
 * nanoseconds, Podman 5 `time` (seconds) and `timeNano`.
 */
function eventNanos(raw: Record<string, unknown>): bigint | null {
  if (typeof raw.timeNano === 'number' && Number.isFinite(raw.timeNano)) return BigInt(Math.trunc(raw.timeNano));
  const time = raw.Time ?? raw.time;
  if (typeof time === 'number' && Number.isFinite(time)) return BigInt(Math.trunc(time)) * 1_000_000_000n;
  if (typeof time !== 'string') return null;
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (match === null) return null;
  const seconds = Date.parse(`${match[1]!}${match[3]!}`);
  if (Number.isNaN(seconds)) return null;
  return BigInt(seconds) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0').slice(0, 9));
}

/** A line that is not a JSON object: not an event of any kind, so not Podman's answer. */
const NOT_AN_EVENT = Symbol('not an event');

function parseWithNanos(line: string): { event: ContainerEvent; nanos: bigint } | null | typeof NOT_AN_EVENT {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return NOT_AN_EVENT;
  }
  const raw = record(parsed);
  if (raw === null) return NOT_AN_EVENT;
  if (raw.Type !== undefined && raw.Type !== 'container') return null;
  if (typeof raw.ID !== 'string' || typeof raw.Status !== 'string') return null;
  const nanos = eventNanos(raw) ?? 0n;
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(record(raw.Attributes) ?? {})) if (typeof value === 'string') labels[key] = value;
  const health = raw.HealthStatus ?? raw.health_status;
  const event: ContainerEvent = {
    id: raw.ID,
    name: typeof raw.Name === 'string' ? raw.Name : '',
    image: typeof raw.Image === 'string' ? raw.Image : '',
    status: raw.Status,
    exitCode: typeof raw.ContainerExitCode === 'number' ? raw.ContainerExitCode : null,
    healthStatus: typeof health === 'string' && health !== '' ? health : null,
    labels,
    time: new Date(Number(nanos / 1_000_000n)),
  };
  return { event, nanos };
}

/** Parses one line of `podman events --format json`; null for a line that is no container event. */
export function parseContainerEvent(line: string): ContainerEvent | null {
  const parsed = parseWithNanos(line);
  return parsed === null || parsed === NOT_AN_EVENT ? null : parsed.event;
}

/** `--since` in the Unix `seconds.nanoseconds` form every Podman accepts. */
function sinceArg(nanos: bigint): string {
  const clamped = nanos < 0n ? 0n : nanos;
  return `${clamped / 1_000_000_000n}.${String(clamped % 1_000_000_000n).padStart(9, '0')}`;
}

/**
 * The `podman events` arguments of a watch, replaying from `sinceNanos` when given. Only
 * Phoenix's containers: the project's when one is given, else every container Phoenix
 * manages, so that a busy host's other containers do not wake the watcher. (One label
 * filter only: Podman ORs repeated ones.)
 */
export function containerEventArgs(options: Pick<WatchContainerEventsOptions, 'project'>, sinceNanos: bigint | null): string[] {
  const args = ['events', '--format', 'json', '--filter', 'type=container'];
  args.push('--filter', options.project === undefined ? `label=${LABEL.managedBy}=${MANAGED_BY}` : `label=${LABEL.project}=${options.project}`);
  if (sinceNanos !== null) args.push('--since', sinceArg(sinceNanos));
  return args;
}

/** Remembers the last delivered events (by id, status and time), to drop them when a restart replays them. */
class DeliveredEvents {
  private readonly keys = new Set<string>();

  /** True the first time an event is offered. */
  first(event: ContainerEvent, nanos: bigint): boolean {
    const key = `${event.id}/${event.status}/${nanos}`;
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > REMEMBERED_EVENTS) this.keys.delete(this.keys.values().next().value!);
    return true;
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}

/**
 * Streams container events to `onEvent` until `signal` aborts, restarting podman with
 * backoff whenever the stream drops (podman exits, crashes or is killed); a restart replays
 * the events since shortly before the last one seen and drops those already delivered.
 * Resolves when `signal` aborts; never rejects. `source` is a PodmanRunner (its `stream`) or
 * anything that watches events itself, such as PodmanCli.
 */
export async function watchContainerEvents(
  source: EventStreamRunner | ContainerEventSource,
  options: WatchContainerEventsOptions,
  onEvent: (event: ContainerEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  if (!('stream' in source)) return source.watchContainerEvents(options, onEvent, signal);
  const backoff = { ...DEFAULT_EVENT_BACKOFF, ...options.backoff };
  const stableAfterMs = options.stableAfterMs ?? 30_000;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const wanted = Object.entries({ ...options.labels, ...(options.project === undefined ? {} : { [LABEL.project]: options.project }) });
  const delivered = new DeliveredEvents();
  let resumeFrom: bigint | null = options.since === null ? null : BigInt((options.since ?? new Date(now())).getTime()) * 1_000_000n;
  let attempt = 0;
  let failures = 0;
  // Output that is no JSON drops the stream (reported, restarted with backoff) instead of being skipped.
  let invalid: PodmanError | null = null;
  let stopStream = new AbortController();
  const onLine = (stream: 'stdout' | 'stderr', line: string): void => {
    if (stream !== 'stdout' || invalid !== null) return;
    const parsed = parseWithNanos(line);
    if (parsed === NOT_AN_EVENT) {
      invalid = outputInvalid('podman events', 'a line that is not a JSON event', line);
      stopStream.abort(invalid);
      return;
    }
    if (parsed === null || !wanted.every(([key, value]) => parsed.event.labels[key] === value)) return;
    if (!delivered.first(parsed.event, parsed.nanos)) return;
    if (resumeFrom === null || parsed.nanos - REPLAY_MARGIN_NS > resumeFrom) resumeFrom = parsed.nanos - REPLAY_MARGIN_NS;
    try {
      onEvent(parsed.event);
    } catch (error) {
      options.onStatus?.({ kind: 'handler-failed', error });
    }
  };
  while (!signal.aborted) {
    attempt++;
    const args = containerEventArgs(options, resumeFrom);
    const startedAt = now();
    // Whatever happens from here on is replayed by the next attempt, should this one drop.
    resumeFrom ??= BigInt(startedAt) * 1_000_000n;
    options.onStatus?.({ kind: 'started', attempt, args });
    let error: PodmanError | null = null;
    invalid = null;
    stopStream = new AbortController();
    const stopOnAbort = (): void => stopStream.abort(signal.reason);
    signal.addEventListener('abort', stopOnAbort, { once: true });
    try {
      await source.stream(args, onLine, stopStream.signal);
    } catch (thrown) {
      error = isPodmanError(thrown) ? thrown : new PodmanError('PODMAN-FAILED', `podman events failed: ${String(thrown)}`, { args, cause: thrown });
    } finally {
      signal.removeEventListener('abort', stopOnAbort);
    }
    if (signal.aborted) return;
    error = invalid ?? error;
    const droppedAt = BigInt(now()) * 1_000_000n - REPLAY_MARGIN_NS;
    if (droppedAt > resumeFrom) resumeFrom = droppedAt;
    failures = now() - startedAt >= stableAfterMs ? 1 : failures + 1;
    const retryInMs = Math.min(backoff.maxMs, backoff.initialMs * backoff.multiplier ** (failures - 1));
    options.onStatus?.({ kind: 'dropped', attempt, error, retryInMs });
    await sleep(retryInMs, signal);
  }
}
