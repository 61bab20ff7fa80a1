/**
 * A revision: one apply of an environment's desired state, as the history keeps it (what
 * `phoenix history` lists and `phoenix rollback` re-applies). Labels stay the truth about what
 * runs; the history is the truth about what was asked, by whom, and how it went.
 *
 * A revision holds the whole desired state, which never holds a secret value: secrets appear as
 * their source (a file path or a variable name) and a keyed digest of the content they had.
 */
import type { DesiredState } from '../model/desired.js';
import type { VerdictKind, VerdictReason } from '../plan/verdict.js';

/** The version of the revision file format; a file of another version is refused, not guessed at. */
export const REVISION_FORMAT_VERSION = 1;

/** Who or what asked for the apply. */
export type RevisionTrigger =
  /** `phoenix apply` by a user. */
  | { readonly kind: 'apply'; readonly user: string }
  /** A watch reconcile: its start, a manifest edit, a resync, an apply handed to it (the reasons, joined). */
  | { readonly kind: 'watch'; readonly reason: string }
  /** Watch mode following a git branch: the commit applied. */
  | { readonly kind: 'git'; readonly sha: string; readonly subject: string; readonly branch: string; readonly reason: string }
  /** `phoenix rollback` by a user. */
  | { readonly kind: 'rollback'; readonly to: number; readonly user: string }
  /** `policy.rollout.auto_rollback`: revision `failed` did not become healthy, so `to` was applied again. */
  | { readonly kind: 'auto-rollback'; readonly to: number; readonly failed: number };

/** How the apply itself went (its actions), before any health is judged. */
export interface RevisionResult {
  readonly status: 'succeeded' | 'failed';
  /** The first failure's code and sentence; null when it succeeded. */
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** One service's health after the rollout. */
export interface RevisionServiceVerdict {
  readonly service: string;
  readonly verdict: VerdictKind;
  readonly reason: VerdictReason | null;
  readonly detail: string;
}

/** The health verdict after the rollout (plan/verdict.ts). */
export interface RevisionVerdict {
  readonly verdict: VerdictKind;
  /**
   * True when Phoenix waited for the touched services (`apply --wait`, auto-rollback, a
   * rollback): the verdict is then final. False when it is a snapshot taken right after the
   * actions ran (a health check may not have decided yet: `progressing`).
   */
  readonly waited: boolean;
  /** The services that are not converged (every one when none is). */
  readonly services: readonly RevisionServiceVerdict[];
}

/** What the plan did, in a line and in numbers. */
export interface RevisionPlanSummary {
  /** The plan's summary line(s), e.g. `Plan: 0 to create, 1 to recreate, ...`. */
  readonly text: string;
  readonly actions: number;
  /** The services whose containers an action touched. */
  readonly services: readonly string[];
}

/** One revision in the history. */
export interface Revision {
  readonly formatVersion: typeof REVISION_FORMAT_VERSION;
  /** 1, 2, 3, ... per project and environment; never reused, also after old revisions are dropped. */
  readonly seq: number;
  readonly project: string;
  readonly environment: string;
  /** When the apply started (RFC 3339). */
  readonly at: string;
  readonly trigger: RevisionTrigger;
  /** SHA-256 of the canonical JSON of `desired`: two revisions with the same digest asked for the same thing. */
  readonly desiredDigest: string;
  /** The git commit the desired state was read from (labelled on containers again when rolled back to); absent outside git mode. */
  readonly gitRevision?: string;
  /** The desired state applied: enough to apply it again without the manifests (secrets by source and digest only). */
  readonly desired: DesiredState;
  readonly plan: RevisionPlanSummary;
  readonly result: RevisionResult;
  /** Null while the rollout is still being waited for (or the process stopped before it was judged). */
  readonly verdict: RevisionVerdict | null;
  /** Set on a revision that auto-rollback undid: the revision that rolled it back, and the one it went back to. */
  readonly rolledBack?: { readonly by: number; readonly to: number };
}

/** What a writer hands the history; the store gives it its sequence number. */
export type RevisionDraft = Omit<Revision, 'seq' | 'formatVersion'>;

/** A revision's trigger in a few words, for the history table and messages. */
export function describeTrigger(trigger: RevisionTrigger): string {
  switch (trigger.kind) {
    case 'apply':
      return `apply by ${trigger.user}`;
    case 'watch':
      return `watch: ${trigger.reason}`;
    case 'git':
      return `git ${trigger.sha.slice(0, 8)} ${JSON.stringify(trigger.subject)}`;
    case 'rollback':
      return `rollback to ${trigger.to} by ${trigger.user}`;
    case 'auto-rollback':
      return `auto-rollback to ${trigger.to} (${trigger.failed} failed)`;
  }
}

/**
 * A revision one may go back to: its actions all succeeded and its services were not found
 * degraded or failed (a snapshot verdict of `progressing`, taken without waiting, counts: its
 * health had not been judged bad), and auto-rollback did not undo it.
 */
export function isHealthy(revision: Revision): boolean {
  if (revision.result.status !== 'succeeded' || revision.rolledBack !== undefined) return false;
  return revision.verdict === null ? false : revision.verdict.verdict === 'converged' || (revision.verdict.verdict === 'progressing' && !revision.verdict.waited);
}
