/**
 * Applying a revision from the history again, as `phoenix rollback` and apply's automatic
 * rollback do: plan the stored desired state against Podman now, refuse a secret whose source
 * changed since, show the plan, confirm destructive steps, carry it out, wait for the rollout,
 * and record a new revision whose trigger says it is a rollback. The caller holds the lock.
 */
import { chooseRollbackTarget } from '../history/rollback-target.js';
import { failureKey } from '../history/revision-draft.js';
import type { CliEvent } from './cli-events.js';
import { publishToPolicySinks } from './cli-events.js';
import type { Revision, RevisionTrigger } from '../history/revision.js';
import { changedSecretSource } from '../history/secret-versions.js';
import { parseDurationMs } from '../manifest/units.js';
import { SecretDigester } from '../model/hash.js';
import { plan as makePlan } from '../plan/plan.js';
import { renderPlanText } from '../plan/render-text.js';
import { loadOrCreateDigestKey, resolveStateDir } from '../state/digest-key.js';
import type { ApplyOptions } from './apply-command.js';
import { carryOut, confirmDestructive } from './apply-command.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { observeWithPulls, reportFailure } from './live-plan.js';
import { planOptionsFrom } from './planning-flags.js';
import type { PodmanConnection } from './podman-wiring.js';
import { secretReader } from './podman-wiring.js';
import { ExecutionErrors, historyOf, readHistory, recordRevision, verdictAfter } from './revision-recording.js';
import { waitForRollout } from './rollout-wait.js';

/** What rolling back takes from the command line: apply's flags, and --dry-run. */
export interface RollbackRunOptions extends ApplyOptions {
  /** Show the plan and stop: nothing is changed, nothing recorded. */
  readonly dryRun?: boolean;
}

/** How a rollback went: the exit code, and the revision it recorded (null when it recorded none). */
export interface RollbackOutcome {
  readonly code: number;
  readonly revision: Revision | null;
}

/** Prints a coded refusal the way every command does. */
function refuse(io: CliIo, error: { code: string; message: string; remediation: string }): RollbackOutcome {
  io.stderr(`error ${error.code}: ${error.message}\n  ${error.remediation}\n`);
  return { code: EXIT.failure, revision: null };
}

/** Applies `target`'s desired state again and records the result under `trigger`. */
export async function rollBackTo(target: Revision, trigger: RevisionTrigger, podman: PodmanConnection, options: RollbackRunOptions, io: CliIo): Promise<RollbackOutcome> {
  const desired = target.desired;
  const waitTimeoutMs = options.waitTimeout === undefined ? undefined : parseDurationMs(options.waitTimeout);
  if (waitTimeoutMs === null) {
    io.stderr('phoenix: --wait-timeout takes a duration such as 90s or 2m.\n');
    return { code: EXIT.failure, revision: null };
  }
  let observed;
  try {
    observed = await observeWithPulls(desired, options, io, podman);
  } catch (error) {
    reportFailure(io, error);
    return { code: EXIT.failure, revision: null };
  }
  // Containers made again are labelled with the commit the revision came from, not today's.
  const planOptions = { ...planOptionsFrom(options, io.env), ...(target.gitRevision === undefined ? {} : { revision: target.gitRevision }) };
  const planned = makePlan(desired, observed, planOptions);
  if (!planned.ok) {
    for (const issue of planned.issues) io.stderr(`error ${issue.code} ${issue.message} ${issue.remediation}\n`);
    return { code: EXIT.failure, revision: null };
  }
  const plan = planned.value;
  if (plan.actions.length === 0) {
    if (options.json === true) io.stdout(`${JSON.stringify({ project: desired.project, environment: desired.environment, revision: target.seq, summary: plan.summary, report: null }, null, 2)}\n`);
    else io.stdout(`No changes: ${desired.project}/${desired.environment} already runs what revision ${target.seq} asked for.\n`);
    return { code: EXIT.ok, revision: null };
  }
  if (options.json !== true) io.stdout(`Rolling back ${desired.project}/${desired.environment} to revision ${target.seq}:\n${renderPlanText(plan)}`);
  const digester = new SecretDigester(loadOrCreateDigestKey(resolveStateDir(options.stateDir, io.env)));
  const changed = await changedSecretSource(plan, secretReader(io), digester, target.seq);
  if (changed !== null) return refuse(io, changed);
  if (options.dryRun === true) {
    if (options.json === true) io.stdout(`${JSON.stringify({ project: desired.project, environment: desired.environment, revision: target.seq, dryRun: true, plan }, null, 2)}\n`);
    else io.stdout('Dry run: nothing was changed.\n');
    return { code: EXIT.ok, revision: null };
  }
  if (!(await confirmDestructive(plan, io, options.yes === true))) return { code: EXIT.failure, revision: null };
  const started = new Date();
  const errors = new ExecutionErrors();
  const run = await carryOut(desired, plan, podman, io, { ...options, onReport: errors.onReport }, planOptions, true);
  const waited = run.code === EXIT.ok ? await waitForRollout(desired, run.plans, waitTimeoutMs ?? desired.policy.rollout?.timeoutMs, podman, io, observed.stoppedServices) : null;
  const code = waited?.code ?? run.code;
  const revision = errors.ran
    ? recordRevision(
        { desired, plans: run.plans, trigger, at: started, gitRevision: target.gitRevision, error: errors.errorFor(run.code), verdict: await verdictAfter(desired, waited?.failures ?? null, podman, options, io) },
        options,
        io,
      )
    : null;
  return { code, revision };
}

/** Why a revision failed its rollout, in a line: its first failed action, else the services that did not become healthy. */
function failureReason(revision: Revision): string {
  if (revision.result.error !== null) return `${revision.result.error.code}: ${revision.result.error.message}`;
  return (revision.verdict?.services ?? []).map((s) => `${s.service}: ${s.detail}`).join('; ');
}

/**
 * policy.rollout.auto_rollback after an apply whose rollout failed: goes back to the last
 * healthy revision, marks the failed one, and always exits 1 (the apply did not do what was asked).
 */
export async function autoRollBack(failed: Revision, podman: PodmanConnection, options: RollbackRunOptions, io: CliIo): Promise<number> {
  const name = `${failed.project}/${failed.environment}`;
  const revisions = readHistory(failed, options, io);
  if (revisions === null) return EXIT.failure;
  const choice = chooseRollbackTarget(revisions, undefined);
  const to = choice.ok ? choice.revision.seq : null;
  const failedEvent: CliEvent<'rollout.failed'> = { kind: 'rollout.failed', data: { revision: failed.seq, services: failed.verdict?.services.map((s) => s.service) ?? [], reason: failureReason(failed), rollingBackTo: to } };
  try {
    // A watch started on the same manifests later does not apply them again (docs/cli.md).
    historyOf(failed, options, io).markFailed({ key: failureKey(undefined, failed.desiredDigest), revision: failed.seq, rolledBackTo: to, at: new Date().toISOString() });
  } catch (error) {
    io.stderr(`phoenix: warning: could not mark revision ${failed.seq} as failed: ${(error as Error).message}\n`);
  }
  if (!choice.ok) {
    await publishToPolicySinks(failed.desired, [failedEvent], io);
    io.stderr(`phoenix: revision ${failed.seq} of ${name} did not become healthy, and there is nothing to roll back to (${choice.message}); it stays applied.\n`);
    return EXIT.failure;
  }
  io.stderr(`phoenix: revision ${failed.seq} of ${name} did not become healthy; rolling back to revision ${choice.revision.seq} (policy.rollout.auto_rollback).\n`);
  const outcome = await rollBackTo(choice.revision, { kind: 'auto-rollback', to: choice.revision.seq, failed: failed.seq }, podman, options, io);
  if (outcome.revision !== null) {
    try {
      historyOf(failed, options, io).update(failed.seq, { rolledBack: { by: outcome.revision.seq, to: choice.revision.seq } });
    } catch (error) {
      io.stderr(`phoenix: warning: could not mark revision ${failed.seq} as rolled back: ${(error as Error).message}\n`);
    }
  }
  await publishToPolicySinks(failed.desired, [failedEvent, { kind: 'rollout.rolled-back', data: { failedRevision: failed.seq, revision: outcome.revision?.seq ?? choice.revision.seq, to: choice.revision.seq, ok: outcome.code === EXIT.ok } }], io);
  if (outcome.code === EXIT.ok) io.stderr(`phoenix: the apply failed its rollout and was rolled back: ${name} runs revision ${choice.revision.seq} again${outcome.revision === null ? '' : ` (recorded as revision ${outcome.revision.seq})`}.\n`);
  else io.stderr(`phoenix: the apply failed its rollout, and the rollback to revision ${choice.revision.seq} failed too; see above.\n`);
  return EXIT.failure;
}
