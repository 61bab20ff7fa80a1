import type { DesiredState } from '../model/desired.js';
import { LABEL } from '../model/desired.js';
import type { ObservedState } from '../model/observed.js';
import type { Result } from '../model/result.js';
import { ok } from '../model/result.js';
import type { Plan, PlanIssue } from './actions.js';
import { commandPlan } from './command-plan.js';
import { observedFingerprint } from './fingerprint.js';
import type { PendingAction } from './order.js';
import { plan } from './plan.js';

/**
 * The plan for `phoenix down`: everything the environment owns is removed, in reverse
 * dependency order; named volumes only when `removeVolumes` is true.
 */
export function planDown(desired: DesiredState, observed: ObservedState, removeVolumes: boolean): Result<Plan, PlanIssue> {
  // Services left out by their profiles go too: down tears the whole environment down (as `docker compose down` means to).
  const nothing: DesiredState = { ...desired, services: [], networks: [], volumes: [], secrets: [], inactiveServices: [] };
  const result = plan(nothing, observed, { prune: true, removeVolumes, teardown: true, removeOneOffs: true });
  if (!result.ok) return result;
  // The fingerprint must cover what the environment declares too, like any other plan.
  return ok({ ...result.value, observedFingerprint: observedFingerprint(desired, observed) });
}

/**
 * The plan for `phoenix restart`: each running container of the named services (all when
 * none is named) is stopped and started again, in dependency order; a stopped one is started.
 */
export function planRestart(desired: DesiredState, observed: ObservedState, serviceNames: readonly string[]): Plan {
  const chosen = serviceNames.length === 0 ? desired.services : desired.services.filter((s) => serviceNames.includes(s.name));
  const pending: PendingAction[] = [];
  const startKeys = new Map<string, string[]>();
  for (const service of chosen) {
    const keys: string[] = [];
    for (const name of service.containerNames) {
      const found = observed.containers.find((c) => c.name === name && c.labels[LABEL.project] === desired.project && c.labels[LABEL.environment] === desired.environment);
      if (found === undefined) continue;
      const after: string[] = [];
      if (found.state === 'running') {
        const stopKey = `container:${name}:stop`;
        pending.push({ key: stopKey, action: { kind: 'container.stop', cause: 'restart asked for', name, service: service.name, timeoutSeconds: service.spec.stopGracePeriodSeconds }, after: new Set() });
        after.push(stopKey);
      }
      const startKey = `container:${name}:start`;
      // Restarting waits for nothing: the dependencies are already up, and a restart must not hang on them.
      pending.push({ key: startKey, action: { kind: 'container.start', cause: 'restart asked for', name, service: service.name, awaits: [] }, after: new Set(after) });
      keys.push(startKey);
    }
    startKeys.set(service.name, keys);
  }
  for (const service of chosen) {
    const dependencyStarts = service.dependsOn.flatMap((d) => startKeys.get(d.service) ?? []);
    for (const key of startKeys.get(service.name) ?? []) for (const dep of dependencyStarts) pending.find((p) => p.key === key)!.after.add(dep);
  }
  return commandPlan(desired, observed, pending, (count) => ({
    create: 0, recreate: 0,
    start: count((kind) => kind.endsWith('.start')),
    stop: count((kind) => kind.endsWith('.stop')),
    remove: 0,
  }));
}
