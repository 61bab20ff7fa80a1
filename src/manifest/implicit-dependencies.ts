import type { DependencyDraft, KeyedDraft, ServiceDraft } from './compose-draft.js';

const STARTED: DependencyDraft = { condition: 'service_started', required: true, restart: false };

/** The service named by a `service:NAME` reference (pid, ipc, network_mode), if it is one. */
export function serviceReference(value: string | undefined): string | null {
  return value !== undefined && value.startsWith('service:') ? value.slice('service:'.length) : null;
}

/** The service a `volumes_from` entry names (`NAME[:ro|rw]` or `service:NAME`), or null for `container:NAME`. */
export function volumesFromService(entry: string): string | null {
  if (entry.startsWith('container:')) return null;
  const rest = entry.startsWith('service:') ? entry.slice('service:'.length) : entry;
  return rest.split(':')[0]!;
}

/**
 * A service's dependencies: its `depends_on`, plus those Compose adds on its own because the
 * container cannot be created before another one exists (links, volumes_from, and
 * `service:NAME` for pid, ipc and network_mode), each as `service_started`.
 */
export function dependenciesOf(service: ServiceDraft): KeyedDraft<DependencyDraft> {
  const out: KeyedDraft<DependencyDraft> = new Map(service.dependsOn ?? []);
  const add = (name: string | null, location = service.location): void => {
    if (name !== null && name !== service.name && !out.has(name)) out.set(name, { value: STARTED, location });
  };
  for (const { value, location } of service.links ?? []) add(value.name, location);
  for (const { value, location } of service.volumesFrom ?? []) add(volumesFromService(value), location);
  for (const key of ['pid', 'ipc'] as const) {
    const entry = service.options?.get(key);
    add(serviceReference(entry?.value[key]), entry?.location);
  }
  add(serviceReference(service.networkMode), service.fieldLocations.get('network_mode'));
  return out;
}
