import type { PodmanClient } from '../podman/podman-client.js';
import type { DependencyWait } from '../plan/actions.js';
import { ExecutionError } from './execution-error.js';

/** What a dependency wait needs: the door to Podman, a clock, and its limits. */
export interface WaitContext {
  readonly podman: PodmanClient;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly now: () => number;
  /** How long one dependency may take to meet its condition. */
  readonly timeoutMs: number;
  /** How often container states are polled (service_started, service_completed_successfully). */
  readonly pollIntervalMs: number;
}

/** One container of a dependency, with the time by which it must meet the condition. */
export interface WaitTarget {
  readonly wait: DependencyWait;
  readonly container: string;
  /** In `now()` time. */
  readonly deadline: number;
}

/**
 * Sleeps `ms`, but never past the deadline, so that the last poll happens right at it; throws
 * the abort reason when the signal fired (whatever the injected sleep did about it).
 */
export async function pause(context: WaitContext, ms: number, deadline: number, signal: AbortSignal): Promise<void> {
  const wait = Math.max(0, Math.min(Math.max(1, ms), deadline - context.now()));
  signal.throwIfAborted();
  await context.sleep(wait, signal);
  signal.throwIfAborted();
}

const CONDITION_GOAL: Record<DependencyWait['condition'], string> = {
  service_started: 'to start',
  service_healthy: 'to become healthy',
  service_completed_successfully: 'to complete successfully',
};

/** `container X of service "s"`: how every wait message names what it waited for. */
export function describeTarget(target: WaitTarget): string {
  return `container ${target.container} of service "${target.wait.service}"`;
}

/** Milliseconds as a person reads them: `500 ms`, `1.5 s`, `120 s`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/** Quotes output for a message, on one line and at most 500 characters. */
export function quoteOutput(output: string): string {
  const oneLine = output.replace(/\s+/g, ' ').trim();
  const clipped = oneLine.length > 500 ? `${oneLine.slice(0, 500)}…` : oneLine;
  return JSON.stringify(clipped);
}

/** PHX-WAIT-TIMEOUT naming the service, the container, the condition, where it stood, and the last check output. */
export function waitTimeout(context: WaitContext, target: WaitTarget, state: string, lastOutput: string | null): ExecutionError {
  const { wait } = target;
  const output = lastOutput === null ? '' : `; last health check output: ${quoteOutput(lastOutput)}`;
  return new ExecutionError(
    'PHX-WAIT-TIMEOUT',
    `timed out after ${formatMs(context.timeoutMs)} waiting for ${describeTarget(target)} ${CONDITION_GOAL[wait.condition]} (${wait.condition}); ${state}${output}.`,
    `Check why "${wait.service}" is not ready (\`podman logs ${target.container}\`); give it more time with a longer wait timeout, or make the dependency \`required: false\`.`,
  );
}
