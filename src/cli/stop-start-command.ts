/**
 * `phoenix stop` and `phoenix start`: stop containers without removing them, and start them
 * again, in dependency order. A stop is remembered in the state directory
 * (state/stopped-services.ts) so that apply and watch keep the service down, as `docker
 * compose stop` leaves it down until `start` or `up`; start forgets it.
 */
import type { DesiredState } from '../model/desired.js';
import type { Plan } from '../plan/actions.js';
import { planStart, planStop, withDependencies } from '../plan/stop-start.js';
import { resolveStateDir } from '../state/digest-key.js';
import type { StoppedServices } from '../state/stopped-services.js';
import { readStoppedServices, writeStoppedServices } from '../state/stopped-services.js';
import { runPlanWithProgress } from './apply-command.js';
import type { EnvironmentOptions } from './environment-loading.js';
import { withEnvironmentLock } from './environment-locking.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { observeLiveState } from './live-plan.js';
import type { LockFlags } from './lock-flags.js';
import { connectPodman } from './podman-wiring.js';
import { loadWithoutSecretValues, namedServices } from './verb-support.js';

export interface StopStartOptions extends EnvironmentOptions, LockFlags {
  readonly env: string;
  readonly json?: boolean;
}

type Verb = 'stop' | 'start';

/** The stop marks after the verb: stop marks the chosen services (keeping earlier marks' times), start clears them. */
function marksAfter(verb: Verb, before: StoppedServices, services: readonly string[], at: string): StoppedServices {
  if (verb === 'stop') return { ...Object.fromEntries(services.map((s) => [s, at])), ...before };
  return Object.fromEntries(Object.entries(before).filter(([service]) => !services.includes(service)));
}

/**
 * Stops (or starts) the named services, all when none is named; start also starts what they
 * depend on. The mark is written first, so that a `phoenix watch` holding the environment's
 * lock, asked to reconcile, does the same (its planner reads the mark); when the lock cannot be
 * had, the mark is put back and nothing changed.
 */
export async function runStopStart(verb: Verb, names: readonly string[], options: StopStartOptions, io: CliIo): Promise<number> {
  const desired = loadWithoutSecretValues(options.env, options, io);
  if (desired === null) return EXIT.failure;
  if (namedServices(desired, names, io) === null) return EXIT.failure;
  const services = verb === 'stop' ? (names.length === 0 ? desired.services.map((s) => s.name) : [...names]) : withDependencies(desired, names);
  const stateDir = resolveStateDir(options.stateDir, io.env);
  const before = readStoppedServices(stateDir, desired.project, desired.environment);
  writeStoppedServices(stateDir, desired.project, desired.environment, marksAfter(verb, before, services, new Date().toISOString()));
  let ran = false;
  const code = await withEnvironmentLock(desired, { command: verb, handOff: true, ...(options.json === undefined ? {} : { json: options.json }) }, options, io, () => {
    ran = true;
    return actLocked(verb, desired, names, services, Object.keys(before), options, io);
  });
  // Not run and not handed to a watcher that did it: the environment is as it was, and so is the mark.
  if (!ran && code !== EXIT.ok) writeStoppedServices(stateDir, desired.project, desired.environment, before);
  return code;
}

async function actLocked(verb: Verb, desired: DesiredState, names: readonly string[], services: readonly string[], stoppedBefore: readonly string[], options: StopStartOptions, io: CliIo): Promise<number> {
  const podman = connectPodman(options, io);
  const live = await observeLiveState(desired, options, io, podman);
  if (live === null) return EXIT.failure;
  const plan: Plan = verb === 'stop' ? planStop(live.desired, live.observed, names) : planStart(live.desired, live.observed, names, stoppedBefore);
  if (plan.actions.length === 0) {
    const what = verb === 'stop' ? `Nothing to stop: no container of ${services.join(', ')} is running` : `Nothing to start: the containers of ${services.join(', ')} are running, or do not exist (phoenix apply creates them)`;
    if (options.json === true) io.stdout(`${JSON.stringify({ project: plan.project, environment: plan.environment, summary: plan.summary, report: null }, null, 2)}\n`);
    else io.stdout(`${what}.\n`);
  } else {
    const code = await runPlanWithProgress(plan, podman, io, options);
    if (code !== EXIT.ok) return code;
  }
  if (verb === 'stop' && options.json !== true) io.stdout(`Stopped on purpose: ${services.join(', ')}. apply and watch leave ${services.length === 1 ? 'it' : 'them'} down until phoenix start --env ${options.env}${names.length === 0 ? '' : ` ${services.join(' ')}`}.\n`);
  return EXIT.ok;
}
