import type { DesiredState } from '../model/desired.js';
import type { ObservedState } from '../model/observed.js';

/**
 * The desired state without the services an operator stopped with `phoenix stop`: what the
 * health monitor, the restart policy and the threshold monitor look after. A stopped service's
 * containers are down on purpose; probing them would count failures, and the restart policy
 * would ask to start them (and, refused by the planner, call them crash-looping).
 */
export function withoutStoppedServices(desired: DesiredState, observed: ObservedState | null): DesiredState {
  const stopped = observed?.stoppedServices ?? {};
  if (Object.keys(stopped).length === 0) return desired;
  return { ...desired, services: desired.services.filter((s) => stopped[s.name] === undefined) };
}
