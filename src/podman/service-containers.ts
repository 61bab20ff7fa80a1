/**
 * The containers of a Phoenix environment's services, found by their labels rather than their
 * names: during a recreate a service's replica is briefly `<name>-next`, and `phoenix logs -f`
 * must find it whatever it is called.
 */
import { LABEL } from '../model/desired.js';
import type { ServiceContainer } from './podman-client.js';
import { parsePsEntry } from './podman-json.js';

type Raw = Record<string, unknown>;

/** The label filter that narrows a container list to one project (Podman ORs repeated label filters: the rest is checked here). */
export function projectLabelFilter(project: string): string {
  return `${LABEL.project}=${project}`;
}

/**
 * `Created` is epoch seconds in `podman ps --format json` and an RFC 3339 string in the REST
 * API's list; either becomes ms since the epoch (0 when it is neither).
 */
function createdMs(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? 0 : ms;
  }
  return 0;
}

/** The entries of a container list (CLI or API) that belong to the environment's services. */
export function serviceContainersOf(entries: readonly Raw[], project: string, environment: string): ServiceContainer[] {
  const found: ServiceContainer[] = [];
  for (const raw of entries) {
    const container = parsePsEntry(raw);
    const labels = container.labels;
    const service = labels[LABEL.service];
    if (labels[LABEL.project] !== project || labels[LABEL.environment] !== environment || service === undefined) continue;
    const replica = Number(labels[LABEL.replica] ?? '0');
    found.push({
      id: container.id,
      name: container.name,
      service,
      replica: Number.isInteger(replica) ? replica : 0,
      running: container.state === 'running',
      createdMs: createdMs(raw.Created),
      startedAt: container.startedAt,
    });
  }
  return found;
}
