/**
 * How the CLI's apply and rollback write their revision to the history (src/state/revision-history.ts):
 * a history that cannot be written is a warning, never a failed apply (what Podman runs is
 * already changed); the verdict comes from the rollout wait, or from one snapshot.
 */
import os from 'node:os';
import type { ErrorInfo, ExecutionReport } from '../apply/execute.js';
import type { RolloutFailure } from '../apply/rollout-wait.js';
import { desiredDigest, draftRevision, rolloutVerdict, snapshotVerdict } from '../history/revision-draft.js';
import type { ObservedState } from '../model/observed.js';
import type { Revision, RevisionTrigger, RevisionVerdict } from '../history/revision.js';
import { rolloutPolicy } from '../manifest/policy.js';
import type { DesiredState } from '../model/desired.js';
import type { Plan } from '../plan/actions.js';
import { resolveStateDir } from '../state/digest-key.js';
import { HistoryError, RevisionHistory } from '../state/revision-history.js';
import type { EnvironmentOptions } from './environment-loading.js';
import type { CliIo } from './io.js';
import { observeWithPulls } from './live-plan.js';
import type { PodmanConnection } from './podman-wiring.js';

/** The history of the environment `desired` belongs to. */
export function historyOf(desired: Pick<DesiredState, 'project' | 'environment'>, options: EnvironmentOptions, io: CliIo): RevisionHistory {
  return new RevisionHistory(resolveStateDir(options.stateDir, io.env), desired.project, desired.environment);
}

/** Who runs this command, as a trigger names them. */
export function cliUser(io: CliIo): string {
  const fromEnv = io.env.USER ?? io.env.LOGNAME;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  try {
    return os.userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/** Collects what the executor reports of each round, for the revision's result. */
export class ExecutionErrors {
  private first: ErrorInfo | null = null;
  private failed = false;
  private reported = false;

  /**
   * Whether the executor ran at all: false when the plan was refused before anything was
   * touched (a malformed saved plan, a secret that cannot be read). Such an apply changed
   * nothing, so it is no revision.
   */
  get ran(): boolean {
    return this.reported;
  }

  /** Takes one round's report. */
  readonly onReport = (report: ExecutionReport): void => {
    this.reported = true;
    if (report.ok) return;
    this.failed = true;
    this.first ??= report.actions.find((a) => a.status === 'failed')?.error ?? null;
  };

  /** The result's error for an exit code: the first failed action's, or a general one when the run failed otherwise. */
  errorFor(exitCode: number): { code: string; message: string } | null {
    if (this.first !== null) return { code: this.first.code, message: this.first.message };
    if (exitCode === 0 && !this.failed) return null;
    return { code: 'PHX-APPLY-FAILED', message: 'the apply did not finish (see its output)' };
  }
}

/** The verdict after the apply: the rollout wait's when there was one, else one snapshot (null when Podman cannot be observed). */
export async function verdictAfter(desired: DesiredState, failures: readonly RolloutFailure[] | null, podman: PodmanConnection, options: EnvironmentOptions, io: CliIo): Promise<RevisionVerdict | null> {
  if (failures !== null) return rolloutVerdict(failures);
  try {
    return snapshotVerdict(desired, await observeWithPulls(desired, options, io, podman));
  } catch {
    return null;
  }
}

/**
 * After an apply with nothing to do: records the desired state as a revision without actions
 * when it differs from the newest revision's (an environment applied before it had a history,
 * or a policy edit), so that the newest revision is the desired state in force and a later
 * rollback has it to go back to. An unchanged apply records nothing.
 */
export function recordIfNew(desired: DesiredState, plan: Plan, observed: ObservedState, trigger: RevisionTrigger, options: EnvironmentOptions, io: CliIo): void {
  let latest: string | null;
  try {
    latest = historyOf(desired, options, io).latest()?.desiredDigest ?? null;
  } catch {
    // A damaged newest file: `phoenix history` reports it; this apply changed nothing.
    return;
  }
  if (latest === desiredDigest(desired)) return;
  recordRevision({ desired, plans: [plan], trigger, at: new Date(), error: null, verdict: snapshotVerdict(desired, observed) }, options, io);
}

/** Appends the revision; prints a warning and returns null when the history cannot be written. */
export function recordRevision(
  input: {
    readonly desired: DesiredState;
    readonly plans: readonly Plan[];
    readonly trigger: RevisionTrigger;
    readonly at: Date;
    readonly gitRevision?: string | undefined;
    readonly error: { code: string; message: string } | null;
    readonly verdict: RevisionVerdict | null;
  },
  options: EnvironmentOptions,
  io: CliIo,
): Revision | null {
  const history = historyOf(input.desired, options, io);
  try {
    const revision = history.append(draftRevision(input), rolloutPolicy(input.desired.policy).keepRevisions);
    io.stderr(`Recorded revision ${revision.seq} of ${input.desired.project}/${input.desired.environment} (phoenix history --env ${input.desired.environment}).\n`);
    return revision;
  } catch (error) {
    // Reading the history folder fails the same way (a file where the folder belongs, no permission): same code.
    const code = error instanceof HistoryError ? error.code : 'PHX-HISTORY-WRITE';
    const remediation = error instanceof HistoryError ? error.remediation : 'Check that the state directory (--state-dir) is writable by this user and that the disk has room.';
    io.stderr(`warning ${code}: the apply is not in the history: ${(error as Error).message}\n  ${remediation}\n`);
    return null;
  }
}

/** The history, oldest first; null after printing why it cannot be read. */
export function readHistory(target: { project: string; environment: string }, options: EnvironmentOptions, io: CliIo): Revision[] | null {
  try {
    return historyOf(target, options, io).list();
  } catch (error) {
    if (error instanceof HistoryError) io.stderr(`error ${error.code}: ${error.message}\n  ${error.remediation}\n`);
    else io.stderr(`phoenix: cannot read the history: ${(error as Error).message}\n`);
    return null;
  }
}
