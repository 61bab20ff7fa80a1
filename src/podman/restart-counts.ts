/**
 * Podman's own restart counts (`RestartCount`), read only for the containers whose count may
 * have changed since it was last read. Podman 4.3's container list does not carry the count,
 * only inspect does (one request per container), and watch observes after every event and
 * every resync: at 1,000 containers that was 1,000 inspects per reconcile to learn nothing new.
 *
 * A count changes only when Podman starts the container again (its restart policy) or
 * re-initialises it: either changes what the list shows (`StartedAt`, the state). So a count
 * read for a container is reused for as long as the list shows the same id, start and state.
 * The list gives `StartedAt` in whole seconds, so two starts within one second would look the
 * same: a count is kept only when the start it belongs to was at least `SETTLED_MS` before the
 * list was taken, so that any later start falls into a later second and is seen.
 */
import type { ObservedContainer, ObservedState } from '../model/observed.js';

/** Reads the counts of these containers by name; null when they cannot be had (the list's counts stay). */
export type RestartCountReader = (names: readonly string[]) => Promise<ReadonlyMap<string, number> | null>;

/** A start older than this (ms) when the list was taken cannot share its listed second with a later start. */
export const SETTLED_MS = 2000;

interface Known {
  readonly startedAt: string | null;
  readonly state: string;
  readonly count: number;
}

/** The counts read so far for one project, by container id; kept by a long-lived client (watch), empty for a CLI command. */
export class RestartCounts {
  private known = new Map<string, Known>();

  /**
   * `state` with the restart counts of the project's containers: remembered ones where the
   * container is as it was, read for the others. `listedAt` is the time (ms) just before the
   * list was taken; `read` reads counts by name. Containers that are gone are forgotten.
   */
  async fill(state: ObservedState, isOwned: (c: ObservedContainer) => boolean, listedAt: number, read: RestartCountReader): Promise<ObservedState> {
    const owned = state.containers.filter((c) => isOwned(c) && c.name !== '');
    if (owned.length === 0) {
      this.known = new Map();
      return state;
    }
    const unknown = owned.filter((c) => {
      const known = this.known.get(c.id);
      return known === undefined || known.startedAt !== c.startedAt || known.state !== c.state;
    });
    const fresh = unknown.length === 0 ? new Map<string, number>() : await read(unknown.map((c) => c.name));
    const next = new Map<string, Known>();
    const counts = new Map<string, number>();
    for (const c of owned) {
      const read = fresh?.get(c.name);
      const count = read ?? this.known.get(c.id)?.count;
      if (count === undefined) continue;
      counts.set(c.id, count);
      if (read === undefined || settled(c, listedAt)) next.set(c.id, { startedAt: c.startedAt, state: c.state, count });
    }
    this.known = next;
    if (counts.size === 0) return state;
    return { ...state, containers: state.containers.map((c) => (counts.has(c.id) ? { ...c, restartCount: Math.max(c.restartCount, counts.get(c.id)!) } : c)) };
  }
}

/** Whether a later start of `c` would show in the list as a different StartedAt (see the module comment). */
function settled(c: ObservedContainer, listedAt: number): boolean {
  if (c.startedAt === null) return true;
  const started = Date.parse(c.startedAt);
  return Number.isFinite(started) && started <= listedAt - SETTLED_MS;
}
