import type { ObservedState } from '../model/observed.js';
import { digestOf } from '../model/hash.js';

/**
 * A digest of what a plan depends on in the observed state: which objects exist, their ids,
 * states and labels, and the images behind the tags. Equal fingerprints mean a saved plan
 * still describes the same world.
 */
export function observedFingerprint(observed: ObservedState): string {
  const byName = <T extends { name: string }>(items: readonly T[]): T[] => [...items].sort((a, b) => a.name.localeCompare(b.name));
  return digestOf({
    containers: byName(observed.containers).map((c) => ({ id: c.id, name: c.name, state: c.state, exitCode: c.exitCode, imageId: c.imageId, labels: c.labels })),
    networks: byName(observed.networks).map((n) => ({ id: n.id, name: n.name, labels: n.labels })),
    volumes: byName(observed.volumes).map((v) => ({ name: v.name, labels: v.labels })),
    secrets: byName(observed.secrets).map((s) => ({ id: s.id, name: s.name, labels: s.labels })),
    images: observed.images,
  });
}
