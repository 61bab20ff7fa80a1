/**
 * Which revision a rollback goes back to. Pure: the caller reads the history.
 */
import type { Revision } from './revision.js';
import { isHealthy } from './revision.js';

/** The revision to apply again, or why there is none (with a code and what to do). */
export type RollbackTargetChoice =
  | { readonly ok: true; readonly revision: Revision; readonly current: Revision }
  | { readonly ok: false; readonly code: 'PHX-HISTORY-EMPTY' | 'PHX-ROLLBACK-NO-REVISION' | 'PHX-ROLLBACK-NO-TARGET'; readonly message: string; readonly remediation: string };

/**
 * `to` when given (it must be in the history); else the newest revision before the current
 * (newest) one that was healthy (isHealthy) and asked for something else than the current one
 * (going back to the same desired state would change nothing).
 * @param revisions the history, oldest first
 */
export function chooseRollbackTarget(revisions: readonly Revision[], to: number | undefined): RollbackTargetChoice {
  const current = revisions.at(-1);
  if (current === undefined) {
    return { ok: false, code: 'PHX-HISTORY-EMPTY', message: 'the history of this environment is empty: there is nothing to roll back to', remediation: 'Apply the environment first (phoenix apply); every apply that changes something records a revision.' };
  }
  const range = `${revisions[0]!.seq}..${current.seq}`;
  if (to !== undefined) {
    const chosen = revisions.find((r) => r.seq === to);
    if (chosen === undefined) {
      return { ok: false, code: 'PHX-ROLLBACK-NO-REVISION', message: `revision ${to} is not in the history (it holds revisions ${range})`, remediation: 'Pick a revision that phoenix history lists; older ones were dropped (policy.rollout.keep_revisions).' };
    }
    return { ok: true, revision: chosen, current };
  }
  for (let i = revisions.length - 2; i >= 0; i--) {
    const candidate = revisions[i]!;
    if (isHealthy(candidate) && candidate.desiredDigest !== current.desiredDigest) return { ok: true, revision: candidate, current };
  }
  return {
    ok: false,
    code: 'PHX-ROLLBACK-NO-TARGET',
    message: `no revision before the current one (${current.seq}) was healthy and asked for something else`,
    remediation: 'Name the revision to go back to with --to N (phoenix history lists them), or fix the manifests and apply.',
  };
}
