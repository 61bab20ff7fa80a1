/**
 * Turns what watch mode's health monitor and restart driver know into the evidence the one
 * verdict function (plan/verdict.ts) reads, so that `/status` and the metrics judge health
 * exactly as `phoenix status` does. It judges nothing itself.
 */
import type { ContainerState, ObservedState } from '../../model/observed.js';
import type { CheckedHealth, HealthEvidence, ServiceHold } from '../../plan/verdict.js';
import type { ContainerHealth } from './container-watch.js';
import type { RestartStatus } from './restart-driver.js';

const CHECKED: Partial<Record<ContainerHealth['condition'], CheckedHealth['status']>> = { healthy: 'healthy', unhealthy: 'unhealthy', starting: 'starting' };

/** The monitor's checks per container, and a hold per service whose restarts the policy stopped or delays. */
export function evidenceFrom(health: readonly ContainerHealth[], restarts: readonly RestartStatus[]): HealthEvidence {
  const containers: Record<string, CheckedHealth> = {};
  for (const h of health) {
    const status = CHECKED[h.condition];
    if (status !== undefined) containers[h.container] = { status, output: h.output };
  }
  const holds: Record<string, ServiceHold> = {};
  for (const r of restarts) {
    if (r.crashLooping) holds[r.service] = { reason: 'crash-looping', detail: r.lastError };
    else if (r.nextRestartAt !== null && holds[r.service] === undefined) holds[r.service] = { reason: 'held', detail: `backing off before the next restart${r.lastError === '' ? '' : ` (${r.lastError})`}` };
  }
  return { containers, holds };
}

/**
 * The last reconcile's snapshot, with what the monitor has seen since: a container it found
 * stopped or gone is no longer reported running (the snapshot may be minutes old).
 */
export function freshenObserved(observed: ObservedState, health: readonly ContainerHealth[]): ObservedState {
  const seen = new Map(health.map((h) => [h.container, h]));
  const containers = observed.containers.flatMap((c) => {
    const h = seen.get(c.name);
    if (h === undefined) return [c];
    if (h.condition === 'missing') return [];
    if (h.condition === 'not-running' && h.state !== null) return [{ ...c, state: h.state as ContainerState, exitCode: h.exitCode }];
    return [c];
  });
  return { ...observed, containers };
}
