import type { DesiredState } from '../model/desired.js';
import { COMPOSE_LABEL, LABEL } from '../model/desired.js';
import type { ObservedState } from '../model/observed.js';
import { digestOf } from '../model/hash.js';

/**
 * A digest of what a plan depends on in the observed state: the objects this environment owns
 * or wants by name (and Compose containers of its project, which adoption touches), their ids,
 * states and labels, and the images behind its tags. Objects of other projects are left out,
 * and so are one-off jobs (phoenix run), which no plan touches (down aside),
 * so that their coming and going does not invalidate a saved plan. Equal fingerprints mean a
 * saved plan still describes the same world.
 */
export function observedFingerprint(desired: DesiredState, observed: ObservedState): string {
  const owned = (labels: Readonly<Record<string, string>>): boolean => labels[LABEL.project] === desired.project && labels[LABEL.environment] === desired.environment;
  const wanted = new Set([
    ...desired.services.flatMap((s) => s.containerNames),
    ...desired.networks.map((n) => n.podmanName),
    ...desired.volumes.map((v) => v.podmanName),
    ...desired.secrets.map((s) => s.podmanName),
  ]);
  const relevant = <T extends { name: string; labels: Readonly<Record<string, string>> }>(items: readonly T[]): T[] =>
    items.filter((item) => (owned(item.labels) && item.labels[LABEL.oneOff] === undefined) || wanted.has(item.name) || item.labels[COMPOSE_LABEL.project] === desired.project).sort((a, b) => a.name.localeCompare(b.name));
  const images = Object.fromEntries(desired.services.map((s) => [s.spec.image, observed.images[s.spec.image] ?? null]));
  return digestOf({
    containers: relevant(observed.containers).map((c) => ({ id: c.id, name: c.name, state: c.state, exitCode: c.exitCode, imageId: c.imageId, labels: c.labels })),
    networks: relevant(observed.networks).map((n) => ({ id: n.id, name: n.name, labels: n.labels })),
    volumes: relevant(observed.volumes).map((v) => ({ name: v.name, labels: v.labels })),
    secrets: relevant(observed.secrets).map((s) => ({ id: s.id, name: s.name, labels: s.labels })),
    images,
  });
}
