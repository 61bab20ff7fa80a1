import type { DesiredState } from '../model/desired.js';
import type { ObservedState } from '../model/observed.js';
import type { Plan } from './actions.js';
import { commandPlan } from './command-plan.js';
import { registryOf } from './image-plan.js';
import type { PendingAction } from './order.js';

/**
 * The plan of `phoenix build`: build the image of each named service that has `build:` (all
 * of them when none is named), whatever its digest says, as `docker compose build` does.
 * `noCache` builds without the layer cache. Containers are left alone.
 */
export function planBuilds(desired: DesiredState, observed: ObservedState, services: readonly string[], options: { readonly noCache: boolean }): Plan {
  const pending: PendingAction[] = [];
  const seen = new Set<string>();
  for (const service of desired.services) {
    if (service.build === undefined || (services.length > 0 && !services.includes(service.name)) || seen.has(service.build.image)) continue;
    seen.add(service.build.image);
    const build = options.noCache ? { ...service.build, noCache: true } : service.build;
    pending.push({ key: `image:${build.image}:build`, action: { kind: 'image.build', cause: 'phoenix build', service: service.name, build }, after: new Set() });
  }
  return imagePlan(desired, observed, pending);
}

/**
 * The plan of `phoenix pull`: pull the image of each named service (all when none is named),
 * except images Phoenix builds and services whose pull_policy is `never`.
 */
export function planPulls(desired: DesiredState, observed: ObservedState, services: readonly string[]): Plan {
  const insecure = desired.policy.insecureRegistries ?? [];
  const byImage = new Map<string, string[]>();
  for (const service of desired.services) {
    if (service.build !== undefined || service.pullPolicy?.mode === 'never' || (services.length > 0 && !services.includes(service.name))) continue;
    byImage.set(service.spec.image, [...(byImage.get(service.spec.image) ?? []), service.name]);
  }
  const pending: PendingAction[] = [...byImage].map(([image, names]) => ({
    key: `image:${image}:pull`,
    action: { kind: 'image.pull', cause: 'phoenix pull', image, services: names, tlsVerify: !insecure.includes(registryOf(image)) },
    after: new Set<string>(),
  }));
  return imagePlan(desired, observed, pending);
}

function imagePlan(desired: DesiredState, observed: ObservedState, pending: readonly PendingAction[]): Plan {
  return commandPlan(desired, observed, pending, (count) => ({
    build: count((kind) => kind === 'image.build'),
    pull: count((kind) => kind === 'image.pull'),
    create: 0, recreate: 0, start: 0, stop: 0, remove: 0,
  }));
}
