/**
 * The plans of `phoenix stop` and `phoenix start`: stop (without removing) or start the
 * containers of some services, in dependency order. Pure, like the planner; the CLI records
 * which services an operator stopped (state/stopped-services.ts) and feeds that back in.
 */
import type { DesiredService, DesiredState } from '../model/desired.js';
import { LABEL } from '../model/desired.js';
import type { ObservedContainer, ObservedState } from '../model/observed.js';
import type { DependencyWait, Plan } from './actions.js';
import { commandPlan } from './command-plan.js';
import type { PendingAction } from './order.js';

/**
 * The named services and everything they depend on, transitively, in the desired state's
 * order; every service when none is named. What `start` starts: a service cannot start
 * before its dependencies (`docker compose start web` starts db too).
 */
export function withDependencies(desired: DesiredState, serviceNames: readonly string[]): string[] {
  if (serviceNames.length === 0) return desired.services.map((s) => s.name);
  const byName = new Map(desired.services.map((s) => [s.name, s]));
  const chosen = new Set<string>();
  const visit = (name: string): void => {
    if (chosen.has(name)) return;
    chosen.add(name);
    for (const dependency of byName.get(name)?.dependsOn ?? []) visit(dependency.service);
  };
  for (const name of serviceNames) visit(name);
  return desired.services.filter((s) => chosen.has(s.name)).map((s) => s.name);
}

function ownedContainer(desired: DesiredState, observed: ObservedState): (name: string) => ObservedContainer | undefined {
  const byName = new Map(observed.containers.map((c) => [c.name, c]));
  return (name) => {
    const found = byName.get(name);
    return found !== undefined && found.labels[LABEL.project] === desired.project && found.labels[LABEL.environment] === desired.environment ? found : undefined;
  };
}

function toPlan(desired: DesiredState, observed: ObservedState, pending: PendingAction[]): Plan {
  return commandPlan(desired, observed, pending, (count) => ({
    create: 0, recreate: 0,
    start: count((kind) => kind === 'container.start'),
    stop: count((kind) => kind === 'container.stop'),
    remove: 0,
  }));
}

/**
 * Stops the running containers of the named services (all when none is named), each service
 * only after the chosen services that depend on it: dependents go first, as in `down`.
 * Only the named services stop (as with `docker compose stop`); their dependents keep running.
 */
export function planStop(desired: DesiredState, observed: ObservedState, serviceNames: readonly string[]): Plan {
  const chosen = serviceNames.length === 0 ? desired.services : desired.services.filter((s) => serviceNames.includes(s.name));
  const owned = ownedContainer(desired, observed);
  const stopKeys = new Map<string, string[]>();
  const pending: PendingAction[] = [];
  for (const service of chosen) {
    const keys: string[] = [];
    for (const name of service.containerNames) {
      const found = owned(name);
      if (found === undefined || (found.state !== 'running' && found.state !== 'restarting')) continue;
      const key = `container:${name}:stop`;
      pending.push({ key, action: { kind: 'container.stop', cause: 'phoenix stop', name, service: service.name, timeoutSeconds: service.spec.stopGracePeriodSeconds }, after: new Set() });
      keys.push(key);
    }
    stopKeys.set(service.name, keys);
  }
  // A dependency stops after its dependents: each of its stops waits for theirs.
  const byKey = new Map(pending.map((p) => [p.key, p]));
  for (const dependent of chosen) {
    for (const dependency of dependent.dependsOn) {
      for (const key of stopKeys.get(dependency.service) ?? []) for (const before of stopKeys.get(dependent.name) ?? []) byKey.get(key)!.after.add(before);
    }
  }
  return toPlan(desired, observed, pending);
}

/** A one-shot that exited 0 is done: starting it would run its job again (the planner's rule too). */
function completedOneShot(service: DesiredService, container: ObservedContainer): boolean {
  return container.state === 'exited' && container.exitCode === 0 && (service.spec.restart === 'no' || service.spec.restart === 'on-failure');
}

/**
 * Starts the containers that exist and are not running of the named services and of what they
 * depend on (all when none is named), dependencies first; each start waits for its
 * dependencies' conditions (started, healthy, completed) as in an apply. Missing containers
 * are not created: that is apply's work. Paused containers and finished one-shots stay as they
 * are, except one-shots of services in `stoppedOnPurpose` (stopped with phoenix stop: they did not finish).
 */
export function planStart(desired: DesiredState, observed: ObservedState, serviceNames: readonly string[], stoppedOnPurpose: readonly string[] = []): Plan {
  const names = new Set(withDependencies(desired, serviceNames));
  const chosen = desired.services.filter((s) => names.has(s.name));
  const byName = new Map(desired.services.map((s) => [s.name, s]));
  const owned = ownedContainer(desired, observed);
  const startKeys = new Map<string, string[]>();
  const pending: PendingAction[] = [];
  for (const service of chosen) {
    const keys: string[] = [];
    const awaits: DependencyWait[] = service.dependsOn.map((d) => {
      const dependency = byName.get(d.service);
      return { service: d.service, containers: dependency?.containerNames ?? [], condition: d.condition, required: d.required, healthcheck: dependency?.spec.healthcheck ?? null };
    });
    for (const name of service.containerNames) {
      const found = owned(name);
      if (found === undefined || found.state === 'running' || found.state === 'restarting' || found.state === 'paused') continue;
      // Its exit code 0 may be the stop's doing (a process that exits cleanly on SIGTERM): only a job that ended by itself is done.
      if (completedOneShot(service, found) && !stoppedOnPurpose.includes(service.name)) continue;
      const key = `container:${name}:start`;
      pending.push({ key, action: { kind: 'container.start', cause: 'phoenix start', name, service: service.name, awaits }, after: new Set() });
      keys.push(key);
    }
    startKeys.set(service.name, keys);
  }
  const byKey = new Map(pending.map((p) => [p.key, p]));
  for (const service of chosen) {
    const dependencyStarts = service.dependsOn.flatMap((d) => startKeys.get(d.service) ?? []);
    for (const key of startKeys.get(service.name) ?? []) for (const dependency of dependencyStarts) byKey.get(key)!.after.add(dependency);
  }
  return toPlan(desired, observed, pending);
}
