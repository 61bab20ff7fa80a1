/**
 * Carries out restart-policy.ts: listens to the health monitor, feeds the policy what each
 * probe found, waits out the backoff on a timer, restarts a container when the policy says
 * so, and publishes `container.restarted` and, once per trip of the breaker,
 * `service.crash-looping`. It decides nothing itself.
 *
 * Two ways to restart: itself (stop, then start, through Podman), or through the reconciler
 * (it asks for a reconcile, and the planner stops and starts what `decisions().restart`
 * names). Either way `decisions().hold` must reach the planner, or a resync would start a
 * crash-looping or backing-off container behind the policy's back.
 */
import type { DesiredService, DesiredState, HealthPolicy } from '../../model/desired.js';
import type { ContainerRestartStatus } from '../../telemetry/status-document.js';
import { LABEL } from '../../model/desired.js';
import type { ObservedContainer } from '../../model/observed.js';
import type { EventBus } from '../../events/event-bus.js';
import type { EventPayloads } from '../../events/event-types.js';
import type { PodmanClient } from '../../podman/podman-client.js';
import { describeError } from './container-probe.js';
import type { LogEvidence } from './failure-evidence.js';
import type { ContainerHealth } from './container-watch.js';
import type { EnvironmentRef, HealthPublisher } from './health-events.js';
import { healthPublisher } from './health-events.js';
import type { HealthMonitor, HealthReport } from './health-monitor.js';
import type { RestartDecision, RestartInput, RestartState } from './restart-policy.js';
import { decideRestart, describeLastError, initialRestartState, nextRestartState, shouldBeRunning } from './restart-policy.js';
import type { Timers } from './timers.js';
import { systemTimers } from './timers.js';

/** Who performs a restart the policy allows. */
export type RestartActuator =
  /** The driver stops and starts the container itself. */
  | { readonly kind: 'podman'; readonly podman: Pick<PodmanClient, 'stopContainer' | 'startContainer'> }
  /** The driver asks for a reconcile; the watch loop reports the start back with `noteStarted`. */
  | { readonly kind: 'reconcile'; readonly requestReconcile: (reason: string) => void };

/** What the driver is built from. */
export interface RestartDriverOptions {
  readonly actuator: RestartActuator;
  readonly bus: EventBus;
  /** Where failures come from, and who is told of a restart (its start period begins). */
  readonly monitor: Pick<HealthMonitor, 'onReport' | 'noteRestarted'>;
  readonly timers?: Timers;
  readonly newId?: () => string;
  /** Told about each failed restart, with the error in full (the alert only carries its message). */
  readonly onError?: (error: unknown, context: string) => void;
  /** Reads a failing container's last log lines (redacted) for the crash-loop and restart-failed events; none when absent. */
  readonly evidence?: LogEvidence;
  /** Redacts secret values from text an event carries (failure reasons, errors); identity when absent. */
  readonly redact?: (text: string) => string;
}

/**
 * Where one container stands with respect to restarts, for `/status`: defined once, in the
 * status document the browser page type-checks against.
 */
export type RestartStatus = ContainerRestartStatus;

/** What the planner is to do about restarts now (PlanOptions.restart and .hold). */
export interface RestartDecisions {
  /** Running containers to stop and start now (only when restarting through the reconciler). */
  readonly restart: readonly string[];
  /** Services whose stopped containers must stay down: crash-looping, or waiting out a backoff. */
  readonly hold: readonly string[];
}

type Due = Extract<RestartDecision, { kind: 'restart' }>;

/** The events that carry a failing container's evidence. */
type FailureEvent =
  | { readonly kind: 'service.crash-looping'; readonly data: EventPayloads['service.crash-looping'] }
  | { readonly kind: 'container.restart-failed'; readonly data: EventPayloads['container.restart-failed'] };

interface Entry {
  service: DesiredService;
  policy: HealthPolicy;
  state: RestartState;
  /** Whether the container ran at the last report: only a running one is stopped first. */
  running: boolean;
  timer: unknown;
  nextRestartAt: number | null;
  /** A restart the policy allowed that has not happened yet. */
  due: Due | null;
  restarting: boolean;
  /** The exit code of the last failure seen; null when it was a failed health check (or none). */
  exitCode: number | null;
}

/** States in which a container has stopped running (not `created`: a new one the executor is about to start; not `paused`). */
const ENDED_STATES: ReadonlySet<string> = new Set(['exited', 'stopped', 'dead']);

/** Restarts unhealthy and exited containers of one environment, with backoff and a circuit breaker. */
export class RestartDriver {
  private readonly timers: Timers;
  private readonly publish: HealthPublisher;
  private readonly onError: (error: unknown, context: string) => void;
  private readonly entries = new Map<string, Entry>();
  /** Container names by service, in the order first seen: statusOf is asked for every service on every judgement (a scan of all entries each was n² at 1,000 containers). */
  private readonly byService = new Map<string, Set<string>>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly unsubscribe: () => void;
  private environment: EnvironmentRef = { project: '', environment: '' };
  private stopped = false;

  constructor(private readonly options: RestartDriverOptions) {
    this.timers = options.timers ?? systemTimers;
    this.publish = healthPublisher(options.bus, this.timers, options.newId);
    this.onError = options.onError ?? (() => undefined);
    this.unsubscribe = options.monitor.onReport((report) => this.onReport(report));
  }

  /** Takes the desired state: a service whose config hash changed starts with a clean history (the breaker closes). */
  update(desired: DesiredState): void {
    if (this.stopped) return;
    this.environment = { project: desired.project, environment: desired.environment };
    const wanted = new Set<string>();
    for (const service of desired.services) {
      for (const container of service.containerNames) {
        wanted.add(container);
        const entry = this.entries.get(container);
        if (entry === undefined) {
          const state = initialRestartState(service.configHash);
          this.entries.set(container, { service, policy: desired.policy.health, state, running: false, timer: null, nextRestartAt: null, due: null, restarting: false, exitCode: null });
          let names = this.byService.get(service.name);
          if (names === undefined) this.byService.set(service.name, (names = new Set()));
          names.add(container);
          continue;
        }
        const state = nextRestartState(entry.state, { kind: 'manifest', configHash: service.configHash });
        if (state !== entry.state) this.clearTimer(entry);
        Object.assign(entry, { service, policy: desired.policy.health, state, ...(state !== entry.state ? { due: null } : {}) });
      }
    }
    for (const [container, entry] of this.entries) {
      if (wanted.has(container)) continue;
      this.clearTimer(entry);
      this.entries.delete(container);
      const names = this.byService.get(entry.service.name);
      names?.delete(container);
      if (names?.size === 0) this.byService.delete(entry.service.name);
    }
  }

  /** What the planner must do about restarts right now. */
  decisions(): RestartDecisions {
    const restart: string[] = [];
    const hold = new Set<string>();
    for (const [container, entry] of this.entries) {
      if (entry.due !== null && entry.running && this.options.actuator.kind === 'reconcile') restart.push(container);
      if (entry.state.crashLooping || (!entry.running && entry.nextRestartAt !== null)) hold.add(entry.service.name);
    }
    return { restart, hold: [...hold].sort() };
  }

  /**
   * Tells the driver what a reconcile has just observed, before the planner asks for
   * `decisions()`. A container found ended (exited, stopped, dead) that should run counts as
   * failing from now, and the policy decides at once (wait: the service is held; restart;
   * crash-looping).
   *
   * Fix (found by test/integration/watch-health.test.ts): without this, the reconcile that
   * Podman's `died` event triggers started the container before the health monitor's next
   * probe (up to 10 s later without a check) told the driver it had failed, so a crash-looping
   * container was restarted on every `died` event, with no backoff, and those restarts never
   * counted towards the breaker (noteStarted ignores a start of a container it thought fine).
   */
  noteObserved(containers: readonly ObservedContainer[]): void {
    if (this.stopped) return;
    const at = this.timers.now();
    for (const container of containers) {
      const entry = this.entries.get(container.name);
      if (entry === undefined || entry.restarting) continue;
      // Out of date: the planner recreates it, which is no restart.
      if (container.labels[LABEL.configHash] !== entry.service.configHash) continue;
      if (!ENDED_STATES.has(container.state) || !shouldBeRunning(entry.service.spec, container.exitCode)) continue;
      entry.running = false;
      entry.exitCode = container.exitCode;
      entry.state = nextRestartState(entry.state, { kind: 'failing', at, reason: `${container.state}${container.exitCode === null ? '' : ` with code ${container.exitCode}`}` });
      this.evaluate(container.name, entry);
    }
  }

  /**
   * Tells the driver that a container was started by someone else (the reconciler). When it
   * was failing, the start counts as a restart: backoff and breaker go on from it. `error`
   * when the start failed.
   */
  noteStarted(container: string, error?: unknown): void {
    const entry = this.entries.get(container);
    if (entry === undefined || this.stopped || (entry.state.failure === null && entry.due === null)) return;
    const recent = entry.state.restarts.filter((at) => at > this.timers.now() - entry.policy.windowMs).length;
    const due: Due = entry.due ?? { kind: 'restart', attempt: recent + 1, backoffMs: 0, reason: entry.state.failure?.reason ?? 'failing' };
    this.restarted(container, entry, due, error);
  }

  /** Each container of a service, with its restart standing. */
  statusOf(service: string): readonly RestartStatus[] {
    const now = this.timers.now();
    return [...(this.byService.get(service) ?? [])]
      .flatMap((container) => {
        const entry = this.entries.get(container);
        return entry === undefined ? [] : [[container, entry] as const];
      })
      .map(([container, entry]) => ({
        service,
        container,
        crashLooping: entry.state.crashLooping,
        restartsInWindow: entry.state.restarts.filter((at) => at > now - entry.policy.windowMs).length,
        nextRestartAt: entry.nextRestartAt,
        lastError: describeLastError(entry.state),
      }));
  }

  /** True when any container of the service is crash-looping (restarts stopped). */
  isCrashLooping(service: string): boolean {
    return this.statusOf(service).some((status) => status.crashLooping);
  }

  /** Stops listening, clears the timers, cancels a restart in flight and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    for (const entry of this.entries.values()) this.clearTimer(entry);
    this.abort.abort(new Error('restart driver stopped'));
    await Promise.allSettled([...this.inFlight]);
  }

  private onReport(report: HealthReport): void {
    const entry = this.entries.get(report.health.container);
    if (entry === undefined || this.stopped) return;
    const input = inputFor(entry.service, report.health, report.at);
    entry.running = report.health.condition !== 'not-running' && report.health.condition !== 'missing';
    if (input !== null) entry.state = nextRestartState(entry.state, input);
    if (input?.kind === 'failing') entry.exitCode = report.health.condition === 'unhealthy' ? null : report.health.exitCode;
    this.evaluate(report.health.container, entry);
  }

  private evaluate(container: string, entry: Entry): void {
    if (entry.restarting || this.stopped) return;
    const now = this.timers.now();
    const { state, decision } = decideRestart(entry.policy, entry.state, now);
    entry.state = state;
    this.clearTimer(entry);
    const wasDue = entry.due !== null;
    entry.due = decision.kind === 'restart' ? decision : null;
    if (decision.kind === 'wait') {
      entry.nextRestartAt = decision.until;
      entry.timer = this.timers.setTimeout(() => {
        entry.timer = null;
        if (this.entries.get(container) === entry) this.evaluate(container, entry);
      }, decision.until - now);
    } else if (decision.kind === 'restart') {
      if (this.options.actuator.kind === 'reconcile') {
        if (!wasDue) this.options.actuator.requestReconcile(`restart ${container} (attempt ${decision.attempt}): ${decision.reason}`);
      } else {
        const restart = this.restartThroughPodman(this.options.actuator.podman, container, entry, decision);
        this.inFlight.add(restart);
        void restart.finally(() => this.inFlight.delete(restart));
      }
    } else if (decision.kind === 'crash-looping' && decision.tripped) {
      const { restarts, windowMs } = decision;
      const lastError = this.redact(`${container}: ${decision.lastError}`);
      this.withEvidence(container, entry, (exitCode, logLines) => ({ kind: 'service.crash-looping', data: { restarts, windowMs, lastError, container, exitCode, logLines } }));
    }
  }

  private redact(text: string): string {
    return this.options.redact === undefined ? text : this.options.redact(text);
  }

  /**
   * Publishes a failure event once the container's last log lines are read (at once when
   * there is no evidence reader). The exit code is taken now, before the read: a restart
   * meanwhile must not make the event describe the next run.
   */
  private withEvidence(container: string, entry: Entry, make: (exitCode: number | null, logLines: readonly string[]) => FailureEvent): void {
    const exitCode = entry.exitCode;
    const environment = this.environment;
    const service = entry.service.name;
    const send = (logLines: readonly string[]): void => {
      const event = make(exitCode, logLines);
      if (event.kind === 'service.crash-looping') this.publish(event.kind, environment, service, event.data);
      else this.publish(event.kind, environment, service, event.data);
    };
    if (this.options.evidence === undefined) return send([]);
    const read = this.options.evidence(container).then(send, () => send([]));
    this.inFlight.add(read);
    void read.finally(() => this.inFlight.delete(read));
  }

  private async restartThroughPodman(podman: Pick<PodmanClient, 'stopContainer' | 'startContainer'>, container: string, entry: Entry, due: Due): Promise<void> {
    entry.restarting = true;
    const signal = this.abort.signal;
    let failure: unknown = undefined;
    try {
      if (entry.running) await podman.stopContainer(container, entry.service.spec.stopGracePeriodSeconds, { signal });
      await podman.startContainer(container, { signal });
    } catch (error) {
      failure = error;
    } finally {
      entry.restarting = false;
    }
    if (this.stopped || this.entries.get(container) !== entry) return;
    this.restarted(container, entry, due, failure);
  }

  /** Records a restart (a failed one counts too: the breaker opens on repeated failures, and the alert says why). */
  private restarted(container: string, entry: Entry, due: Due, error: unknown): void {
    const input: RestartInput = error === undefined ? { kind: 'restarted', at: this.timers.now() } : { kind: 'restarted', at: this.timers.now(), error: describeError(error) };
    entry.state = nextRestartState(entry.state, input);
    entry.due = null;
    this.clearTimer(entry);
    if (error !== undefined) {
      this.onError(error, `restarting ${container} of service "${entry.service.name}"`);
      const message = this.redact(describeError(error));
      this.withEvidence(container, entry, (exitCode, logLines) => ({ kind: 'container.restart-failed', data: { container, attempt: due.attempt, error: message, exitCode, logLines } }));
      return;
    }
    entry.running = true;
    this.options.monitor.noteRestarted(container);
    this.publish('container.restarted', this.environment, entry.service.name, { container, reason: due.reason, attempt: due.attempt, backoffMs: due.backoffMs });
  }

  private clearTimer(entry: Entry): void {
    if (entry.timer !== null) this.timers.clearTimeout(entry.timer);
    entry.timer = null;
    entry.nextRestartAt = null;
  }
}

/** What a probe's finding means to the policy; null when it means nothing (starting, missing, a finished one-shot). */
function inputFor(service: DesiredService, health: ContainerHealth, at: number): RestartInput | null {
  switch (health.condition) {
    case 'unhealthy':
      return { kind: 'failing', at, reason: `unhealthy: its health check failed ${health.failingStreak} times in a row; last output: ${oneLine(health.output ?? '')}` };
    case 'not-running':
      if (!ENDED_STATES.has(health.state ?? '') || !shouldBeRunning(service.spec, health.exitCode)) return null;
      return { kind: 'failing', at, reason: `${health.state ?? 'exited'}${health.exitCode === null ? '' : ` with code ${health.exitCode}`}` };
    case 'healthy':
    case 'running':
      return { kind: 'recovered', at };
    case 'starting':
    case 'missing':
    case 'unknown':
      return null;
  }
}

function oneLine(output: string): string {
  const line = output.replace(/\s+/g, ' ').trim();
  return JSON.stringify(line.length > 300 ? `${line.slice(0, 300)}…` : line);
}
