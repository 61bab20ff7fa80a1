/**
 * Remembers the verdicts last reported for an environment and its services, and says which
 * changed: what `verdict.changed` events are made of. A first verdict (at start, or of a
 * service new in the manifests) is no change: the reconcile events carry it.
 */
import type { EventPayloads } from '../events/event-types.js';
import type { StatusReport } from '../plan/status.js';
import type { VerdictKind } from '../plan/verdict.js';

/** One verdict change: the environment's (no service) or a service's. */
export interface VerdictChange {
  readonly service?: string;
  readonly data: EventPayloads['verdict.changed'];
}

/** The verdicts of one environment, as last reported. */
export class VerdictTracker {
  private environment: VerdictKind | null = null;
  private readonly services = new Map<string, VerdictKind>();

  /**
   * Takes the current report and returns the changes since the last one: the environment's
   * first (so that a reader sees the whole before its parts), then its services' in order.
   */
  update(report: StatusReport): VerdictChange[] {
    const changes: VerdictChange[] = [];
    if (this.environment !== null && this.environment !== report.verdict) {
      const worst = report.services.find((s) => s.verdict === report.verdict);
      changes.push({ data: { scope: 'environment', from: this.environment, to: report.verdict, reason: worst?.reason ?? null, detail: worst?.detail ?? '' } });
    }
    this.environment = report.verdict;
    const seen = new Set<string>();
    for (const service of report.services) {
      seen.add(service.service);
      const before = this.services.get(service.service);
      if (before !== undefined && before !== service.verdict) {
        changes.push({ service: service.service, data: { scope: 'service', from: before, to: service.verdict, reason: service.reason, detail: service.detail } });
      }
      this.services.set(service.service, service.verdict);
    }
    for (const name of [...this.services.keys()]) if (!seen.has(name)) this.services.delete(name);
    return changes;
  }
}
