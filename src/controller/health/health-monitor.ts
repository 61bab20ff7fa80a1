/**
 * Watch mode's health monitor: runs every desired container's health check itself, on the
 * check's own interval (Podman schedules checks with systemd timers, which many hosts lack),
 * keeps each container's health with the pure state machine of health-state.ts, publishes
 * `container.unhealthy` / `container.healthy` when it changes, and tells its listeners (the
 * restart driver) what every probe found. Containers without a check are only watched for
 * running or not, all of them with one container list per status interval (a sweep).
 *
 * Fix (issue 13, 1,000 containers): each container without a check was looked at with its own
 * state request every 10 s: 100 requests a second to Podman's API service at 1,000 containers,
 * while nothing happened. One list answers for all of them.
 */
import { setMaxListeners } from 'node:events';
import type { DesiredState, HealthCheckSpec } from '../../model/desired.js';
import type { ObservedContainer } from '../../model/observed.js';
import type { EventBus } from '../../events/event-bus.js';
import type { PodmanClient } from '../../podman/podman-client.js';
import type { ProbeOutcome } from './container-probe.js';
import { describeError, probeContainer } from './container-probe.js';
import type { ContainerHealth, WatchState } from './container-watch.js';
import { UNKNOWN_WATCH, applyOutcome, describeWatch, startedWatch } from './container-watch.js';
import type { EnvironmentRef, HealthPublisher } from './health-events.js';
import { healthPublisher } from './health-events.js';
import { initialHealthState, nextCheckDelay } from './health-state.js';
import type { Timers } from './timers.js';
import { systemTimers } from './timers.js';

export type { ContainerCondition, ContainerHealth } from './container-watch.js';

/** What each probe found, for listeners. */
export interface HealthReport {
  readonly environment: EnvironmentRef;
  readonly health: ContainerHealth;
  /** When the probe started (epoch ms). */
  readonly at: number;
}

/** Receives every probe's findings; must not throw (a throwing listener is reported and skipped). */
export type HealthListener = (report: HealthReport) => void;

/** What the monitor is built from; everything but Podman and the bus has a default. */
export interface HealthMonitorOptions {
  readonly podman: Pick<PodmanClient, 'runHealthCheck' | 'containerStatus' | 'observe'>;
  readonly bus: EventBus;
  readonly timers?: Timers;
  /** Event ids; random UUIDs by default. */
  readonly newId?: () => string;
  /** How often a container without a check, or not running, is looked at (default 10 s). */
  readonly statusIntervalMs?: number;
  /** Told about failures that have nowhere else to go (Podman unreachable, a throwing listener). */
  readonly onError?: (error: unknown, context: string) => void;
}

const DEFAULT_STATUS_INTERVAL_MS = 10_000;
/** Podman's start time and the monitor's idea of it may differ by this much and be the same start. */
const SAME_START_MS = 1000;

interface Watch {
  readonly service: string;
  readonly container: string;
  readonly check: HealthCheckSpec | null;
  readonly configHash: string;
  current: WatchState;
  timer: unknown;
  /** Bumped whenever the watch is reset or paused; a probe that began under an older one is dropped. */
  generation: number;
}

/** Runs health checks for one environment's desired services; see the file comment. */
export class HealthMonitor {
  private readonly timers: Timers;
  private readonly publish: HealthPublisher;
  private readonly statusIntervalMs: number;
  private readonly onError: (error: unknown, context: string) => void;
  private readonly listeners = new Set<HealthListener>();
  private readonly watches = new Map<string, Watch>();
  /** Container names by service, in replica order: statusOf is asked for every service on every judgement. */
  private readonly byService = new Map<string, Set<string>>();
  /** The next sweep of the containers without a check, and when it is due. */
  private sweepTimer: unknown = null;
  private sweepDueAt = Infinity;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private environment: EnvironmentRef = { project: '', environment: '' };
  private pauses = 0;
  private stopped = false;

  constructor(private readonly options: HealthMonitorOptions) {
    this.timers = options.timers ?? systemTimers;
    this.publish = healthPublisher(options.bus, this.timers, options.newId);
    this.statusIntervalMs = options.statusIntervalMs ?? DEFAULT_STATUS_INTERVAL_MS;
    this.onError = options.onError ?? (() => undefined);
    // Every probe in flight listens to this one signal, about three listeners per podman call
    // (the resilience wrapper, cockatiel, the process runner), all removed when the call ends:
    // a handful of containers probed at once passed Node's default of 10 and printed a
    // MaxListenersExceededWarning that looked like a leak (it is not: RSS stays flat).
    setMaxListeners(0, this.abort.signal);
  }

  /**
   * Watches the containers of `desired` (the first call starts the monitor). A container whose
   * service keeps its config hash and check keeps its health; a new or changed one starts
   * afresh, its start time taken from Podman. Resolves once the new ones are scheduled.
   */
  async update(desired: DesiredState): Promise<void> {
    if (this.stopped) return;
    this.environment = { project: desired.project, environment: desired.environment };
    const fresh: Watch[] = [];
    const wanted = new Set<string>();
    for (const service of desired.services) {
      const check = service.spec.healthcheck;
      for (const container of service.containerNames) {
        wanted.add(container);
        const existing = this.watches.get(container);
        if (existing !== undefined && existing.service === service.name && existing.configHash === service.configHash && JSON.stringify(existing.check) === JSON.stringify(check)) continue;
        if (existing !== undefined) this.cancel(existing);
        // Kept in the order the containers were first watched, as the watches map keeps them.
        if (existing !== undefined && existing.service !== service.name) this.byService.get(existing.service)?.delete(container);
        const watch: Watch = { service: service.name, container, check, configHash: service.configHash, current: UNKNOWN_WATCH, timer: null, generation: 0 };
        this.watches.set(container, watch);
        let names = this.byService.get(service.name);
        if (names === undefined) this.byService.set(service.name, (names = new Set()));
        names.add(container);
        fresh.push(watch);
      }
    }
    for (const [container, watch] of this.watches) {
      if (wanted.has(container)) continue;
      this.cancel(watch);
      this.watches.delete(container);
      const names = this.byService.get(watch.service);
      names?.delete(container);
      if (names?.size === 0) this.byService.delete(watch.service);
    }
    await this.learnStartTimes(fresh);
    this.scheduleNow(fresh);
  }

  /** The health of one service's containers, in replica order. */
  statusOf(service: string): readonly ContainerHealth[] {
    return [...(this.byService.get(service) ?? [])].flatMap((name) => {
      const watch = this.watches.get(name);
      return watch === undefined ? [] : [describe(watch)];
    });
  }

  /** The health of every watched container. */
  snapshot(): readonly ContainerHealth[] {
    return [...this.watches.values()].map(describe);
  }

  /** Adds a listener for every probe's findings; returns the function that removes it. */
  onReport(listener: HealthListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * Tells the monitor that the container was just (re)started by Phoenix: its health starts
   * afresh (the start period counts from now) and a probe in flight is disregarded.
   */
  noteRestarted(container: string): void {
    const watch = this.watches.get(container);
    if (watch === undefined || this.stopped) return;
    this.cancel(watch);
    const now = this.timers.now();
    watch.current = startedWatch(watch.check, now);
    if (this.pauses === 0) this.schedule(watch, watch.check === null ? this.statusIntervalMs : nextCheckDelay(watch.check, now, now));
  }

  /**
   * Stops probing until the returned function is called (say, while an apply recreates and
   * restarts containers, which the monitor must not take for failures). On the last resume
   * start times are learnt again from Podman and every container is probed at once.
   */
  pause(): () => Promise<void> {
    this.pauses += 1;
    if (this.pauses === 1) {
      for (const watch of this.watches.values()) this.cancel(watch);
      this.cancelSweep();
    }
    let resumed = false;
    return async () => {
      if (resumed) return;
      resumed = true;
      this.pauses -= 1;
      if (this.pauses > 0 || this.stopped) return;
      const watches = [...this.watches.values()];
      await this.learnStartTimes(watches);
      this.scheduleNow(watches);
    };
  }

  /** Stops every timer, cancels the probes in flight and waits for them to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const watch of this.watches.values()) this.cancel(watch);
    this.cancelSweep();
    this.abort.abort(new Error('health monitor stopped'));
    await Promise.allSettled([...this.inFlight]);
  }

  private cancel(watch: Watch): void {
    watch.generation += 1;
    if (watch.timer !== null) this.timers.clearTimeout(watch.timer);
    watch.timer = null;
  }

  private scheduleNow(watches: readonly Watch[]): void {
    if (this.pauses > 0) return;
    for (const watch of watches) if (this.watches.get(watch.container) === watch) this.schedule(watch, 0);
  }

  private schedule(watch: Watch, delayMs: number): void {
    if (this.stopped) return;
    if (watch.timer !== null) this.timers.clearTimeout(watch.timer);
    watch.timer = null;
    if (watch.check === null) {
      this.scheduleSweep(delayMs);
      return;
    }
    watch.timer = this.timers.setTimeout(() => {
      watch.timer = null;
      const probe = this.probe(watch);
      this.inFlight.add(probe);
      void probe.finally(() => this.inFlight.delete(probe));
    }, delayMs);
  }

  private cancelSweep(): void {
    if (this.sweepTimer !== null) this.timers.clearTimeout(this.sweepTimer);
    this.sweepTimer = null;
    this.sweepDueAt = Infinity;
  }

  /** A sweep of the containers without a check in `delayMs`, unless one is due sooner. */
  private scheduleSweep(delayMs: number): void {
    if (this.stopped) return;
    const dueAt = this.timers.now() + delayMs;
    if (this.sweepTimer !== null && this.sweepDueAt <= dueAt) return;
    this.cancelSweep();
    this.sweepDueAt = dueAt;
    this.sweepTimer = this.timers.setTimeout(() => {
      this.sweepTimer = null;
      this.sweepDueAt = Infinity;
      const sweep = this.sweep();
      this.inFlight.add(sweep);
      void sweep.finally(() => this.inFlight.delete(sweep));
    }, delayMs);
  }

  /**
   * Looks at every container without a check with one list: each is running, not running or
   * missing, as its own state request would have said, and is then handled as a probe's outcome.
   */
  private async sweep(): Promise<void> {
    const watches = [...this.watches.values()].filter((watch) => watch.check === null);
    if (watches.length === 0) return;
    const generations = watches.map((watch) => watch.generation);
    const at = this.timers.now();
    let byName: Map<string, ObservedContainer>;
    try {
      const observed = await this.options.podman.observe(this.environment.project, [], { signal: this.abort.signal });
      byName = new Map(observed.containers.map((c) => [c.name, c]));
    } catch (error) {
      if (this.stopped) return;
      // Podman could not be asked: nothing is known, so nothing changes (as for a probe).
      watches.forEach((watch, i) => {
        if (generations[i] === watch.generation) watch.current = { ...watch.current, probeError: describeError(error) };
      });
      this.onError(error, 'looking at the containers without a health check');
      if (this.pauses === 0) this.scheduleSweep(this.statusIntervalMs);
      return;
    }
    watches.forEach((watch, i) => {
      if (this.stopped || generations[i] !== watch.generation || this.watches.get(watch.container) !== watch) return;
      const found = byName.get(watch.container);
      const outcome: ProbeOutcome = found === undefined ? { kind: 'missing' } : found.state === 'running' ? { kind: 'running' } : { kind: 'not-running', state: found.state, exitCode: found.exitCode };
      this.settle(watch, outcome, at);
    });
    if (this.pauses === 0) this.scheduleSweep(this.statusIntervalMs);
  }

  /** One `podman ps` for the start times of running containers, so that start periods count from the real start. */
  private async learnStartTimes(watches: readonly Watch[]): Promise<void> {
    if (watches.length === 0) return;
    try {
      const observed = await this.options.podman.observe(this.environment.project, [], { signal: this.abort.signal });
      const byName = new Map(observed.containers.map((c) => [c.name, c]));
      for (const watch of watches) {
        const found = byName.get(watch.container);
        const start = found?.state === 'running' && found.startedAt !== null ? Date.parse(found.startedAt) : NaN;
        if (Number.isNaN(start)) continue;
        const health = watch.current.health;
        if (health === null) watch.current = { ...watch.current, observedStart: start };
        // Started again behind the monitor's back (an apply, `phoenix restart`): a new start period.
        else if (Math.abs(health.startedAt - start) > SAME_START_MS) watch.current = { ...watch.current, health: initialHealthState(start), condition: watch.check === null ? 'running' : 'starting' };
      }
    } catch (error) {
      // Without start times each start period counts from the first probe: later, never earlier.
      if (!this.stopped) this.onError(error, 'learning container start times');
    }
  }

  private async probe(watch: Watch): Promise<void> {
    const generation = watch.generation;
    const at = this.timers.now();
    let outcome: ProbeOutcome;
    try {
      outcome = await probeContainer(this.options.podman, watch.container, watch.check, watch.current.health !== null, this.abort.signal);
    } catch (error) {
      if (this.stopped || generation !== watch.generation) return;
      // Podman could not be asked: nothing is known, so nothing changes (no restart storm while Podman is down).
      watch.current = { ...watch.current, probeError: describeError(error) };
      this.onError(error, `probing ${watch.container}`);
      this.schedule(watch, this.nextDelay(watch, at));
      return;
    }
    if (this.stopped || generation !== watch.generation) return;
    this.settle(watch, outcome, at);
    this.schedule(watch, this.nextDelay(watch, this.timers.now()));
  }

  /** A probe's (or a sweep's) outcome: the watch's new state, its events, the listeners told. */
  private settle(watch: Watch, outcome: ProbeOutcome, at: number): void {
    const { watch: next, transition } = applyOutcome(watch.check, watch.current, outcome, at);
    watch.current = next;
    const { container, service } = watch;
    if (transition === 'became-unhealthy') this.publish('container.unhealthy', this.environment, service, { container, output: next.health?.lastOutput ?? '', failures: next.health?.failingStreak ?? 0 });
    if (transition === 'became-healthy') this.publish('container.healthy', this.environment, service, { container });
    this.tell({ environment: this.environment, health: describe(watch), at });
  }

  private nextDelay(watch: Watch, now: number): number {
    const health = watch.current.health;
    return watch.check !== null && health !== null ? nextCheckDelay(watch.check, health.startedAt, now) : this.statusIntervalMs;
  }

  private tell(report: HealthReport): void {
    for (const listener of this.listeners) {
      try {
        listener(report);
      } catch (error) {
        this.onError(error, `a health listener, on ${report.health.container}`);
      }
    }
  }
}

function describe(watch: Watch): ContainerHealth {
  return describeWatch(watch.service, watch.container, watch.check, watch.current);
}
