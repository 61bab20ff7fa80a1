import type { DesiredState } from '../model/desired.js';
import { LABEL } from '../model/desired.js';
import type { HealthStatus, ObservedState } from '../model/observed.js';
import type { HealthEvidence, VerdictKind, VerdictReason } from './verdict.js';
import { verdict } from './verdict.js';

/** One container of a service as `phoenix status` shows it. */
export interface ContainerReport {
  readonly name: string;
  readonly replica: number;
  /** 'missing' when the container does not exist. */
  readonly state: string;
  readonly exitCode: number | null;
  readonly health: HealthStatus;
  /** The config hash matches the manifests. */
  readonly inSync: boolean;
  readonly restarts: number;
  readonly startedAt: string | null;
  readonly revision: string | null;
}

/** A service: desired vs observed. */
export interface ServiceReport {
  readonly service: string;
  readonly desiredReplicas: number;
  readonly runningReplicas: number;
  readonly containers: readonly ContainerReport[];
  /** The service's verdict (verdict.ts), with why and a line for a person. */
  readonly verdict: VerdictKind;
  readonly reason: VerdictReason | null;
  readonly detail: string;
  /** When the service was stopped with `phoenix stop` (ISO 8601); absent while it is not. */
  readonly stoppedSince?: string;
}

/** Every service's report and the environment's verdict. */
export interface StatusReport {
  readonly verdict: VerdictKind;
  readonly services: readonly ServiceReport[];
}

/**
 * Compares each desired service with what Podman runs: which containers exist, their state,
 * health and restarts, and whether their config is the one in the manifests; the verdicts come
 * from verdict.ts with the same evidence (a checked health replaces Podman's stored one). Pure.
 */
export function reportStatus(desired: DesiredState, observed: ObservedState, evidence: HealthEvidence = {}): StatusReport {
  const judged = verdict(desired, observed, evidence);
  const byName = new Map(observed.containers.map((c) => [c.name, c]));
  const services = desired.services.map((service, serviceIndex): ServiceReport => {
    const containers = service.containerNames.map((name, index): ContainerReport => {
      const found = byName.get(name);
      if (found === undefined) return { name, replica: index + 1, state: 'missing', exitCode: null, health: 'none', inSync: false, restarts: 0, startedAt: null, revision: null };
      return {
        name,
        replica: index + 1,
        state: found.state,
        exitCode: found.exitCode,
        health: evidence.containers?.[name]?.status ?? found.health,
        inSync: found.labels[LABEL.configHash] === service.configHash,
        restarts: found.restartCount,
        startedAt: found.startedAt,
        revision: found.labels[LABEL.revision] ?? null,
      };
    });
    const { verdict: kind, reason, detail } = judged.services[serviceIndex]!;
    const stoppedSince = observed.stoppedServices?.[service.name];
    return {
      service: service.name,
      desiredReplicas: service.replicas,
      runningReplicas: containers.filter((c) => c.state === 'running').length,
      containers,
      verdict: kind,
      reason,
      detail,
      ...(stoppedSince === undefined ? {} : { stoppedSince }),
    };
  });
  return { verdict: judged.verdict, services };
}
