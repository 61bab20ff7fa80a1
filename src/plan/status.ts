import type { DesiredState } from '../model/desired.js';
import { LABEL } from '../model/desired.js';
import type { HealthStatus, ObservedState } from '../model/observed.js';

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
  /** 'converged' | 'drifted' (config differs) | 'degraded' (missing or not running). */
  readonly verdict: 'converged' | 'drifted' | 'degraded';
}

/**
 * Compares each desired service with what Podman runs: which containers exist, their state,
 * health and restarts, and whether their config is the one in the manifests. Pure.
 */
export function reportStatus(desired: DesiredState, observed: ObservedState): ServiceReport[] {
  return desired.services.map((service): ServiceReport => {
    const containers = service.containerNames.map((name, index): ContainerReport => {
      const found = observed.containers.find((c) => c.name === name);
      if (found === undefined) return { name, replica: index + 1, state: 'missing', exitCode: null, health: 'none', inSync: false, restarts: 0, startedAt: null, revision: null };
      return {
        name,
        replica: index + 1,
        state: found.state,
        exitCode: found.exitCode,
        health: found.health,
        inSync: found.labels[LABEL.configHash] === service.configHash,
        restarts: found.restartCount,
        startedAt: found.startedAt,
        revision: found.labels[LABEL.revision] ?? null,
      };
    });
    const oneShot = service.spec.restart === 'no' || service.spec.restart === 'on-failure';
    const up = (c: ContainerReport): boolean => c.state === 'running' || (oneShot && c.state === 'exited' && c.exitCode === 0);
    const verdict = containers.some((c) => !c.inSync && c.state !== 'missing') ? 'drifted' : containers.every(up) ? 'converged' : 'degraded';
    return { service: service.name, desiredReplicas: service.replicas, runningReplicas: containers.filter((c) => c.state === 'running').length, containers, verdict };
  });
}
