/**
 * What `phoenix ps` lists: one row per container of the environment (the services' replicas,
 * then one-off jobs of `phoenix run`), like `docker compose ps`. Built on the status report,
 * so that state, health and restarts read as in `phoenix status`. Pure: uptime is left to the
 * caller, which owns the clock.
 */
import type { DesiredState } from '../model/desired.js';
import { LABEL } from '../model/desired.js';
import type { HealthStatus, ObservedState, PublishedPort } from '../model/observed.js';
import { reportStatus } from './status.js';
import type { HealthEvidence } from './verdict.js';

/** One container as `phoenix ps` shows it. */
export interface PsRow {
  readonly service: string;
  readonly container: string;
  /** The replica number; 'one-off' for a container of `phoenix run`. */
  readonly replica: number | 'one-off';
  readonly state: string;
  readonly exitCode: number | null;
  readonly health: HealthStatus;
  /** When it last started (ISO 8601); null when it never did. */
  readonly startedAt: string | null;
  readonly ports: readonly PublishedPort[];
  readonly restarts: number;
  readonly image: string;
  /** When its service was stopped with `phoenix stop`; absent otherwise. */
  readonly stoppedSince?: string;
}

/** The environment's existing containers, services in the desired state's order, replicas in order; missing ones are `phoenix status`'s to report. */
export function psRows(desired: DesiredState, observed: ObservedState, evidence: HealthEvidence = {}): PsRow[] {
  const byName = new Map(observed.containers.map((c) => [c.name, c]));
  const rows: PsRow[] = [];
  for (const service of reportStatus(desired, observed, evidence).services) {
    for (const container of service.containers) {
      const found = byName.get(container.name);
      if (found === undefined) continue;
      rows.push({
        service: service.service,
        container: container.name,
        replica: container.replica,
        state: container.state,
        exitCode: container.exitCode,
        health: container.health,
        startedAt: container.startedAt,
        ports: found.ports ?? [],
        restarts: container.restarts,
        image: found.image,
        ...(service.stoppedSince === undefined ? {} : { stoppedSince: service.stoppedSince }),
      });
    }
  }
  const oneOffs = observed.containers
    .filter((c) => c.labels[LABEL.oneOff] !== undefined && c.labels[LABEL.project] === desired.project && c.labels[LABEL.environment] === desired.environment)
    .sort((a, b) => a.name.localeCompare(b.name));
  for (const job of oneOffs) {
    rows.push({
      service: job.labels[LABEL.oneOff] ?? '?',
      container: job.name,
      replica: 'one-off',
      state: job.state,
      exitCode: job.exitCode,
      health: job.health,
      startedAt: job.startedAt,
      ports: job.ports ?? [],
      restarts: job.restartCount,
      image: job.image,
    });
  }
  return rows;
}
