/**
 * Resource thresholds as a pure state machine per container and metric. A value over the
 * limit must stay over for `sustainedMs` before an alert; once alerting, it must fall below a
 * lower clear level (the limit less a hysteresis margin) and stay there as long before the
 * alert resolves, so that a value hovering around the limit alerts once, not every sample.
 */

import type { ThresholdPolicy } from '../../model/desired.js';

/** The limits that apply to one service's containers; a null limit is not watched. */
export interface ServiceThresholds {
  /** CPU, 100 being one full core. */
  readonly cpuPercent: number | null;
  readonly memoryBytes: number | null;
  /** How long a value must stay over the limit before an alert (and under the clear level before it resolves). */
  readonly sustainedMs: number;
}

/**
 * The environment's thresholds for one service: its own overrides over the environment-wide
 * limits (an override of null switches a limit off); null when nothing is watched.
 */
export function thresholdsFor(policy: ThresholdPolicy, service: string): ServiceThresholds | null {
  const override = policy.services[service] ?? {};
  const cpuPercent = override.cpuPercent !== undefined ? override.cpuPercent : policy.cpuPercent;
  const memoryBytes = override.memoryBytes !== undefined ? override.memoryBytes : policy.memoryBytes;
  return cpuPercent === null && memoryBytes === null ? null : { cpuPercent, memoryBytes, sustainedMs: policy.sustainedMs };
}

/** The metrics thresholds apply to. */
export type ThresholdMetric = 'cpu' | 'memory';

/** `ok`, over the limit but not yet long enough (`rising`), `alerting`, or under the clear level but not yet long enough (`falling`). */
export type ThresholdPhase = 'ok' | 'rising' | 'alerting' | 'falling';

/** Where one metric of one container stands. */
export interface ThresholdState {
  readonly phase: ThresholdPhase;
  /** When the current rise or fall began (epoch ms); null when ok or steadily alerting. */
  readonly since: number | null;
  /** When the alert was raised; null unless alerting or falling. */
  readonly alertedAt: number | null;
  /** The last value seen; null before the first sample. */
  readonly lastValue: number | null;
}

/** A metric's value at a time. */
export interface MetricSample {
  readonly at: number;
  readonly value: number;
}

/** Default hysteresis: an alert resolves once the value is 10% under the limit. */
export const DEFAULT_HYSTERESIS = 0.1;

/** A metric nothing is known of. */
export const OK_THRESHOLD: ThresholdState = { phase: 'ok', since: null, alertedAt: null, lastValue: null };

/** The level a value must fall below for an alert to resolve. */
export function clearLevel(limit: number, hysteresis: number = DEFAULT_HYSTERESIS): number {
  return limit * (1 - Math.min(1, Math.max(0, hysteresis)));
}

/** The state after one sample, and whether it raised or resolved an alert. */
export function nextThresholdState(
  limit: number,
  sustainedMs: number,
  state: ThresholdState,
  sample: MetricSample,
  hysteresis: number = DEFAULT_HYSTERESIS,
): { readonly state: ThresholdState; readonly change: 'alert' | 'resolved' | null } {
  const over = sample.value > limit;
  const clear = sample.value < clearLevel(limit, hysteresis);
  const lastValue = sample.value;
  switch (state.phase) {
    case 'ok':
    case 'rising': {
      if (!over) return { state: { ...OK_THRESHOLD, lastValue }, change: null };
      const since = state.since ?? sample.at;
      if (sample.at - since >= sustainedMs) return { state: { phase: 'alerting', since: null, alertedAt: sample.at, lastValue }, change: 'alert' };
      return { state: { ...state, phase: 'rising', since, lastValue }, change: null };
    }
    case 'alerting':
    case 'falling': {
      if (!clear) return { state: { ...state, phase: 'alerting', since: null, lastValue }, change: null };
      const since = state.since ?? sample.at;
      if (sample.at - since >= sustainedMs) return { state: { ...OK_THRESHOLD, lastValue }, change: 'resolved' };
      return { state: { ...state, phase: 'falling', since, lastValue }, change: null };
    }
  }
}

/**
 * CPU percent (100 = one core) between two samples of cumulative CPU time; null when it
 * cannot be told (no earlier sample, no time passed, or the counter went back: a restart).
 */
export function cpuPercentBetween(previous: { readonly at: number; readonly cpuTimeNs: number } | null, current: { readonly at: number; readonly cpuTimeNs: number }): number | null {
  if (previous === null) return null;
  const elapsedMs = current.at - previous.at;
  const usedNs = current.cpuTimeNs - previous.cpuTimeNs;
  if (elapsedMs <= 0 || usedNs < 0) return null;
  return (usedNs / (elapsedMs * 1e6)) * 100;
}
