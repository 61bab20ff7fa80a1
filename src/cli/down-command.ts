import { planDown } from '../plan/lifecycle.js';
import { renderPlanText } from '../plan/render-text.js';
import { confirmDestructive, runPlanWithProgress } from './apply-command.js';
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

export interface DownOptions extends EnvironmentOptions, LockFlags {
  readonly env: string;
  readonly volumes?: boolean;
  readonly yes?: boolean;
  readonly json?: boolean;
}

/** `phoenix down`: removes what the environment owns; named volumes only with --volumes. */
export async function runDown(options: DownOptions, io: CliIo): Promise<number> {
  // Removal needs no secret values: what goes is found by its labels.
  const desired = loadDesiredState(options.env, options, io, 'if-available');
  if (desired === null) return EXIT.failure;
  return withEnvironmentLock(desired, { command: 'down' }, options, io, () => downLocked(desired, options, io));
}

async function downLocked(desired: DesiredState, options: DownOptions, io: CliIo): Promise<number> {
  const podman = connectPodman(options, io);
  const live = await observeLiveState(desired, options, io, podman);
  if (live === null) return EXIT.failure;
  const result = planDown(live.desired, live.observed, options.volumes === true);
  if (!result.ok) {
    for (const issue of result.issues) io.stderr(`error ${issue.code} ${issue.message} ${issue.remediation}\n`);
    return EXIT.failure;
  }
  // Gone, the environment has no service stopped on purpose: a later apply brings all of it up.
  const forgetStops = (): void => forgetStoppedServices(resolveStateDir(options.stateDir, io.env), desired.project, desired.environment, 'all');
  if (result.value.actions.length === 0) {
    io.stdout(`Nothing to remove: ${live.desired.project}/${live.desired.environment} owns nothing in Podman.\n`);
    forgetStops();
    return EXIT.ok;
  }
  if (options.json !== true) io.stdout(renderPlanText(result.value));
  if (!(await confirmDestructive(result.value, io, options.yes === true))) return EXIT.failure;
  const code = await runPlanWithProgress(result.value, podman, io, options);
  if (code === EXIT.ok) forgetStops();
  return code;
}
