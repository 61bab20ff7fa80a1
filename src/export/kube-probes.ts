/**
 * A Compose health check as Kubernetes probes. Compose runs one check and calls the container
 * healthy or unhealthy; Kubernetes splits that in two: the readiness probe decides whether a
 * Service sends it traffic (Compose's `service_healthy` gate, in effect), the liveness probe
 * whether the kubelet restarts it (Phoenix's watch does that on unhealthy). Both get the same
 * check and timing; `start_period` becomes the liveness probe's initial delay, so a slow
 * starter is not killed while it starts (Podman's kube play maps it back to the start period).
 */
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { HealthCheckSpec } from '../model/desired.js';
import type { WarningList } from './export-warning.js';

/** Whole seconds, at least `minimum`: Kubernetes probe timings are integers. */
function seconds(ms: number, minimum: number): number {
  return Math.max(minimum, Math.ceil(ms / 1000));
}

/** The probe command: `CMD` runs its words as they are, `CMD-SHELL` through `sh -c`. */
function probeCommand(test: readonly string[]): string[] | null {
  const [kind, ...rest] = test;
  if (kind === 'CMD') return rest;
  if (kind === 'CMD-SHELL') return ['sh', '-c', rest.join(' ')];
  return null;
}

/** The readiness and liveness probes of a health check (none when the check is disabled). */
export function healthProbes(service: string, check: HealthCheckSpec | null, warnings: WarningList): { readiness?: IProbe; liveness?: IProbe } {
  if (check === null) return {};
  const command = probeCommand(check.test);
  if (command === null || command.length === 0) return {};
  for (const [key, ms] of [
    ['interval', check.intervalMs],
    ['timeout', check.timeoutMs],
    ['start_period', check.startPeriodMs],
  ] as const) {
    if (ms % 1000 !== 0) warnings.add(service, `healthcheck.${key}`, `${ms} ms is rounded up to ${seconds(ms, 0)} s: Kubernetes probe timings are whole seconds.`);
  }
  if (check.startPeriodMs > 0 && check.startIntervalMs !== 5000) {
    warnings.add(service, 'healthcheck.start_interval', 'not translated: Kubernetes probes have one period; during the start period the liveness probe waits instead of checking more often.');
  }
  const common: IProbe = {
    exec: { command },
    periodSeconds: seconds(check.intervalMs, 1),
    timeoutSeconds: seconds(check.timeoutMs, 1),
    failureThreshold: Math.max(1, check.retries),
  };
  const liveness: IProbe = check.startPeriodMs > 0 ? { ...common, initialDelaySeconds: seconds(check.startPeriodMs, 0) } : common;
  return { readiness: { ...common, successThreshold: 1 }, liveness };
}
