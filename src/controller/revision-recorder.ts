/**
 * Watch mode's part of the history: after a reconcile that applied a new desired state, record
 * a revision, judge its rollout, and with policy.rollout.auto_rollback roll a failed one back to
 * the last healthy revision, marking the failed manifests (git commit, or desired digest) so
 * that they are not applied again until they change: no flapping between two revisions.
 *
 * Runs inside the environment's work item (the lock held, no other reconcile of it beside), so
 * the rollout wait and the rollback reconcile see Podman as this process leaves it.
 */
import { awaitRollout } from '../apply/rollout-wait.js';
import type { EventBus } from '../events/event-bus.js';
import { makeEvent } from '../events/event-bus.js';
import type { EventKind, EventPayloads } from '../events/event-types.js';
import { chooseRollbackTarget } from '../history/rollback-target.js';
import { desiredDigest, draftRevision, rolloutVerdict, snapshotVerdict } from '../history/revision-draft.js';
import type { Revision, RevisionTrigger, RevisionVerdict } from '../history/revision.js';
import { describeTrigger } from '../history/revision.js';
import { rolloutPolicy } from '../manifest/policy.js';
import type { PodmanClient } from '../podman/podman-client.js';
import { touchedServices } from '../plan/touched-services.js';
import type { RevisionHistory } from '../state/revision-history.js';
import type { ReconcileResult } from './environment-reconciler.js';

/** Where the desired state of a reconcile came from. */
export interface LoadOrigin {
  /** The git commit read (git mode), else undefined. */
  readonly gitRevision: string | undefined;
  /** The manifests were marked failed, and this revision's desired state stood in for them. */
  readonly substitutedBy: Revision | null;
  /** The failure key of the manifests as loaded (before any substitution). */
  readonly failureKey: string | null;
}

/** What the recorder works with; everything with I/O is injected. */
export interface RevisionRecorderDeps {
  readonly environment: string;
  /** The environment's history; opened per project, which the first load names. */
  readonly history: (project: string) => RevisionHistory;
  readonly podman: PodmanClient;
  readonly bus: EventBus;
  readonly clock: { readonly now: () => number; readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>; readonly date: () => Date };
  readonly newId: () => string;
  /** Reconciles again at once (the load then substitutes the rollback target) and returns its result. */
  readonly reconcileAgain: (reasons: readonly string[], signal: AbortSignal) => Promise<ReconcileResult | null>;
  readonly onError: (error: unknown, context: string) => void;
  /** Git mode: a commit's subject line and the branch followed, for the trigger. */
  readonly gitCommit?: (sha: string) => { readonly subject: string; readonly branch: string };
  /** Polling of the rollout wait; 250 ms by default. */
  readonly pollIntervalMs?: number;
}

/** What became of a reconcile: when auto-rollback undid it, the revisions concerned. */
export interface RecordOutcome {
  readonly rolledBack: { readonly failed: number; readonly to: number; readonly revision: number | null; readonly ok: boolean } | null;
}

const NOTHING: RecordOutcome = { rolledBack: null };

/** Records watch mode's revisions and carries out its automatic rollbacks. */
export class RevisionRecorder {
  /**
   * The newest revision's digest per project, by its sequence number. Every reconcile (each
   * resync and Podman event) compares against it; a revision file never changes its digest,
   * so a listing of the folder replaces reading and parsing the whole desired state each time.
   */
  private readonly newest = new Map<string, { readonly seq: number; readonly digest: string }>();

  constructor(private readonly deps: RevisionRecorderDeps) {}

  /** After a reconcile: record it when it applied a new desired state (or an apply asked for it), judge it, and roll it back when it failed. */
  async afterReconcile(result: ReconcileResult, reasons: readonly string[], origin: LoadOrigin, signal: AbortSignal): Promise<RecordOutcome> {
    try {
      return await this.handle(result, reasons, origin, signal);
    } catch (error) {
      if (signal.aborted) return NOTHING;
      this.deps.onError(error, 'revision history');
      return NOTHING;
    }
  }

  private async handle(result: ReconcileResult, reasons: readonly string[], origin: LoadOrigin, signal: AbortSignal): Promise<RecordOutcome> {
    const desired = result.desired;
    // An invalid edit applies the last good desired state, which was recorded when it was new.
    if (desired === null || result.plan === null || result.manifestInvalid) return NOTHING;
    const history = this.deps.history(desired.project);
    const digest = desiredDigest(desired);
    const requested = reasons.some((r) => r.startsWith('requested by phoenix'));
    const isNew = this.latestDigest(desired.project, history) !== digest;
    // A heal (a restart, a container made again) applies the desired state already recorded: no
    // new revision. A new desired state Podman already matches (the first watch of an environment
    // applied before, a policy edit) is recorded without actions, so that a rollback has it to
    // go back to and the newest revision is always the desired state in force.
    if (result.plan.actions.length === 0 ? !isNew : !requested && !isNew) return NOTHING;
    const trigger: RevisionTrigger =
      origin.substitutedBy !== null
        ? { kind: 'watch', reason: `${reasons.join(', ')} (manifests marked failed: revision ${origin.substitutedBy.seq} stands in)` }
        : origin.gitRevision !== undefined
          ? { kind: 'git', sha: origin.gitRevision, ...this.commit(origin.gitRevision), reason: reasons.join(', ') }
          : { kind: 'watch', reason: reasons.join(', ') || 'manual' };
    const { revision, verdict } = await this.record(history, result, trigger, origin.gitRevision, signal);
    const failure = failureOf(result, verdict);
    // A stand-in is itself a rolled-back-to revision: it is never rolled back in turn.
    if (failure === null || !rolloutPolicy(desired.policy).autoRollback || origin.failureKey === null || origin.substitutedBy !== null) return NOTHING;

    const choice = chooseRollbackTarget(history.list(), undefined);
    const to = choice.ok ? choice.revision.seq : null;
    this.emit(desired.project, 'rollout.failed', { revision: revision.seq, services: failure.services, reason: failure.reason, rollingBackTo: to });
    history.markFailed({ key: origin.failureKey, revision: revision.seq, rolledBackTo: to, at: this.deps.clock.date().toISOString() });
    if (!choice.ok) return NOTHING;
    // The mark makes the load stand the target in for the failed manifests.
    const again = await this.deps.reconcileAgain([`auto-rollback to revision ${choice.revision.seq} (revision ${revision.seq} failed its rollout)`], signal);
    let recorded: Revision | null = null;
    let ok: boolean;
    if (again !== null && again.desired !== null && again.plan !== null && again.plan.actions.length > 0) {
      const rollback = await this.record(history, again, { kind: 'auto-rollback', to: choice.revision.seq, failed: revision.seq }, choice.revision.gitRevision, signal);
      recorded = rollback.revision;
      ok = failureOf(again, rollback.verdict) === null;
      history.update(revision.seq, { rolledBack: { by: recorded.seq, to: choice.revision.seq } });
    } else {
      ok = again?.ok === true;
    }
    this.emit(desired.project, 'rollout.rolled-back', { failedRevision: revision.seq, revision: recorded?.seq ?? choice.revision.seq, to: choice.revision.seq, ok });
    return { rolledBack: { failed: revision.seq, to: choice.revision.seq, revision: recorded?.seq ?? null, ok } };
  }

  /** The newest revision's digest; null for none, or when it cannot be read (then the apply is recorded anyway). */
  private latestDigest(project: string, history: RevisionHistory): string | null {
    try {
      const seq = history.sequenceNumbers().at(-1);
      if (seq === undefined) return null;
      const cached = this.newest.get(project);
      if (cached?.seq === seq) return cached.digest;
      const digest = history.get(seq)?.desiredDigest ?? null;
      if (digest !== null) this.newest.set(project, { seq, digest });
      return digest;
    } catch {
      return null;
    }
  }

  /** Appends the revision (verdict pending), judges its rollout, and fills the verdict in. */
  private async record(history: RevisionHistory, result: ReconcileResult, trigger: RevisionTrigger, gitRevision: string | undefined, signal: AbortSignal): Promise<{ revision: Revision; verdict: RevisionVerdict | null }> {
    const desired = result.desired!;
    const plan = result.plan!;
    const policy = rolloutPolicy(desired.policy);
    const at = new Date(this.deps.clock.date().getTime() - result.durationMs);
    const error = result.error === null || result.manifestInvalid ? null : { code: result.error.code, message: result.error.message };
    const revision = history.append(draftRevision({ desired, plans: [plan], trigger, at, gitRevision, error, verdict: null }), policy.keepRevisions);
    const touched = touchedServices(desired, [plan], result.observed?.stoppedServices);
    let verdict: RevisionVerdict | null;
    if (policy.autoRollback && error === null && touched.length > 0) {
      const context = { podman: this.deps.podman, sleep: this.deps.clock.sleep, now: this.deps.clock.now, timeoutMs: policy.timeoutMs, pollIntervalMs: this.deps.pollIntervalMs ?? 250 };
      verdict = rolloutVerdict(await awaitRollout(context, touched, signal));
    } else {
      verdict = result.observed === null ? null : snapshotVerdict(desired, result.observed);
    }
    history.update(revision.seq, { verdict });
    this.emit(desired.project, 'revision.recorded', { revision: revision.seq, trigger: describeTrigger(trigger), actions: plan.actions.length, result: error === null ? 'succeeded' : 'failed', verdict: verdict?.verdict ?? null });
    return { revision, verdict };
  }

  private commit(sha: string): { subject: string; branch: string } {
    try {
      return this.deps.gitCommit?.(sha) ?? { subject: '', branch: '' };
    } catch {
      return { subject: '', branch: '' };
    }
  }

  private emit<K extends EventKind>(project: string, kind: K, data: EventPayloads[K]): void {
    this.deps.bus.publish(makeEvent(kind, { project, environment: this.deps.environment }, data, this.deps.newId(), this.deps.clock.date()));
  }
}


/** Why a revision failed its rollout: its actions failed, or its services were judged not healthy after a wait; null when it did not. */
function failureOf(result: ReconcileResult, verdict: RevisionVerdict | null): { services: string[]; reason: string } | null {
  if (result.error !== null && !result.manifestInvalid) return { services: verdict?.services.map((s) => s.service) ?? [], reason: `${result.error.code}: ${result.error.message}` };
  if (verdict === null || !verdict.waited || verdict.verdict === 'converged') return null;
  return { services: verdict.services.map((s) => s.service), reason: verdict.services.map((s) => `${s.service}: ${s.detail}`).join('; ') };
}
