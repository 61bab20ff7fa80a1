/**
 * What the page shows of a container's state. /status describes the last reconcile's look at
 * Podman, which may predate a `container.died` event the page just got: until /status shows the
 * container started after that death (or stopped), the page shows it as exited. Pure.
 */
import type { PhoenixEvent } from '../../events/event-types.js';

/** The last death the page heard of, per container name. */
export type Deaths = ReadonlyMap<string, { readonly time: string; readonly exitCode: number | null }>;

/** Each container's latest `container.died` among the events (newest first or not). */
export function deathsFrom(events: readonly PhoenixEvent[]): Deaths {
  const deaths = new Map<string, { time: string; exitCode: number | null }>();
  for (const event of events) {
    if (event.type !== 'io.phoenix.container.died') continue;
    const known = deaths.get(event.data.container);
    if (known === undefined || Date.parse(known.time) < Date.parse(event.time)) deaths.set(event.data.container, { time: event.time, exitCode: event.data.exitCode });
  }
  return deaths;
}

/** The state to show, and its exit code: `exited` with the death's code while /status still says running from before the container died. */
export function shownState(
  container: { readonly name: string; readonly state: string; readonly startedAt: string | null; readonly exitCode: number | null },
  deaths: Deaths,
  observedAt: string | null = null,
): { readonly state: string; readonly exitCode: number | null } {
  const death = deaths.get(container.name);
  const asReported = { state: container.state, exitCode: container.exitCode };
  if (death === undefined || container.state !== 'running') return asReported;
  // A reconcile that finished after the death looked at Podman since: /status is the truth.
  if (observedAt !== null && Date.parse(observedAt) > Date.parse(death.time)) return asReported;
  const started = container.startedAt === null ? Number.NaN : Date.parse(container.startedAt);
  return Number.isNaN(started) || started < Date.parse(death.time) ? { state: 'exited', exitCode: death.exitCode } : asReported;
}
