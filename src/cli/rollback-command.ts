import { chooseRollbackTarget } from '../history/rollback-target.js';
import { withEnvironmentLock } from './environment-locking.js';
import { historyTarget } from './history-target.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { connectPodman } from './podman-wiring.js';
import { cliUser, readHistory } from './revision-recording.js';
import type { RollbackRunOptions } from './rollback-flow.js';
import { rollBackTo } from './rollback-flow.js';

export interface RollbackOptions extends RollbackRunOptions {
  /** The revision to go back to; default: the last healthy one before the current. */
  readonly to?: string;
}

/**
 * `phoenix rollback`: applies a revision of the history again, without the manifests, holding
 * the environment's lock like apply, and waits for its rollout like `apply --wait`.
 */
export async function runRollback(options: RollbackOptions, io: CliIo): Promise<number> {
  const to = options.to === undefined ? undefined : Number(options.to);
  if (to !== undefined && !(Number.isInteger(to) && to >= 1)) {
    io.stderr(`phoenix: --to takes a revision number from phoenix history (got ${options.to}).\n`);
    return EXIT.failure;
  }
  const target = historyTarget(options.env, options, io);
  if (target === null) return EXIT.failure;
  return withEnvironmentLock(target, { command: 'rollback', ...(options.json === undefined ? {} : { json: options.json }) }, options, io, async () => {
    // Read under the lock: a watcher or an apply may have recorded a revision meanwhile.
    const revisions = readHistory(target, options, io);
    if (revisions === null) return EXIT.failure;
    const choice = chooseRollbackTarget(revisions, to);
    if (!choice.ok) {
      io.stderr(`error ${choice.code}: ${choice.message}; nothing was done.\n  ${choice.remediation}\n`);
      return EXIT.failure;
    }
    const outcome = await rollBackTo(choice.revision, { kind: 'rollback', to: choice.revision.seq, user: cliUser(io) }, connectPodman(options, io), options, io);
    return outcome.code;
  });
}
