import type { DesiredState } from '../model/desired.js';
import type { Plan } from './actions.js';
import { resourceOf } from './actions.js';

/** The services of `desired` one of whose containers an action of `plans` touched: what a rollout waits for. */
export function touchedServices(desired: DesiredState, plans: readonly Plan[]): DesiredState['services'] {
  const touched = new Set(plans.flatMap((plan) => plan.actions.filter((a) => a.kind.startsWith('container.')).map((a) => resourceOf(a).name)));
  return desired.services.filter((service) => service.containerNames.some((name) => touched.has(name)));
}
