/**
 * Watch mode's resource thresholds: samples CPU and memory of every container whose service
 * has a limit in the environment's `policy.thresholds`, with one `podman stats` a round, and
 * publishes `threshold.alert` (with a recommendation) when a value stays over its limit for
 * the sustained period, and `threshold.resolved` when it has stayed clearly under it as long
 * (threshold-state.ts). CPU is measured between two rounds from the CPU time Podman reports,
 * so the first round only sets the baseline.
 */
import type { DesiredService, DesiredState } from '../../model/desired.js';
import type { EventBus } from '../../events/event-bus.js';
import type { StatsSource } from '../../podman/podman-stats.js';
import type { EnvironmentRef, HealthPublisher } from './health-events.js';
import { healthPublisher } from './health-events.js';
import { thresholdRecommendation } from './threshold-recommendation.js';
import type { ServiceThresholds, ThresholdMetric, ThresholdPhase, ThresholdState } from './threshold-state.js';
import { DEFAULT_HYSTERESIS, OK_THRESHOLD, cpuPercentBetween, nextThresholdState, thresholdsFor } from './threshold-state.js';
import type { Timers } from './timers.js';
import { systemTimers } from './timers.js';

/** What the monitor is built from. */
export interface ThresholdMonitorOptions {
  readonly stats: StatsSource;
  readonly bus: EventBus;
  readonly timers?: Timers;
  readonly newId?: () => string;
  /** Time between samples (default 15 s). */
  readonly intervalMs?: number;
  /** How far under the limit (a fraction of it) a value must fall to resolve an alert (default 0.1). */
  readonly hysteresis?: number;
  /** Told when a round of sampling fails (Podman unreachable). */
  readonly onError?: (error: unknown, context: string) => void;
}

/** One metric of one container, for `/status`. */
export interface ThresholdStatus {
  readonly service: string;
  readonly container: string;
  readonly metric: ThresholdMetric;
  readonly phase: ThresholdPhase;
  readonly limit: number;
  /** The last value sampled (CPU in percent of one core, memory in bytes); null before the first. */
  readonly value: number | null;
  readonly alertedAt: number | null;
}

interface Target {
  readonly service: DesiredService;
  readonly limits: ServiceThresholds;
}

const DEFAULT_INTERVAL_MS = 15_000;
const METRICS: readonly ThresholdMetric[] = ['cpu', 'memory'];

function limitOf(limits: ServiceThresholds, metric: ThresholdMetric): number | null {
  return metric === 'cpu' ? limits.cpuPercent : limits.memoryBytes;
}

/** Samples resource usage of one environment's containers and alerts on sustained crossings. */
export class ThresholdMonitor {
  private readonly timers: Timers;
  private readonly publish: HealthPublisher;
  private readonly intervalMs: number;
  private readonly hysteresis: number;
  private readonly onError: (error: unknown, context: string) => void;
  private readonly targets = new Map<string, Target>();
  private readonly states = new Map<string, ThresholdState>();
  private readonly cpuBefore = new Map<string, { at: number; cpuTimeNs: number }>();
  private readonly abort = new AbortController();
  private environment: EnvironmentRef = { project: '', environment: '' };
  private timer: unknown = null;
  private round: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: ThresholdMonitorOptions) {
    this.timers = options.timers ?? systemTimers;
    this.publish = healthPublisher(options.bus, this.timers, options.newId);
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.hysteresis = options.hysteresis ?? DEFAULT_HYSTERESIS;
    this.onError = options.onError ?? (() => undefined);
  }

  /**
   * Takes the desired state, its `policy.thresholds` included (the first call starts
   * sampling). An alert whose container or limit is gone is resolved.
   */
  update(desired: DesiredState): void {
    if (this.stopped) return;
    this.environment = { project: desired.project, environment: desired.environment };
    const before = new Map(this.targets);
    this.targets.clear();
    for (const service of desired.services) {
      const limits = thresholdsFor(desired.policy.thresholds, service.name);
      if (limits === null) continue;
      for (const container of service.containerNames) this.targets.set(container, { service, limits });
    }
    for (const [key, state] of this.states) {
      const [container = '', metric = 'cpu'] = key.split('\0') as [string, ThresholdMetric];
      const target = this.targets.get(container);
      if (target !== undefined && limitOf(target.limits, metric) !== null) continue;
      this.states.delete(key);
      const previous = before.get(container);
      if (previous === undefined || (state.phase !== 'alerting' && state.phase !== 'falling')) continue;
      const limit = limitOf(previous.limits, metric) ?? 0;
      this.publish('threshold.resolved', this.environment, previous.service.name, { container, metric, value: state.lastValue ?? 0, limit });
    }
    for (const container of this.cpuBefore.keys()) if (!this.targets.has(container)) this.cpuBefore.delete(container);
    if (this.timer === null && this.round === null) this.schedule(0);
  }

  /** Samples every container once, now (the timer calls this; so may a test or `/status`). */
  async sample(): Promise<void> {
    const names = [...this.targets.keys()];
    if (names.length === 0 || this.stopped) return;
    const at = this.timers.now();
    const stats = await this.options.stats.stats(names, { signal: this.abort.signal, timeoutMs: Math.max(this.intervalMs, 5000) });
    if (this.stopped) return;
    for (const entry of stats) {
      const target = this.targets.get(entry.name);
      if (target === undefined) continue;
      let cpu: number | null = entry.cpuPercent;
      if (entry.cpuTimeNs !== null) {
        cpu = cpuPercentBetween(this.cpuBefore.get(entry.name) ?? null, { at, cpuTimeNs: entry.cpuTimeNs });
        this.cpuBefore.set(entry.name, { at, cpuTimeNs: entry.cpuTimeNs });
      }
      if (cpu !== null) this.step(target, entry.name, 'cpu', cpu, at);
      this.step(target, entry.name, 'memory', entry.memoryBytes, at);
    }
  }

  /** Each thresholded metric of a service's containers. */
  statusOf(service: string): readonly ThresholdStatus[] {
    const result: ThresholdStatus[] = [];
    for (const [container, target] of this.targets) {
      if (target.service.name !== service) continue;
      for (const metric of METRICS) {
        const limit = limitOf(target.limits, metric);
        if (limit === null) continue;
        const state = this.states.get(`${container}\0${metric}`) ?? OK_THRESHOLD;
        result.push({ service, container, metric, phase: state.phase, limit, value: state.lastValue, alertedAt: state.alertedAt });
      }
    }
    return result;
  }

  /** Stops sampling and waits for a round in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort(new Error('threshold monitor stopped'));
    await this.round?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.round = this.sample()
        .catch((error: unknown) => {
          if (!this.stopped) this.onError(error, 'sampling container resource usage');
        })
        .finally(() => {
          this.round = null;
          this.schedule(this.intervalMs);
        });
    }, delayMs);
  }

  private step(target: Target, container: string, metric: ThresholdMetric, value: number, at: number): void {
    const limit = limitOf(target.limits, metric);
    if (limit === null) return;
    const key = `${container}\0${metric}`;
    const { sustainedMs } = target.limits;
    const { state, change } = nextThresholdState(limit, sustainedMs, this.states.get(key) ?? OK_THRESHOLD, { at, value }, this.hysteresis);
    this.states.set(key, state);
    const service = target.service.name;
    if (change === 'resolved') this.publish('threshold.resolved', this.environment, service, { container, metric, value, limit });
    if (change === 'alert') {
      const { memoryBytes, cpus } = target.service.spec;
      const recommendation = thresholdRecommendation({ container, metric, value, limit, sustainedMs, memoryLimitBytes: memoryBytes, cpus });
      this.publish('threshold.alert', this.environment, service, { container, metric, value, limit, sustainedMs, recommendation });
    }
  }
}
