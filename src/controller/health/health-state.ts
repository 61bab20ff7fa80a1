/**
 * The health of one container as a pure state machine over its check results, with Podman
 * 4.3's rules (libpod/healthcheck.go): a check that fails within `start_period` of the
 * container's start does not count; after it, `retries` failures in a row make the container
 * unhealthy; any success makes it healthy and resets the count. No clock, no I/O: the
 * monitor feeds it results with their times.
 */
import type { HealthCheckSpec } from '../../model/desired.js';

/** Where a container's health stands. */
export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** The part of a health check spec the state machine reads. */
export type HealthRules = Pick<HealthCheckSpec, 'retries' | 'startPeriodMs'>;

/** One check run: when it ran (epoch ms), whether it passed, and what it printed. */
export interface CheckResult {
  readonly at: number;
  readonly healthy: boolean;
  readonly output: string;
}

/** The state of one container's health since its last start. */
export interface HealthState {
  readonly status: HealthStatus;
  /** When the container started (epoch ms): the start period counts from here. */
  readonly startedAt: number;
  /** Failures in a row that counted (none within the start period). */
  readonly failingStreak: number;
  /** The last check's output; null before the first check. */
  readonly lastOutput: string | null;
  readonly lastCheckAt: number | null;
}

/** Docker's default interval, for a spec that gives none. */
const DEFAULT_INTERVAL_MS = 30_000;

/** `retries` below 1 means one failure is enough, as in Podman. */
export function effectiveRetries(rules: HealthRules): number {
  return Math.max(1, Math.floor(rules.retries));
}

/** The state of a container that has just started: `starting`, nothing checked yet. */
export function initialHealthState(startedAt: number): HealthState {
  return { status: 'starting', startedAt, failingStreak: 0, lastOutput: null, lastCheckAt: null };
}

/** True while `at` is within the start period of a container started at `startedAt`. */
export function inStartPeriod(rules: Pick<HealthCheckSpec, 'startPeriodMs'>, startedAt: number, at: number): boolean {
  return at - startedAt < rules.startPeriodMs;
}

/** The state after one more check result. */
export function nextHealthState(rules: HealthRules, state: HealthState, result: CheckResult): HealthState {
  const seen = { lastOutput: result.output, lastCheckAt: result.at };
  if (result.healthy) return { ...state, ...seen, status: 'healthy', failingStreak: 0 };
  // Within the start period a failure neither counts nor changes the status (Podman 4.3).
  if (inStartPeriod(rules, state.startedAt, result.at)) return { ...state, ...seen };
  const failingStreak = state.failingStreak + 1;
  const status = failingStreak >= effectiveRetries(rules) ? 'unhealthy' : state.status;
  return { ...state, ...seen, status, failingStreak };
}

/** The state after a whole sequence of results, in order, from a start at `startedAt`. */
export function foldHealth(rules: HealthRules, startedAt: number, results: readonly CheckResult[]): HealthState {
  return results.reduce((state, result) => nextHealthState(rules, state, result), initialHealthState(startedAt));
}

/** The change of status a result made, for the events the monitor publishes; null when none. */
export function healthTransition(before: HealthState, after: HealthState): 'became-healthy' | 'became-unhealthy' | null {
  if (before.status === after.status) return null;
  if (after.status === 'healthy') return 'became-healthy';
  if (after.status === 'unhealthy') return 'became-unhealthy';
  return null;
}

/**
 * How long until the next check: the start interval while the start period lasts (Docker's
 * `start_interval`, never longer than the interval), the interval after it.
 */
export function nextCheckDelay(spec: Pick<HealthCheckSpec, 'intervalMs' | 'startIntervalMs' | 'startPeriodMs'>, startedAt: number, now: number): number {
  const interval = spec.intervalMs > 0 ? spec.intervalMs : DEFAULT_INTERVAL_MS;
  if (!inStartPeriod(spec, startedAt, now) || spec.startIntervalMs <= 0) return interval;
  return Math.min(interval, spec.startIntervalMs);
}
