/**
 * `phoenix logs -f` across recreates. `podman logs -f` ends when its container stops, and a
 * recreate (an apply, watch healing) replaces the container by a new one with the same name.
 * So each replica of a service (a slot: service and replica, from Phoenix's labels) is followed
 * in a loop: stream the current container's logs; when the stream ends, look again (by labels,
 * not by name: the replacement is `<name>-next` for a moment) and go on with whatever the slot
 * holds now: a new container from its first line, or the same one, restarted, from the last
 * line shown. A slot left without any container for `goneAfterMs` is finished.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { LogLine, PodmanInspector, ServiceContainer } from '../podman/podman-client.js';
import { isPodmanError } from '../podman/podman-error.js';

/** One replica of a service, as the logs command shows it. */
export interface LogSlot {
  readonly service: string;
  readonly replica: number;
  /** The prefix of its lines: the replica's container name from the manifests. */
  readonly label: string;
}

/** What the follower tells besides log lines (the CLI prints them as marker lines). */
export type FollowNotice =
  /** The slot's container was replaced: what follows comes from `to`. */
  | { readonly kind: 'recreated'; readonly slot: LogSlot; readonly from: ServiceContainer; readonly to: ServiceContainer }
  /** The container stopped; it is followed again when it starts (or is replaced). */
  | { readonly kind: 'stopped'; readonly slot: LogSlot; readonly container: ServiceContainer }
  /** The same container runs again (restarted by watch or its restart policy). */
  | { readonly kind: 'restarted'; readonly slot: LogSlot; readonly container: ServiceContainer }
  /** The slot had no container for `afterMs`: its service (or replica) was removed. */
  | { readonly kind: 'gone'; readonly slot: LogSlot; readonly afterMs: number };

/** What the follower needs of Podman (PodmanCli, or a test double above the Podman module). */
export type FollowerPodman = Pick<PodmanInspector, 'streamLogs' | 'listServiceContainers'>;

/** Options of {@link followLogs}. */
export interface FollowLogsOptions {
  readonly podman: FollowerPodman;
  readonly project: string;
  readonly environment: string;
  readonly slots: readonly LogSlot[];
  /** What the first stream of each slot shows of the past (`--tail`, `--since`); later ones show everything new. */
  readonly tail?: number;
  readonly since?: string;
  readonly onLine: (slot: LogSlot, line: LogLine) => void;
  readonly onNotice: (notice: FollowNotice) => void;
  readonly signal: AbortSignal;
  /** How often a stopped or missing slot is looked at again (default 500 ms). */
  readonly pollMs?: number;
  /** How long a slot may hold no container before it counts as removed (default 10 s). */
  readonly goneAfterMs?: number;
  /** Wall-clock ms (tests pass their own). */
  readonly now?: () => number;
}

/** Nanoseconds of an RFC 3339 time (for ordering log lines finer than Date's ms); null when it does not parse. */
export function timeNanos(time: string): bigint | null {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (match === null) return null;
  const ms = Date.parse(`${match[1]!}${match[3]!}`);
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0').slice(0, 9));
}

/**
 * The container a slot holds now: never one already left behind (`retired`) while another is
 * there, then a running one before a stopped one, then the newest, then one that is not
 * `currentId` (a replacement created in the same second as the original it replaces).
 */
export function pickContainer(candidates: readonly ServiceContainer[], currentId: string | null, retired: ReadonlySet<string> = new Set()): ServiceContainer | null {
  const rank = (c: ServiceContainer): number[] => [retired.has(c.id) ? 0 : 1, c.running ? 1 : 0, c.createdMs, c.id === currentId ? 0 : 1];
  let best: ServiceContainer | null = null;
  let bestRank: number[] = [];
  for (const candidate of candidates) {
    const candidateRank = rank(candidate);
    const order = candidateRank.map((value, index) => value - bestRank[index]!).find((difference) => difference !== 0) ?? 0;
    if (best === null || order > 0) {
      best = candidate;
      bestRank = candidateRank;
    }
  }
  return best;
}

/**
 * One list call shared by the slots that need one at about the same moment (N replicas
 * polling do not make N calls), but never a listing begun before the asking slot's need arose:
 * after a stream ends, only a fresh look tells where the container went.
 */
class SharedListing {
  private pending: Promise<ServiceContainer[]> | null = null;
  private startedAt = -Infinity;

  constructor(private readonly list: () => Promise<ServiceContainer[]>) {}

  /** A listing begun after `neededAt` (a `performance.now()` reading). */
  get(neededAt: number): Promise<ServiceContainer[]> {
    if (this.pending === null || this.startedAt <= neededAt) {
      this.startedAt = performance.now();
      this.pending = this.list();
    }
    return this.pending;
  }
}

/** Sleeps unless aborted; false when the signal aborted (the follow is over). */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** The slots that hold no container now: the command refuses to follow what does not exist yet, as without -f. */
export async function slotsWithoutContainer(podman: FollowerPodman, project: string, environment: string, slots: readonly LogSlot[], signal?: AbortSignal): Promise<LogSlot[]> {
  const listed = await podman.listServiceContainers(project, environment, signal === undefined ? {} : { signal });
  return slots.filter((slot) => !listed.some((c) => c.service === slot.service && c.replica === slot.replica));
}

/**
 * Follows every slot until the signal aborts, or until every slot is gone. Resolves normally
 * in both cases; rejects when Podman fails otherwise than by a container vanishing under a
 * stream (which is what a recreate looks like).
 */
export async function followLogs(options: FollowLogsOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 500;
  const listing = new SharedListing(() => options.podman.listServiceContainers(options.project, options.environment, { signal: options.signal }));
  const failed = new AbortController();
  const stop = AbortSignal.any([options.signal, failed.signal]);
  await Promise.all(
    options.slots.map(async (slot) => {
      try {
        await followSlot(slot, options, listing, stop, now, pollMs);
      } catch (error) {
        failed.abort(error);
        throw error;
      }
    }),
  );
}

async function followSlot(slot: LogSlot, options: FollowLogsOptions, listing: SharedListing, signal: AbortSignal, now: () => number, pollMs: number): Promise<void> {
  const goneAfterMs = options.goneAfterMs ?? 10_000;
  /** The container last streamed, as it was listed then (its run, and whether it ran). */
  let streamed: ServiceContainer | null = null;
  /** Time of the last line shown from the current container: a resumed stream starts there. */
  let lastNanos: bigint | null = null;
  let lastTime: string | null = null;
  let missingSince: number | null = null;
  let stoppedNoticeFor: string | null = null;
  /** Containers this slot moved away from: a stale listing must not lead back to them. */
  const retired = new Set<string>();
  /** After a stream ended only a fresh listing will do; while polling, one a moment old is shared with the other slots. */
  let polling = false;
  while (!signal.aborted) {
    const candidates = (await listing.get(performance.now() - (polling ? pollMs / 2 : 0))).filter((c) => c.service === slot.service && c.replica === slot.replica);
    const next = pickContainer(candidates, streamed?.id ?? null, retired);
    if (signal.aborted) return;
    polling = true;
    if (next === null) {
      missingSince ??= now();
      if (now() - missingSince >= goneAfterMs) {
        options.onNotice({ kind: 'gone', slot, afterMs: goneAfterMs });
        return;
      }
      if (!(await pause(pollMs, signal))) return;
      continue;
    }
    missingSince = null;
    let since: string | undefined;
    let tail: number | undefined;
    if (streamed === null) {
      since = options.since;
      tail = options.tail;
    } else if (next.id !== streamed.id) {
      options.onNotice({ kind: 'recreated', slot, from: streamed, to: next });
      retired.add(streamed.id);
      lastNanos = null;
      lastTime = null;
      stoppedNoticeFor = null;
    } else {
      const sameRun = next.startedAt === streamed.startedAt;
      if (!next.running) {
        // Stopped: say so once per run, then wait for it to start again or be replaced.
        const run = `${next.id}@${next.startedAt ?? ''}`;
        if (streamed.running && stoppedNoticeFor !== run) {
          stoppedNoticeFor = run;
          options.onNotice({ kind: 'stopped', slot, container: next });
        }
        streamed = next;
        if (!(await pause(pollMs, signal))) return;
        continue;
      }
      if (!sameRun && streamed.startedAt !== null) options.onNotice({ kind: 'restarted', slot, container: next });
      // The same run whose stream ended early (a container still stopping, say): not at once again.
      else if (sameRun && !(await pause(pollMs, signal))) return;
      since = lastTime ?? undefined;
    }
    streamed = next;
    polling = false;
    const resumeAfter = lastNanos;
    try {
      await options.podman.streamLogs(
        [next.id],
        { follow: true, ...(tail === undefined ? {} : { tail }), ...(since === undefined ? {} : { since }) },
        (line) => {
          const nanos = timeNanos(line.time);
          // A resumed stream starts at the last line's time: what was shown already is not shown twice.
          if (resumeAfter !== null && nanos !== null && nanos <= resumeAfter) return;
          if (nanos !== null) lastNanos = nanos;
          lastTime = line.time;
          options.onLine(slot, line);
        },
        signal,
      );
    } catch (error) {
      // Removed between the listing and the stream: a recreate in progress. Look again.
      if (!isPodmanError(error, 'PODMAN-NO-SUCH-OBJECT')) {
        if (signal.aborted) return;
        throw error;
      }
    }
  }
}
