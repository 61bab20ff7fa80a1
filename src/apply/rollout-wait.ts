/**
 * `apply --wait`: after a plan ran, waits until every container of every service it touched
 * is healthy (its health check passed, run by Phoenix as for service_healthy) or, without a
 * check, running (a one-shot that exited 0 counts). Returns what each container came to; the
 * CLI reports and exits. It decides nothing about the plan.
 */
import type { DesiredService } from '../model/desired.js';
import type { ErrorInfo } from './execution-error.js';
import { ExecutionError, toErrorInfo } from './execution-error.js';
import { awaitHealthy } from './health-wait.js';
import type { WaitContext, WaitTarget } from './wait-context.js';
import { describeTarget, pause, waitTimeout } from './wait-context.js';

/** One container that did not become ready: its service, its exit code (null while it runs) and why. */
export interface RolloutFailure {
  readonly service: string;
  readonly container: string;
  readonly exitCode: number | null;
  readonly error: ErrorInfo;
}

/** Waits side by side for every container of `services`, each until `context.timeoutMs` from now; the failures, none when all are ready. */
export async function awaitRollout(context: WaitContext, services: readonly DesiredService[], signal: AbortSignal): Promise<RolloutFailure[]> {
  const deadline = context.now() + context.timeoutMs;
  const waits = services.flatMap((service) =>
    service.containerNames.map(async (container): Promise<RolloutFailure | null> => {
      const target: WaitTarget = {
        wait: { service: service.name, containers: service.containerNames, condition: service.spec.healthcheck === null ? 'service_started' : 'service_healthy', required: true, healthcheck: service.spec.healthcheck },
        container,
        deadline,
      };
      try {
        if (service.spec.healthcheck === null) await awaitRunning(context, target, isOneShot(service), signal);
        else await awaitHealthy(context, target, signal);
        return null;
      } catch (error) {
        signal.throwIfAborted();
        const status = await context.podman.containerStatus(container, { signal }).catch(() => null);
        return { service: service.name, container, exitCode: status?.running === false ? status.exitCode : null, error: toErrorInfo(error) };
      }
    }),
  );
  return (await Promise.all(waits)).filter((failure) => failure !== null);
}

function isOneShot(service: DesiredService): boolean {
  return service.spec.restart === 'no' || service.spec.restart === 'on-failure';
}

/**
 * Without a check, a container must be seen running this long (or up to the deadline): one
 * that crashes a second after its start must not pass for a rollout that worked.
 */
export const RUNNING_SETTLE_MS = 2000;

/** Running for RUNNING_SETTLE_MS (or, for a one-shot, exited 0); an exit otherwise fails at once, with its code. */
async function awaitRunning(context: WaitContext, target: WaitTarget, oneShot: boolean, signal: AbortSignal): Promise<void> {
  let runningSince: number | null = null;
  for (;;) {
    const status = await context.podman.containerStatus(target.container, { signal });
    if (status.exists && status.running) {
      runningSince ??= context.now();
      if (context.now() - runningSince >= RUNNING_SETTLE_MS || context.now() >= target.deadline) return;
      await pause(context, context.pollIntervalMs, target.deadline, signal);
      continue;
    }
    runningSince = null;
    const state = status.exists ? status.state.toLowerCase() : 'missing';
    if (state === 'exited' || state === 'stopped' || state === 'dead') {
      if (oneShot && status.exitCode === 0) return;
      throw new ExecutionError(
        'PHX-WAIT-EXITED',
        `${describeTarget(target)} exited with code ${status.exitCode ?? '?'} instead of running.`,
        `Read its logs (\`phoenix logs ${target.wait.service}\`) and fix "${target.wait.service}"; then apply again.`,
      );
    }
    if (context.now() >= target.deadline) throw waitTimeout(context, target, status.exists ? `it is ${state}` : 'it does not exist', null);
    await pause(context, context.pollIntervalMs, target.deadline, signal);
  }
}
