/**
 * What /readyz answers for watch mode. Ready means every environment's last reconcile
 * succeeded, so a probe that says ready vouches for what /status shows (Podman as that
 * reconcile left it). Fix: /readyz answered 200 once every environment had been reconciled
 * once, also while every reconcile failed.
 */
import type { Readiness } from '../telemetry/http-server.js';
import type { ReconcileResult } from './environment-reconciler.js';

/** Readiness from each environment's last reconcile (null: none finished yet), with a reason per environment that is not. */
export function readinessOf(lastReconciles: Iterable<readonly [string, ReconcileResult | null]>): Readiness {
  const reasons: string[] = [];
  for (const [environment, last] of lastReconciles) {
    if (last === null) reasons.push(`the first reconcile of ${environment} has not finished`);
    else if (!last.ok) reasons.push(`the last reconcile of ${environment} failed: ${last.error === null ? 'see its reconcile.failed event' : `${last.error.code} ${last.error.message}`}`);
  }
  return reasons.length === 0 ? { ready: true } : { ready: false, reason: reasons.join('; ') };
}
