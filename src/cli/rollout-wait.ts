/**
 * `apply --wait`: once the plan ran, waits for the services it touched to become healthy
 * (src/apply/rollout-wait.ts) and reports each one that did not, with its exit code and its
 * last log lines (redacted against the environment's secret values).
 */
import { systemClock } from '../apply/execute.js';
import { DEFAULT_WAIT_TIMEOUT_MS } from '../apply/execute.js';
import { awaitRollout } from '../apply/rollout-wait.js';
import type { RolloutFailure } from '../apply/rollout-wait.js';
import { logEvidence } from '../controller/health/failure-evidence.js';
import type { DesiredState } from '../model/desired.js';
import type { Plan } from '../plan/actions.js';
import { touchedServices } from '../plan/touched-services.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import type { PodmanConnection } from './podman-wiring.js';
import { secretRedactorFor } from './secret-redaction.js';

/** How a rollout wait ended: the exit code, and each container that did not become ready (null when nothing was waited for). */
export interface RolloutOutcome {
  readonly code: number;
  readonly failures: readonly RolloutFailure[] | null;
}

/** Waits for the touched services; EXIT.ok when all became ready, else EXIT.failure after naming each that did not. */
export async function waitForRollout(
  desired: DesiredState,
  plans: readonly Plan[],
  timeoutMs: number | undefined,
  podman: PodmanConnection,
  io: CliIo,
  /** Services stopped with `phoenix stop`: the plans keep them down, so there is no health to wait for. */
  stopped: Readonly<Record<string, string>> = {},
): Promise<RolloutOutcome> {
  const services = touchedServices(desired, plans, stopped);
  if (services.length === 0) return { code: EXIT.ok, failures: null };
  const timeout = timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  io.stderr(`Waiting up to ${Math.round(timeout / 1000)} s for ${services.map((s) => s.name).join(', ')} to become healthy...\n`);
  const signal = io.signal ?? new AbortController().signal;
  const failures = await awaitRollout({ podman: podman.client, sleep: systemClock.sleep, now: systemClock.now, timeoutMs: timeout, pollIntervalMs: 250 }, services, signal);
  if (failures.length === 0) {
    io.stderr(`Healthy: ${services.map((s) => s.name).join(', ')}.\n`);
    return { code: EXIT.ok, failures };
  }
  const lastLines = logEvidence(podman.inspector, await secretRedactorFor(desired, io));
  for (const failure of failures) {
    const exit = failure.exitCode === null ? 'still running' : `exit code ${failure.exitCode}`;
    const lines = await lastLines(failure.container);
    const log = lines.length === 0 ? '  (no log lines)\n' : lines.map((line) => `  | ${line}\n`).join('');
    io.stderr(`phoenix: service "${failure.service}" did not become healthy (${failure.container}, ${exit}): ${failure.error.code} ${failure.error.message}\n${failure.error.remediation}\nlast log lines of ${failure.container}:\n${log}`);
  }
  return { code: EXIT.failure, failures };
}
