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
  if (result.value.actions.length === 0) {
    io.stdout(`Nothing to remove: ${live.desired.project}/${live.desired.environment} owns nothing in Podman.\n`);
    return EXIT.ok;
  }
  if (options.json !== true) io.stdout(renderPlanText(result.value));
  if (!(await confirmDestructive(result.value, io, options.yes === true))) return EXIT.failure;
  return runPlanWithProgress(result.value, podman, io, options);
}
