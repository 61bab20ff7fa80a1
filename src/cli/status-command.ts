import type { LiveState } from './live-plan.js';
import { loadLiveState, reportFailure } from './live-plan.js';
import type { EnvironmentOptions } from './environment-loading.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { connectPodman } from './podman-wiring.js';
import type { PodmanConnection } from './podman-wiring.js';
import { reportStatus } from '../plan/status.js';
import { podmanMode } from '../podman/podman-info.js';
import { resolveStateDir } from '../state/digest-key.js';
import { currentLockHolder } from '../state/environment-lock.js';
import type { ServiceReport, StatusReport } from '../plan/status.js';
import type { CheckedHealth, HealthEvidence, VerdictKind } from '../plan/verdict.js';
import type { UnknownSecretVersion } from '../plan/secret-versions.js';

/** `phoenix status` exits with its environment's verdict, so that a script can gate on it (docs/cli.md). */
export const VERDICT_EXIT: Readonly<Record<VerdictKind, number>> = { converged: EXIT.ok, progressing: 2, degraded: 3, failed: 4 };

export interface StatusOptions extends EnvironmentOptions {
  readonly env: string;
  readonly json?: boolean;
}

/**
 * Podman's own health timers need systemd, so the stored health of a running container may
 * never move past "starting": status runs each running container's check once, now.
 */
export async function checkHealth(live: LiveState, podman: PodmanConnection, io: CliIo): Promise<HealthEvidence> {
  const withCheck = new Set(live.desired.services.filter((s) => s.spec.healthcheck !== null).flatMap((s) => s.containerNames));
  const checked = await Promise.all(
    live.observed.containers.map(async (container): Promise<[string, CheckedHealth] | null> => {
      if (!withCheck.has(container.name) || container.state !== 'running') return null;
      try {
        const result = await podman.client.runHealthCheck(container.name, io.signal === undefined ? {} : { signal: io.signal });
        return [container.name, { status: result.healthy ? 'healthy' : 'unhealthy', output: result.output }];
      } catch {
        // Podman's stored health stands in for a check that could not run.
        return null;
      }
    }),
  );
  return { containers: Object.fromEntries(checked.filter((entry) => entry !== null)) };
}

function describeService(r: ServiceReport): string {
  const why = r.reason !== null ? ` — ${r.reason}: ${r.detail}` : r.stoppedSince !== undefined ? ` — stopped with phoenix stop since ${r.stoppedSince} (phoenix start resumes it)` : '';
  return `${r.service}: ${r.verdict} (${r.runningReplicas}/${r.desiredReplicas} running)${why}`;
}

/** Where an unread value would come from, in words (names only, never a value). */
function sourceWords(source: UnknownSecretVersion['source']): string {
  if (source === null) return 'it has no source';
  if (source.kind === 'environment') return `the variable ${source.variable} is not set`;
  if (source.kind === 'file') return `its file is not readable here`;
  if (source.kind === 'age' || source.kind === 'sops') return 'its encrypted file or age key is not readable here';
  return 'it is not read here';
}

/**
 * Why status did not report drift for a secret it could not read: the comparison took the
 * version Podman runs, so a changed value is for `phoenix plan`, which reads it, to show.
 */
export function describeUnknownSecret(unknown: UnknownSecretVersion): string {
  const what = `${unknown.config ? 'config' : 'secret'} "${unknown.name}"`;
  const taken = unknown.takenAs === null ? 'Podman has no version of it either' : `compared as the version Podman runs, ${unknown.takenAs} (phoenix plan, which reads the value, shows whether it changed)`;
  return `note: ${what} was not read (${sourceWords(unknown.source)}): ${taken}.`;
}

function renderTable(report: StatusReport, unknownSecrets: readonly UnknownSecretVersion[]): string {
  const reports = report.services;
  const rows = [['SERVICE', 'CONTAINER', 'STATE', 'HEALTH', 'CONFIG', 'RESTARTS', 'REVISION']];
  for (const service of reports) {
    for (const c of service.containers) {
      const state = c.state === 'exited' ? `exited (${c.exitCode ?? '?'})` : c.state;
      rows.push([service.service, c.name, state, c.health, c.state === 'missing' ? '-' : c.inSync ? 'in sync' : 'drifted', String(c.restarts), c.revision ?? '-']);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  const summary = reports.map(describeService).join('\n');
  const notes = unknownSecrets.map((u) => `${describeUnknownSecret(u)}\n`).join('');
  return `${lines.join('\n')}\n\n${summary}\n\n${notes === '' ? '' : `${notes}\n`}environment: ${report.verdict}\n`;
}

/** A running `phoenix watch` of the environment: its status page's address and its pid. */
export interface LiveWatch {
  readonly url: string;
  readonly pid: number;
}

/**
 * The status page of the watch that holds the environment's lock, when one does (the lock's
 * holder says where it serves); null when none runs. Never waits for the lock.
 */
async function liveWatch(stateDir: string, project: string, environment: string): Promise<LiveWatch | null> {
  try {
    const holder = await currentLockHolder(stateDir, project, environment);
    return holder?.command === 'watch' && holder.telemetryUrl !== undefined ? { url: `${holder.telemetryUrl}/`, pid: holder.pid } : null;
  } catch {
    // A state directory that cannot be read: status still reports what runs.
    return null;
  }
}

/**
 * `phoenix status`: each service, desired vs observed, and its verdict. Exits with VERDICT_EXIT
 * of the environment's verdict (0 only when converged), 1 when it could not tell.
 */
export async function runStatus(options: StatusOptions, io: CliIo): Promise<number> {
  const podman = connectPodman(options, io);
  // Status needs no secret values: one that cannot be read is taken as the version Podman runs.
  const live = await loadLiveState(options.env, options, io, podman, true, 'if-available');
  if (live === null) return EXIT.failure;
  let evidence: HealthEvidence;
  try {
    evidence = await checkHealth(live, podman, io);
  } catch (error) {
    reportFailure(io, error);
    return EXIT.failure;
  }
  const report = reportStatus(live.desired, live.observed, evidence);
  const unknownSecrets = live.unknownSecrets ?? [];
  const page = await liveWatch(resolveStateDir(options.stateDir, io.env), live.desired.project, live.desired.environment);
  // Rootless or rootful: what a user must know to read ports, limits and volumes' owners right.
  const mode = podmanMode();
  if (options.json === true) {
    const unread = unknownSecrets.length === 0 ? {} : { unreadSecrets: unknownSecrets.map((u) => ({ name: u.name, config: u.config, comparedAs: u.takenAs })) };
    io.stdout(`${JSON.stringify({ project: live.desired.project, environment: live.desired.environment, podman: mode, verdict: report.verdict, services: report.services, ...unread, live: page }, null, 2)}\n`);
  } else io.stdout(`${renderTable(report, unknownSecrets)}podman: ${mode}\n${page === null ? '' : `live: ${page.url} (phoenix watch, pid ${page.pid})\n`}`);
  return VERDICT_EXIT[report.verdict];
}
