/**
 * Making a revision out of an apply: its plan summary, its result, and its verdict (from the
 * rollout wait, or from a snapshot right after the actions). Pure: the callers observe, wait
 * and write.
 */
import type { RolloutFailure } from '../apply/rollout-wait.js';
import type { DesiredState } from '../model/desired.js';
import { digestOf } from '../model/hash.js';
import type { ObservedState } from '../model/observed.js';
import type { Plan } from '../plan/actions.js';
import { renderSummary } from '../plan/render-text.js';
import { touchedServices } from '../plan/touched-services.js';
import { verdict, worstVerdict } from '../plan/verdict.js';
import type { RevisionDraft, RevisionPlanSummary, RevisionTrigger, RevisionVerdict } from './revision.js';

/** The digest revisions compare desired states by. */
export function desiredDigest(desired: DesiredState): string {
  return digestOf(desired);
}

/** What a failure mark is keyed by: the git commit in git mode (a newer commit is tried again), else the desired state's digest. */
export function failureKey(gitRevision: string | undefined, digest: string): string {
  return gitRevision === undefined ? `digest:${digest}` : `git:${gitRevision}`;
}

/** The plans' summary lines and counts, and the services they touched. */
export function summarizePlans(desired: DesiredState, plans: readonly Plan[]): RevisionPlanSummary {
  return {
    text: plans.map(renderSummary).join(' Then: '),
    actions: plans.reduce((sum, plan) => sum + plan.actions.length, 0),
    services: touchedServices(desired, plans).map((s) => s.name),
  };
}

/** The verdict as one snapshot shows it, without waiting (a check that has not run yet reads as progressing). */
export function snapshotVerdict(desired: DesiredState, observed: ObservedState): RevisionVerdict {
  const judged = verdict(desired, observed);
  return { verdict: judged.verdict, waited: false, services: judged.services.filter((s) => s.verdict !== 'converged') };
}

/** The verdict of a rollout wait: converged when nothing failed, else degraded naming each failure. */
export function rolloutVerdict(failures: readonly RolloutFailure[]): RevisionVerdict {
  const services = failures.map((f) => ({
    service: f.service,
    verdict: 'degraded' as const,
    reason: f.exitCode === null ? ('unhealthy' as const) : ('exited' as const),
    detail: `${f.container}${f.exitCode === null ? '' : ` (exit code ${f.exitCode})`}: ${f.error.code} ${f.error.message}`,
  }));
  return { verdict: worstVerdict(services.map((s) => s.verdict)), waited: true, services };
}

/** Everything a revision holds but its sequence number. */
export function draftRevision(input: {
  readonly desired: DesiredState;
  readonly plans: readonly Plan[];
  readonly trigger: RevisionTrigger;
  readonly at: Date;
  readonly gitRevision?: string | undefined;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly verdict: RevisionVerdict | null;
}): RevisionDraft {
  return {
    project: input.desired.project,
    environment: input.desired.environment,
    at: input.at.toISOString(),
    trigger: input.trigger,
    desiredDigest: desiredDigest(input.desired),
    ...(input.gitRevision === undefined ? {} : { gitRevision: input.gitRevision }),
    desired: input.desired,
    plan: summarizePlans(input.desired, input.plans),
    result: { status: input.error === null ? 'succeeded' : 'failed', error: input.error },
    verdict: input.verdict,
  };
}
