import type { PublishedPort } from '../model/observed.js';
import type { PsRow } from '../plan/ps-report.js';
import { psRows } from '../plan/ps-report.js';
import type { HealthEvidence } from '../plan/verdict.js';
import type { EnvironmentOptions } from './environment-loading.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { observeLiveState, reportFailure } from './live-plan.js';
import { connectPodman } from './podman-wiring.js';
import { checkHealth } from './status-command.js';
import { loadWithoutSecretValues } from './verb-support.js';

export interface PsOptions extends EnvironmentOptions {
  readonly env: string;
  readonly json?: boolean;
}

/** `0.0.0.0:8080->80/tcp`, or a range `0.0.0.0:8000-8001->80-81/tcp`, as docker compose ps prints them. */
export function formatPort(port: PublishedPort): string {
  const span = (first: number): string => (port.range > 1 ? `${first}-${first + port.range - 1}` : String(first));
  const host = port.hostIp === '' ? '0.0.0.0' : port.hostIp.includes(':') ? `[${port.hostIp}]` : port.hostIp;
  return `${host}:${span(port.hostPort)}->${span(port.containerPort)}/${port.protocol}`;
}

/** Seconds a container has been up; null when it is not running. */
export function uptimeSeconds(row: PsRow, nowMs: number): number | null {
  if (row.state !== 'running' || row.startedAt === null) return null;
  return Math.max(0, Math.floor((nowMs - Date.parse(row.startedAt)) / 1000));
}

/** Seconds as a person reads an uptime, coarsely: `45s`, `12m`, `3h5m`, `2d4h`. */
export function formatUptime(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h${minutes % 60 === 0 ? '' : `${minutes % 60}m`}`;
  const days = Math.floor(hours / 24);
  return `${days}d${hours % 24 === 0 ? '' : `${hours % 24}h`}`;
}

function renderTable(rows: readonly PsRow[], nowMs: number): string {
  const table = [['CONTAINER', 'SERVICE', 'REPLICA', 'STATE', 'HEALTH', 'UPTIME', 'RESTARTS', 'PORTS', 'IMAGE']];
  for (const row of rows) {
    const exited = row.state === 'exited' ? `exited (${row.exitCode ?? '?'})` : row.state;
    const state = row.stoppedSince === undefined ? exited : row.state === 'running' ? `${exited}, marked stopped (apply stops it)` : `${exited}, by phoenix stop`;
    const uptime = uptimeSeconds(row, nowMs);
    table.push([row.container, row.service, String(row.replica), state, row.health === 'none' ? '-' : row.health, uptime === null ? '-' : formatUptime(uptime), String(row.restarts), row.ports.map(formatPort).join(', ') || '-', row.image]);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return `${table.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n`;
}

/**
 * `phoenix ps`: one line per container of the environment (replicas and one-off jobs) with
 * its state, health (checked now, as status does), uptime, restarts, published ports and
 * image. Reads no secret value. Exits 0 when Podman answered, 1 otherwise.
 */
export async function runPs(options: PsOptions, io: CliIo): Promise<number> {
  const desired = loadWithoutSecretValues(options.env, options, io);
  if (desired === null) return EXIT.failure;
  const podman = connectPodman(options, io);
  const live = await observeLiveState(desired, options, io, podman, true);
  if (live === null) return EXIT.failure;
  let evidence: HealthEvidence;
  try {
    evidence = await checkHealth(live, podman, io);
  } catch (error) {
    reportFailure(io, error);
    return EXIT.failure;
  }
  const rows = psRows(live.desired, live.observed, evidence);
  const nowMs = Date.now();
  if (options.json === true) {
    const containers = rows.map((row) => ({ ...row, uptimeSeconds: uptimeSeconds(row, nowMs) }));
    io.stdout(`${JSON.stringify({ project: desired.project, environment: desired.environment, containers }, null, 2)}\n`);
  } else if (rows.length === 0) {
    io.stdout(`No containers of ${desired.project}/${desired.environment} exist (phoenix apply --env ${options.env} creates them).\n`);
  } else {
    io.stdout(renderTable(rows, nowMs));
  }
  return EXIT.ok;
}
