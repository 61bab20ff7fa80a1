import { EMPTY_OBSERVED } from '../model/observed.js';
import { formatIssue } from '../model/issue.js';
import { planBuilds, planPulls } from '../plan/image-commands.js';
import { runPlanWithProgress } from './apply-command.js';
import { loadFromDisk } from './environment-loading.js';
import type { EnvironmentOptions } from './environment-loading.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { connectPodman } from './podman-wiring.js';
import { withEnvironmentLock } from './environment-locking.js';
import type { LockFlags } from './lock-flags.js';

export interface ImageCommandOptions extends EnvironmentOptions, LockFlags {
  readonly env: string;
  readonly noCache?: boolean;
  readonly json?: boolean;
}

/**
 * `phoenix build` and `phoenix pull`: build (or pull) the images of the named services without
 * touching their containers; the next apply recreates the containers whose image changed.
 */
export async function runImageCommand(kind: 'build' | 'pull', services: readonly string[], options: ImageCommandOptions, io: CliIo): Promise<number> {
  const loaded = loadFromDisk(options.env, options, io, false);
  if (!loaded.ok) {
    for (const issue of loaded.issues) io.stderr(`${formatIssue(issue)}\n`);
    io.stderr(`phoenix: environment ${options.env} is not valid; nothing was done.\n`);
    return EXIT.failure;
  }
  const desired = loaded.desired;
  const unknown = services.filter((name) => !desired.services.some((s) => s.name === name));
  if (unknown.length > 0) {
    io.stderr(`phoenix: no service ${unknown.join(', ')} in ${desired.project}/${desired.environment} (services: ${desired.services.map((s) => s.name).join(', ')}).\n`);
    return EXIT.failure;
  }
  const plan = kind === 'build' ? planBuilds(desired, EMPTY_OBSERVED, services, { noCache: options.noCache === true }) : planPulls(desired, EMPTY_OBSERVED, services);
  if (plan.actions.length === 0) {
    io.stdout(kind === 'build' ? 'Nothing to build: no service named has `build:`.\n' : 'Nothing to pull: every service named builds its image or has pull_policy: never.\n');
    return EXIT.ok;
  }
  return withEnvironmentLock(desired, { command: kind }, options, io, () =>
    runPlanWithProgress(plan, connectPodman(options, io), io, { ...options, ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir }) }),
  );
}
