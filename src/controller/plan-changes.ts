/**
 * A plan told per service, for drift.detected and /status's `lastPlan`: which actions touched
 * which service, and the fields each recreate changed, old → new, with every value redacted
 * (an environment value may hold a secret's text; a secret mount shows only its name).
 */
import type { ContainerChanges } from '../events/event-types.js';
import type { Action, Plan } from '../plan/actions.js';
import { resourceOf } from '../plan/actions.js';
import { changeNotes } from '../plan/change-notes.js';
import { renderSummary } from '../plan/render-text.js';
import type { LastPlanStatus, PlanActionStatus, ServicePlanStatus } from '../telemetry/status-document.js';

/** The service an action concerns, when it concerns one. */
export function serviceOf(action: Action): string | undefined {
  switch (action.kind) {
    case 'image.build':
      return action.service;
    case 'container.create':
    case 'container.recreate':
      return action.container.service;
    case 'container.start':
    case 'container.stop':
      return action.service;
    case 'container.remove':
      return action.service ?? undefined;
    default:
      return undefined;
  }
}

/** The field changes of the plan's recreates, values redacted. */
export function containerChanges(plan: Plan, redact: (text: string) => string): ContainerChanges[] {
  return plan.actions.flatMap((action) => {
    if (action.kind !== 'container.recreate' || action.changes.length === 0) return [];
    const fields = changeNotes(action.container.spec, action.changes).map((note) => ({
      ...note,
      ...(note.before === undefined ? {} : { before: redact(note.before) }),
      ...(note.after === undefined ? {} : { after: redact(note.after) }),
    }));
    return [{ service: action.container.service, container: action.container.name, fields }];
  });
}

/** What /status shows of a plan that had actions: per service (in the order services are first touched), and the rest. */
export function lastPlanStatus(plan: Plan, outcome: { readonly at: string; readonly trigger: string; readonly ok: boolean }, redact: (text: string) => string): LastPlanStatus {
  const services = new Map<string, { actions: PlanActionStatus[]; changes: ServicePlanStatus['changes'][number][] }>();
  const other: PlanActionStatus[] = [];
  const entry = (service: string): { actions: PlanActionStatus[]; changes: ServicePlanStatus['changes'][number][] } => {
    let found = services.get(service);
    if (found === undefined) services.set(service, (found = { actions: [], changes: [] }));
    return found;
  };
  for (const action of plan.actions) {
    const item: PlanActionStatus = { id: action.id, kind: action.kind, resource: resourceOf(action).name, cause: redact(action.cause) };
    const service = serviceOf(action);
    if (service === undefined) other.push(item);
    else entry(service).actions.push(item);
  }
  for (const change of containerChanges(plan, redact)) entry(change.service).changes.push({ container: change.container, fields: change.fields });
  return {
    ...outcome,
    summary: renderSummary(plan),
    services: [...services].map(([service, { actions, changes }]) => ({ service, actions, changes })),
    other,
  };
}
