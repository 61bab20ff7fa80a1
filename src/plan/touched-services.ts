import type { DesiredState } from '../model/desired.js';
import type { Plan } from './actions.js';
import { resourceOf } from './actions.js';

/**
 * The services of `desired` one of whose containers an action of `plans` touched: what a rollout
 * waits for. Not those stopped with `phoenix stop` (`stopped`): the plans keep them down.
 */
export function touchedServices(desired: DesiredState, plans: readonly Plan[], stopped: Readonly<Record<string, string>> = {}): DesiredState['services'] {
  const touched = new Set(plans.flatMap((plan) => plan.actions.filter((a) => a.kind.startsWith('container.')).map((a) => resourceOf(a).name)));
  return desired.services.filter((service) => stopped[service.name] === undefined && service.containerNames.some((name) => touched.has(name)));
}
