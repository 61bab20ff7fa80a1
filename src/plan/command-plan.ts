import type { DesiredState } from '../model/desired.js';
import type { ObservedState } from '../model/observed.js';
import type { Action, Plan, PlanSummary } from './actions.js';
import { PLAN_FORMAT_VERSION } from './actions.js';
import { observedFingerprint } from './fingerprint.js';
import type { PendingAction } from './order.js';
import { orderActions } from './order.js';

/**
 * The plan of a command that does one kind of thing to what exists (`restart`, `stop`,
 * `start`, `build`, `pull`) instead of converging everything: its actions in dependency order,
 * no warnings, the summary each command counts its own way, and the fingerprint of what was
 * observed (so that a saved plan knows when Podman changed under it).
 */
export function commandPlan(
  desired: DesiredState,
  observed: ObservedState,
  pending: readonly PendingAction[],
  summarize: (count: (matches: (kind: Action['kind']) => boolean) => number) => PlanSummary,
): Plan {
  const actions = orderActions(pending);
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    project: desired.project,
    environment: desired.environment,
    actions,
    warnings: [],
    summary: summarize((matches) => actions.filter((a) => matches(a.kind)).length),
    observedFingerprint: observedFingerprint(desired, observed),
  };
}
