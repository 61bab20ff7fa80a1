import type { LiveState } from './live-plan.js';
import { loadLiveState, reportFailure } from './live-plan.js';
import type { EnvironmentOptions } from './environment-loading.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { connectPodman } from './podman-wiring.js';
import type { PodmanConnection } from './podman-wiring.js';
import { reportStatus } from '../plan/status.js';
import type { ServiceReport } from '../plan/status.js';
import type { HealthStatus, ObservedState } from '../model/observed.js';

export interface StatusOptions extends EnvironmentOptions {
  readonly env: string;
  readonly json?: boolean;
}

/**
 * Podman's own health timers need systemd, so the stored health of a running container may
 * never move past "starting": status runs each running container's check once, now.
 */
async function checkHealth(live: LiveState, podman: PodmanConnection, io: CliIo): Promise<ObservedState> {
  const withCheck = new Set(live.desired.services.filter((s) => s.spec.healthcheck !== null).flatMap((s) => s.containerNames));
  const containers = await Promise.all(
    live.observed.containers.map(async (container) => {
      if (!withCheck.has(container.name) || container.state !== 'running') return container;
      try {
        const result = await podman.client.runHealthCheck(container.name, io.signal === undefined ? {} : { signal: io.signal });
        return { ...container, health: (result.healthy ? 'healthy' : 'unhealthy') as HealthStatus };
      } catch {
        return container;
      }
    }),
  );
  return { ...live.observed, containers };
}

function renderTable(reports: readonly ServiceReport[]): string {
  const rows = [['SERVICE', 'CONTAINER', 'STATE', 'HEALTH', 'CONFIG', 'RESTARTS', 'REVISION']];
  for (const service of reports) {
    for (const c of service.containers) {
      const state = c.state === 'exited' ? `exited (${c.exitCode ?? '?'})` : c.state;
      rows.push([service.service, c.name, state, c.health, c.state === 'missing' ? '-' : c.inSync ? 'in sync' : 'drifted', String(c.restarts), c.revision ?? '-']);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  const summary = reports.map((r) => `${r.service}: ${r.verdict} (${r.runningReplicas}/${r.desiredReplicas} running)`).join(', ');
  return `${lines.join('\n')}\n\n${summary}\n`;
}

/** `phoenix status`: each service, desired vs observed. Exit 0 when converged, 1 otherwise. */
export async function runStatus(options: StatusOptions, io: CliIo): Promise<number> {
  const podman = connectPodman(options, io);
  const live = await loadLiveState(options.env, options, io, podman);
  if (live === null) return EXIT.failure;
  let observed: ObservedState;
  try {
    observed = await checkHealth(live, podman, io);
  } catch (error) {
    reportFailure(io, error);
    return EXIT.failure;
  }
  const reports = reportStatus(live.desired, observed);
  if (options.json === true) io.stdout(`${JSON.stringify({ project: live.desired.project, environment: live.desired.environment, services: reports }, null, 2)}\n`);
  else io.stdout(renderTable(reports));
  return reports.every((r) => r.verdict === 'converged') ? EXIT.ok : EXIT.failure;
}
