/**
 * What the monitor knows of one container, and what a probe's finding does to it: pure, so
 * that the monitor is left with scheduling and Podman.
 */
import type { HealthCheckSpec } from '../../model/desired.js';
import type { ContainerHealthStatus } from '../../telemetry/status-document.js';
import type { ProbeOutcome } from './container-probe.js';
import type { HealthState } from './health-state.js';
import { healthTransition, initialHealthState, nextHealthState } from './health-state.js';

/** What the monitor last knew of a container. `unknown` until its first probe. */
export type ContainerCondition = ContainerHealthStatus['condition'];

/**
 * One container's health as `/status` shows it. Defined once, in the status document (which
 * the browser page type-checks against and so imports nothing), and named here for the monitor.
 */
export type ContainerHealth = ContainerHealthStatus;

/** The changing part of a watched container. */
export interface WatchState {
  /** Null while the container does not run (or has not been probed). */
  readonly health: HealthState | null;
  readonly condition: ContainerCondition;
  readonly state: string | null;
  readonly exitCode: number | null;
  readonly probeError: string | null;
  /** The start time Podman reported, for when the next probe finds the container running. */
  readonly observedStart: number | null;
}

/** A container nothing is known of yet. */
export const UNKNOWN_WATCH: WatchState = { health: null, condition: 'unknown', state: null, exitCode: null, probeError: null, observedStart: null };

/** A container that has just been (re)started at `at`. */
export function startedWatch(check: HealthCheckSpec | null, at: number): WatchState {
  return { ...UNKNOWN_WATCH, health: initialHealthState(at), condition: check === null ? 'running' : 'starting' };
}

/** The watch after a probe that began at `at` found `outcome`, and the health change it made. */
export function applyOutcome(check: HealthCheckSpec | null, watch: WatchState, outcome: ProbeOutcome, at: number): { readonly watch: WatchState; readonly transition: 'became-healthy' | 'became-unhealthy' | null } {
  if (outcome.kind === 'missing') return { watch: { ...UNKNOWN_WATCH, condition: 'missing', state: 'missing' }, transition: null };
  if (outcome.kind === 'not-running') return { watch: { ...UNKNOWN_WATCH, condition: 'not-running', state: outcome.state, exitCode: outcome.exitCode }, transition: null };
  // Found running after it was not: it started since the last probe. Count from what Podman said, else from now (later, never earlier).
  const before = watch.health ?? initialHealthState(watch.observedStart ?? at);
  const running: WatchState = { ...UNKNOWN_WATCH, health: before, condition: check === null ? 'running' : before.status };
  if (outcome.kind === 'running' || check === null) return { watch: { ...running, condition: 'running' }, transition: null };
  const after = nextHealthState(check, before, { at, healthy: outcome.healthy, output: outcome.output });
  return { watch: { ...running, health: after, condition: after.status }, transition: healthTransition(before, after) };
}

/** The `/status` view of a watched container. */
export function describeWatch(service: string, container: string, check: HealthCheckSpec | null, watch: WatchState): ContainerHealth {
  return {
    service,
    container,
    condition: watch.condition,
    hasHealthCheck: check !== null,
    output: watch.health?.lastOutput ?? null,
    failingStreak: watch.health?.failingStreak ?? 0,
    lastCheckAt: watch.health?.lastCheckAt ?? null,
    startedAt: watch.health?.startedAt ?? null,
    state: watch.state,
    exitCode: watch.exitCode,
    probeError: watch.probeError,
  };
}
