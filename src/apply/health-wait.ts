import type { HealthCheckResult } from '../podman/podman-client.js';
import { ExecutionError, toErrorInfo } from './execution-error.js';
import type { WaitContext, WaitTarget } from './wait-context.js';
import { describeTarget, formatMs, pause, quoteOutput, waitTimeout } from './wait-context.js';

/** Health checks run no more often than this during the start period. */
const START_PERIOD_POLL_MS = 1000;

/**
 * Waits until one container's health check passes, running it through Podman ourselves
 * (Podman's own timers need systemd). Docker's rules: during the start period failures do not
 * count and the check runs every min(interval, 1 s); after it, every interval, and `retries`
 * failures in a row make the container unhealthy. The start period is counted from the start
 * of the wait, which the plan orders right after the dependency's own start.
 */
export async function awaitHealthy(context: WaitContext, target: WaitTarget, signal: AbortSignal): Promise<void> {
  const { wait } = target;
  const check = wait.healthcheck;
  if (check === null) {
    throw new ExecutionError(
      'PHX-WAIT-NO-HEALTHCHECK',
      `cannot wait for ${describeTarget(target)} to become healthy (service_healthy): it has no health check.`,
      `Give "${wait.service}" a \`healthcheck:\` with a \`test\`, or wait for service_started instead.`,
    );
  }
  const startedAt = context.now();
  const inStartPeriod = (): boolean => context.now() - startedAt < check.startPeriodMs;
  const retries = Math.max(1, check.retries);
  let failuresInARow = 0;
  for (;;) {
    const counts = !inStartPeriod();
    const result = await runCheck(context, target, signal);
    if (result.healthy) return;
    const lastOutput = result.output;
    if (counts) {
      failuresInARow += 1;
      if (failuresInARow >= retries) {
        throw new ExecutionError(
          'PHX-WAIT-UNHEALTHY',
          `${describeTarget(target)} is unhealthy: its health check failed ${failuresInARow} time${failuresInARow === 1 ? '' : 's'} in a row (every ${formatMs(check.intervalMs)}); last output: ${quoteOutput(lastOutput)}.`,
          `Read the check's output and the logs (\`podman logs ${target.container}\`); fix "${wait.service}" or its healthcheck.`,
        );
      }
    }
    if (context.now() >= target.deadline) {
      const state = failuresInARow > 0 ? `${failuresInARow} health check(s) in a row failed` : 'no health check has passed yet';
      throw waitTimeout(context, target, state, lastOutput);
    }
    const interval = inStartPeriod() ? Math.min(check.intervalMs, START_PERIOD_POLL_MS) : check.intervalMs;
    await pause(context, interval, target.deadline, signal);
  }
}

/** One check; a check Podman cannot run (container gone, stopped, call timed out) counts as failed, with the error as its output. */
async function runCheck(context: WaitContext, target: WaitTarget, signal: AbortSignal): Promise<HealthCheckResult> {
  try {
    return await context.podman.runHealthCheck(target.container, { signal, timeoutMs: Math.max(1, target.deadline - context.now()) });
  } catch (error) {
    signal.throwIfAborted();
    const info = toErrorInfo(error);
    return { healthy: false, output: `${info.code}: ${info.message}` };
  }
}
