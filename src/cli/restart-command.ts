import { planRestart } from '../plan/lifecycle.js';
import { runPlanWithProgress } from './apply-command.js';
import type { EnvironmentOptions } from './environment-loading.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { loadDesiredState, observeLiveState } from './live-plan.js';
import { withEnvironmentLock } from './environment-locking.js';
import type { LockFlags } from './lock-flags.js';
import type { DesiredState } from '../model/desired.js';
import { connectPodman } from './podman-wiring.js';
import { resolveStateDir } from '../state/digest-key.js';
import { forgetStoppedServices } from '../state/stopped-services.js';

export interface RestartOptions extends EnvironmentOptions, LockFlags {
  readonly env: string;
  readonly json?: boolean;
}

/** `phoenix restart`: stops and starts the containers of the named services (all when none), in dependency order. */
export async function runRestart(services: readonly string[], options: RestartOptions, io: CliIo): Promise<number> {
  // Restarting needs no secret values: the containers keep the secrets they were created with.
  const desired = loadDesiredState(options.env, options, io, 'if-available');
  if (desired === null) return EXIT.failure;
  return withEnvironmentLock(desired, { command: 'restart' }, options, io, () => restartLocked(desired, services, options, io));
}

async function restartLocked(desired: DesiredState, services: readonly string[], options: RestartOptions, io: CliIo): Promise<number> {
  const podman = connectPodman(options, io);
  const live = await observeLiveState(desired, options, io, podman);
  if (live === null) return EXIT.failure;
  const unknown = services.filter((name) => !live.desired.services.some((s) => s.name === name));
  if (unknown.length > 0) {
    io.stderr(`phoenix: no service ${unknown.join(', ')} in ${options.env} (services: ${live.desired.services.map((s) => s.name).join(', ')}).\n`);
    return EXIT.failure;
  }
  const plan = planRestart(live.desired, live.observed, services);
  if (plan.actions.length === 0) {
    io.stdout('Nothing to restart: no container of those services exists (run phoenix apply).\n');
    return EXIT.ok;
  }
  const code = await runPlanWithProgress(plan, podman, io, options);
  // Restarted, a service stopped with phoenix stop runs again: apply and watch must not stop it.
  if (code === EXIT.ok) forgetStoppedServices(resolveStateDir(options.stateDir, io.env), desired.project, desired.environment, services.length === 0 ? 'all' : services);
  return code;
}
