import type { ContainerStatus } from '../podman/podman-client.js';
import type { Action, DependencyWait } from '../plan/actions.js';
import { allOrFirstFailure } from './all-or-first-failure.js';
import type { ExecutionEvent } from './events.js';
import { ExecutionError, toErrorInfo } from './execution-error.js';
import { awaitHealthy } from './health-wait.js';
import type { WaitContext, WaitTarget } from './wait-context.js';
import { describeTarget, pause, waitTimeout } from './wait-context.js';

type StartAction = Extract<Action, { kind: 'container.start' }>;

/**
 * Waits, side by side, until every dependency of a start meets its condition. A required
 * wait that fails aborts the others and fails the start; one with `required: false` only
 * emits `wait.warning`. Each wait has its own deadline, `context.timeoutMs` after it began.
 */
export async function awaitDependencies(
  action: StartAction,
  context: WaitContext,
  emit: (event: ExecutionEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  await allOrFirstFailure(
    signal,
    action.awaits.map((wait) => async (waitSignal: AbortSignal) => {
      const { service, containers, condition } = wait;
      emit({ type: 'wait.waiting', action, service, containers, condition });
      try {
        await awaitDependency(context, wait, waitSignal);
      } catch (error) {
        if (waitSignal.aborted || wait.required) throw error;
        emit({ type: 'wait.warning', action, service, containers, condition, error: toErrorInfo(error) });
      }
    }),
  );
}

/** Waits until every container of one dependency meets the condition. */
async function awaitDependency(context: WaitContext, wait: DependencyWait, signal: AbortSignal): Promise<void> {
  const deadline = context.now() + context.timeoutMs;
  await allOrFirstFailure(
    signal,
    wait.containers.map((container) => (containerSignal: AbortSignal) => {
      const target: WaitTarget = { wait, container, deadline };
      switch (wait.condition) {
        case 'service_started':
          return awaitStarted(context, target, containerSignal);
        case 'service_healthy':
          return awaitHealthy(context, target, containerSignal);
        case 'service_completed_successfully':
          return awaitCompleted(context, target, containerSignal);
        default: {
          const unknown: never = wait.condition;
          throw new Error(`unknown dependency condition ${String(unknown)}`);
        }
      }
    }),
  );
}

/** States of a container that has been started at some point (an exited one counts: it ran). */
const STARTED_STATES = new Set(['running', 'paused', 'restarting', 'exited', 'stopped']);
/** States of a container that ran and is not running any more. */
const FINISHED_STATES = new Set(['exited', 'stopped']);

function describeState(status: ContainerStatus): string {
  if (!status.exists) return 'it does not exist';
  return `it is ${status.state}${status.exitCode === null || status.running ? '' : ` (exit code ${status.exitCode})`}`;
}

/** service_started: the container exists and is running, or has run. */
async function awaitStarted(context: WaitContext, target: WaitTarget, signal: AbortSignal): Promise<void> {
  for (;;) {
    const status = await context.podman.containerStatus(target.container, { signal });
    if (status.exists && (status.running || STARTED_STATES.has(status.state.toLowerCase()))) return;
    if (context.now() >= target.deadline) throw waitTimeout(context, target, describeState(status), null);
    await pause(context, context.pollIntervalMs, target.deadline, signal);
  }
}

/** service_completed_successfully: the container ran to its end, with exit code 0. */
async function awaitCompleted(context: WaitContext, target: WaitTarget, signal: AbortSignal): Promise<void> {
  for (;;) {
    const status = await context.podman.containerStatus(target.container, { signal });
    if (status.exists && !status.running && FINISHED_STATES.has(status.state.toLowerCase())) {
      if (status.exitCode === 0) return;
      const code = status.exitCode === null ? 'an unknown exit code' : `exit code ${status.exitCode}`;
      throw new ExecutionError(
        'PHX-WAIT-EXIT-CODE',
        `${describeTarget(target)} finished with ${code}; service_completed_successfully needs exit code 0.`,
        `Read its logs (\`podman logs ${target.container}\`), fix what made "${target.wait.service}" fail, and apply again.`,
      );
    }
    if (context.now() >= target.deadline) throw waitTimeout(context, target, describeState(status), null);
    await pause(context, context.pollIntervalMs, target.deadline, signal);
  }
}
