import { describe, expect, it } from 'vitest';
import { VerdictTracker } from '../../src/controller/verdict-tracker.js';
import type { StatusReport } from '../../src/plan/status.js';
import type { VerdictKind, VerdictReason } from '../../src/plan/verdict.js';

function report(verdict: VerdictKind, services: Record<string, [VerdictKind, VerdictReason | null, string]>): StatusReport {
  return { verdict, services: Object.entries(services).map(([service, [v, reason, detail]]) => ({ service, verdict: v, reason, detail, desiredReplicas: 1, runningReplicas: 1, containers: [] })) };
}

describe('VerdictTracker', () => {
  it('reports no change for first verdicts, then each change, the environment first', () => {
    const tracker = new VerdictTracker();
    expect(tracker.update(report('converged', { web: ['converged', null, ''], db: ['converged', null, ''] }))).toEqual([]);
    expect(tracker.update(report('converged', { web: ['converged', null, ''], db: ['converged', null, ''] }))).toEqual([]);
    expect(tracker.update(report('degraded', { web: ['degraded', 'unhealthy', 'web-1 is unhealthy'], db: ['converged', null, ''] }))).toEqual([
      { data: { scope: 'environment', from: 'converged', to: 'degraded', reason: 'unhealthy', detail: 'web-1 is unhealthy' } },
      { service: 'web', data: { scope: 'service', from: 'converged', to: 'degraded', reason: 'unhealthy', detail: 'web-1 is unhealthy' } },
    ]);
    // A new service's first verdict is no change; a service that went is forgotten.
    expect(tracker.update(report('degraded', { web: ['degraded', 'unhealthy', 'x'], cache: ['progressing', 'missing', 'y'] }))).toEqual([]);
    expect(tracker.update(report('converged', { web: ['converged', null, ''], cache: ['converged', null, ''] })).map((c) => c.service ?? 'environment')).toEqual(['environment', 'web', 'cache']);
  });
});
