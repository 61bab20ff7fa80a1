/**
 * One environment's part of /status (EnvironmentStatus), put together from what watch keeps:
 * the verdict report of the last snapshot, the observed containers (ports, image), the health
 * monitor, the restart driver, the threshold monitor, the last reconcile and plan, and the
 * history. Pure: the runtime gathers the parts; no Podman call, whatever the size.
 */
import type { ObservedState } from '../model/observed.js';
import type { StatusReport } from '../plan/status.js';
import type { ContainerHealth } from './health/container-watch.js';
import type { RestartStatus } from './health/restart-driver.js';
import type { ThresholdStatus } from './health/threshold-monitor.js';
import type { ReconcileResult } from './environment-reconciler.js';
import type { EnvironmentStatus, LastPlanStatus, RevisionHistoryStatus, ServiceStatus } from '../telemetry/status-document.js';

/** The parts of an environment's status. */
export interface EnvironmentStatusParts {
  readonly environment: string;
  readonly project: string | null;
  /** The git commit applied (git mode). */
  readonly revision: string | null;
  readonly report: StatusReport | null;
  /** The snapshot the report was judged from (ports and images come from it). */
  readonly observed: ObservedState | null;
  readonly last: { readonly result: ReconcileResult; readonly at: string; readonly trigger: string } | null;
  readonly lastPlan: LastPlanStatus | null;
  readonly history: RevisionHistoryStatus;
  readonly health: (service: string) => readonly ContainerHealth[];
  readonly restarts: (service: string) => readonly RestartStatus[];
  readonly thresholds: (service: string) => readonly ThresholdStatus[];
}

/** The environment's status document. */
export function environmentStatus(parts: EnvironmentStatusParts): EnvironmentStatus {
  const observedByName = new Map((parts.observed?.containers ?? []).map((c) => [c.name, c]));
  const services = (parts.report?.services ?? []).map((report): ServiceStatus => {
    const restarts = parts.restarts(report.service);
    return {
      service: report.service,
      verdict: report.verdict,
      reason: report.reason,
      detail: report.detail,
      desiredReplicas: report.desiredReplicas,
      runningReplicas: report.runningReplicas,
      ...(report.stoppedSince === undefined ? {} : { stoppedSince: report.stoppedSince }),
      containers: report.containers.map((container) => {
        const observed = observedByName.get(container.name);
        return {
          ...container,
          // Both Podman's own restart policy (RestartCount) and Phoenix's restarts in the policy window.
          restarts: container.restarts + (restarts.find((r) => r.container === container.name)?.restartsInWindow ?? 0),
          image: observed?.image ?? null,
          ports: observed?.ports ?? [],
        };
      }),
      health: parts.health(report.service),
      restarts,
      thresholds: parts.thresholds(report.service),
    };
  });
  const last = parts.last;
  return {
    environment: parts.environment,
    project: parts.project,
    verdict: parts.report?.verdict ?? null,
    revision: parts.revision,
    history: parts.history,
    lastReconcile:
      last === null
        ? null
        : {
            at: last.at,
            trigger: last.trigger,
            ok: last.result.ok,
            manifestInvalid: last.result.manifestInvalid,
            durationMs: last.result.durationMs,
            actions: last.result.plan?.actions.length ?? 0,
            error: last.result.error,
          },
    lastPlan: parts.lastPlan,
    services,
  };
}
