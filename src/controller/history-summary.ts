/**
 * The newest revisions of an environment as /status shows them (RevisionHistoryStatus). A
 * revision file holds a whole desired state: parsing ten of them on every /status request
 * would cost more than the rest of the document, so each summary is kept until its file's
 * stamp (modification time and size) changes; a request costs a folder listing and ten stats.
 */
import { describeTrigger } from '../history/revision.js';
import type { Revision } from '../history/revision.js';
import type { RevisionHistory } from '../state/revision-history.js';
import type { RevisionHistoryStatus, RevisionStatus } from '../telemetry/status-document.js';

/** Revisions /status lists, newest first. */
export const RECENT_REVISIONS = 10;

/** One revision in /status's words. */
export function revisionStatus(revision: Revision): RevisionStatus {
  return {
    seq: revision.seq,
    at: revision.at,
    trigger: describeTrigger(revision.trigger),
    triggerKind: revision.trigger.kind,
    gitRevision: revision.gitRevision ?? null,
    result: revision.result.status,
    error: revision.result.error,
    verdict: revision.verdict?.verdict ?? null,
    summary: revision.plan.text,
    actions: revision.plan.actions,
    services: revision.plan.services,
    rolledBack: revision.rolledBack ?? null,
  };
}

/** Keeps the summaries of the revisions of one environment's history (per project: the folder is per project). */
export class HistorySummary {
  private readonly cache = new Map<string, { readonly stamp: string; readonly status: RevisionStatus }>();

  /** The newest revisions; a damaged file is reported in `error`, never thrown (the rest of /status still answers). */
  read(history: RevisionHistory): RevisionHistoryStatus {
    try {
      const seqs = history.sequenceNumbers();
      const recent: RevisionStatus[] = [];
      const kept = new Set<string>();
      for (const seq of seqs.slice(-RECENT_REVISIONS).reverse()) {
        const key = `${history.dir}#${seq}`;
        const stamp = history.stampOf(seq);
        if (stamp === null) continue;
        kept.add(key);
        const cached = this.cache.get(key);
        if (cached?.stamp === stamp) {
          recent.push(cached.status);
          continue;
        }
        const revision = history.get(seq);
        if (revision === null) continue;
        const status = revisionStatus(revision);
        this.cache.set(key, { stamp, status });
        recent.push(status);
      }
      // Revisions dropped from the history (policy.rollout.keep_revisions) leave the cache too.
      for (const key of this.cache.keys()) if (!kept.has(key)) this.cache.delete(key);
      return { current: seqs.at(-1) ?? null, recent, error: null };
    } catch (error) {
      return { current: null, recent: [], error: (error as Error).message };
    }
  }
}
