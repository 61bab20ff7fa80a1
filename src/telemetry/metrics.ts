/**
 * Every Prometheus metric Phoenix exports, declared here and nowhere else, on a registry of
 * its own (controller-runtime's metrics.go is the model). Callers record through the typed
 * methods of `Metrics` and never spell a metric or label name, so a typo cannot create a
 * series that no dashboard queries.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HealthStatus } from '../model/observed.js';
import type { PhoenixEvent } from '../events/event-types.js';
import type { VerdictKind } from '../plan/verdict.js';
import { VERDICTS } from '../plan/verdict.js';

/** How a reconcile ended, as the `result` label. */
export type ReconcileResult = 'succeeded' | 'failed';
/** How an action ended, as the `outcome` label. */
export type ActionOutcome = 'succeeded' | 'failed';

/**
 * The values of `phoenix_health_status`: 1 healthy, 0 unhealthy, -1 starting or unknown
 * (also a container without a health check). One gauge instead of one series per state
 * keeps `phoenix_health_status == 0` the whole alerting rule.
 */
export const HEALTH_VALUE: Readonly<Record<HealthStatus | 'unknown', 1 | 0 | -1>> = {
  healthy: 1,
  unhealthy: 0,
  starting: -1,
  none: -1,
  unknown: -1,
};

/** Options of the metrics module. */
export interface MetricsOptions {
  /** Registry to declare on (default: a new one, so tests and embedders never collide). */
  readonly registry?: Registry;
  /** Also export prom-client's process metrics: RSS, CPU, heap, event loop (default true). */
  readonly processMetrics?: boolean;
  /** Environments whose series exist at 0 from the start, so `rate()` sees the first one. */
  readonly environments?: readonly string[];
}

/** Used when an event names no service: an empty label value would read as "no label". */
const UNKNOWN_SERVICE = 'unknown';

/** One service's verdict, for phoenix_service_verdict. */
export interface VerdictSample {
  readonly environment: string;
  readonly service: string;
  readonly verdict: VerdictKind;
}

/** Actions after which a container's last health no longer describes the container of that name. */
const CONTAINER_REPLACING_ACTIONS: ReadonlySet<string> = new Set(['container.create', 'container.recreate', 'container.remove']);

/** Phoenix's metrics: declared and registered once, at start-up, by the constructor. */
export class Metrics {
  /** The registry to serve on /metrics. */
  readonly registry: Registry;

  private readonly reconciles: Counter<'environment' | 'result'>;
  private readonly reconcileDuration: Histogram<'environment'>;
  private readonly queueDepth: Gauge;
  private readonly actions: Counter<'environment' | 'kind' | 'outcome'>;
  private readonly restarts: Counter<'environment' | 'service'>;
  private readonly health: Gauge<'environment' | 'service' | 'container'>;
  private readonly driftEvents: Counter<'environment'>;
  private readonly lastSuccess: Gauge<'environment'>;
  private readonly eventsDropped: Counter<'sink'>;
  private readonly crashLooping: Gauge<'environment' | 'service'>;
  private readonly verdict: Gauge<'environment' | 'service' | 'verdict'>;
  private readonly securityEvents: Counter<'environment' | 'type' | 'code'>;
  private readonly thresholdAlerting: Gauge<'environment' | 'service' | 'container' | 'metric'>;
  private verdictSource: () => readonly VerdictSample[] = () => [];

  /** Declares every metric on the registry (and the process metrics unless turned off). */
  constructor(options: MetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    const registers = [this.registry];
    this.reconciles = new Counter({ name: 'phoenix_reconciles_total', help: 'Reconciles finished, by environment and result (succeeded, failed).', labelNames: ['environment', 'result'], registers });
    this.reconcileDuration = new Histogram({
      name: 'phoenix_reconcile_duration_seconds',
      help: 'Time from observing Podman to the end of the last action of a reconcile.',
      labelNames: ['environment'],
      // From a no-op reconcile (tens of ms) to a cold start pulling images (minutes).
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.queueDepth = new Gauge({ name: 'phoenix_queue_depth', help: 'Environments waiting in the work queue for a reconcile.', registers });
    this.actions = new Counter({ name: 'phoenix_actions_total', help: 'Plan actions executed, by environment, kind and outcome (succeeded, failed).', labelNames: ['environment', 'kind', 'outcome'], registers });
    this.restarts = new Counter({ name: 'phoenix_restarts_total', help: 'Containers restarted by Phoenix, by environment and service.', labelNames: ['environment', 'service'], registers });
    this.health = new Gauge({ name: 'phoenix_health_status', help: 'Container health: 1 healthy, 0 unhealthy, -1 starting or unknown.', labelNames: ['environment', 'service', 'container'], registers });
    this.driftEvents = new Counter({ name: 'phoenix_drift_events_total', help: 'Times Podman was found to differ from the manifests.', labelNames: ['environment'], registers });
    this.lastSuccess = new Gauge({ name: 'phoenix_last_successful_reconcile_timestamp_seconds', help: 'Unix time of the last reconcile that succeeded.', labelNames: ['environment'], registers });
    this.eventsDropped = new Counter({ name: 'phoenix_events_dropped_total', help: 'Events an event sink dropped instead of delivering, by sink.', labelNames: ['sink'], registers });
    this.securityEvents = new Counter({
      name: 'phoenix_security_events_total',
      help: 'Security events: elevated settings denied or granted by the policy, and containers found with privileges their manifest does not give (type denied, granted, drift; code the PHX-POLICY code).',
      labelNames: ['environment', 'type', 'code'],
      registers,
    });
    // A gauge, not a counter of alerts: `== 1` is the whole rule, and it falls back to 0 on threshold.resolved.
    this.thresholdAlerting = new Gauge({
      name: 'phoenix_threshold_alerting',
      help: "1 while a container's CPU or memory has stayed over its policy.thresholds limit (threshold.alert), 0 once resolved (threshold.resolved); metric cpu or memory.",
      labelNames: ['environment', 'service', 'container', 'metric'],
      registers,
    });
    this.crashLooping = new Gauge({ name: 'phoenix_crash_looping', help: '1 while a service is crash-looping (restarts paused), else 0.', labelNames: ['environment', 'service'], registers });
    this.verdict = new Gauge({
      name: 'phoenix_service_verdict',
      help: "1 for the service's verdict now (converged, progressing, degraded, failed), 0 for the others.",
      labelNames: ['environment', 'service', 'verdict'],
      registers,
      // Read at each scrape from the one verdict function: health changes between reconciles.
      collect: () => this.collectVerdicts(),
    });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    for (const environment of options.environments ?? []) this.initEnvironment(environment);
  }

  /** The Content-Type of `render()`'s text (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for /metrics. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Creates an environment's counters at 0, so that their first increase is visible. */
  initEnvironment(environment: string): void {
    for (const result of ['succeeded', 'failed'] as const) this.reconciles.inc({ environment, result }, 0);
    this.driftEvents.inc({ environment }, 0);
  }

  /** A reconcile ended; a success also moves the last-success timestamp to `at`. */
  recordReconcile(environment: string, result: ReconcileResult, durationSeconds: number, at: Date = new Date()): void {
    this.reconciles.inc({ environment, result });
    this.reconcileDuration.observe({ environment }, durationSeconds);
    if (result === 'succeeded') this.lastSuccess.set({ environment }, at.getTime() / 1000);
  }

  /** The number of environments waiting in the work queue now. */
  setQueueDepth(depth: number): void {
    this.queueDepth.set(depth);
  }

  /** One plan action ended (`kind` is the action's kind, e.g. `recreate`). */
  recordAction(environment: string, kind: string, outcome: ActionOutcome): void {
    this.actions.inc({ environment, kind, outcome });
  }

  /** Phoenix restarted a container of the service. */
  recordRestart(environment: string, service: string): void {
    this.restarts.inc({ environment, service });
  }

  /** A container's health now (see HEALTH_VALUE for the numbers). */
  setHealth(environment: string, service: string, container: string, status: HealthStatus | 'unknown'): void {
    this.health.set({ environment, service, container }, HEALTH_VALUE[status]);
  }

  /** The container is gone: its health series goes too, instead of showing a stale value. */
  forgetContainer(environment: string, service: string, container: string): void {
    this.health.remove({ environment, service, container });
  }

  /** Drift was detected in the environment. */
  recordDrift(environment: string): void {
    this.driftEvents.inc({ environment });
  }

  /** A sink dropped an event (`sink`: 'webhook', 'jsonl', …). */
  recordEventDropped(sink: string): void {
    this.eventsDropped.inc({ sink });
  }

  /** Whether the service is crash-looping; the controller sets false once it recovers. */
  setCrashLooping(environment: string, service: string, crashLooping: boolean): void {
    this.crashLooping.set({ environment, service }, crashLooping ? 1 : 0);
  }

  /** Where phoenix_service_verdict reads each service's verdict at scrape time (the controller's /status model). */
  readVerdictsFrom(source: () => readonly VerdictSample[]): void {
    this.verdictSource = source;
  }

  private collectVerdicts(): void {
    this.verdict.reset();
    for (const { environment, service, verdict } of this.verdictSource()) {
      for (const kind of VERDICTS) this.verdict.set({ environment, service, verdict: kind }, kind === verdict ? 1 : 0);
    }
  }

  /**
   * Updates the metrics that an event fully describes: reconcile.succeeded/failed,
   * action.succeeded/failed, container.restarted, drift.detected, service.crash-looping
   * (sets it; nothing in the events says it ended), container.healthy/unhealthy (and a
   * container's create, recreate or removal forgets its health),
   * security.denied/granted/drift, threshold.alert/resolved. Other
   * kinds are ignored. Subscribe it on the bus, or call it from the publisher.
   */
  observeEvent(event: PhoenixEvent): void {
    const { environment } = event;
    const service = event.subject ?? UNKNOWN_SERVICE;
    switch (event.type) {
      case 'io.phoenix.reconcile.succeeded':
        // The event's own time, not the clock's: replayed or delayed events stay truthful.
        this.recordReconcile(environment, 'succeeded', event.data.durationMs / 1000, new Date(event.time));
        break;
      case 'io.phoenix.reconcile.failed':
        this.recordReconcile(environment, 'failed', event.data.durationMs / 1000);
        break;
      case 'io.phoenix.action.succeeded':
        this.recordAction(environment, event.data.kind, 'succeeded');
        // A removed container's health series goes with it; a created or recreated one has
        // not been judged yet. Either way the old value would be a stale answer.
        if (CONTAINER_REPLACING_ACTIONS.has(event.data.kind)) this.forgetContainer(environment, service, event.data.resource);
        break;
      case 'io.phoenix.action.failed':
        this.recordAction(environment, event.data.kind, 'failed');
        break;
      case 'io.phoenix.container.restarted':
        this.recordRestart(environment, service);
        break;
      case 'io.phoenix.drift.detected':
        this.recordDrift(environment);
        break;
      case 'io.phoenix.security.denied':
        this.securityEvents.inc({ environment, type: 'denied', code: event.data.code });
        break;
      case 'io.phoenix.security.granted':
        this.securityEvents.inc({ environment, type: 'granted', code: event.data.code });
        break;
      case 'io.phoenix.security.drift':
        this.securityEvents.inc({ environment, type: 'drift', code: 'PHX-SECURITY-DRIFT' });
        break;
      case 'io.phoenix.threshold.alert':
        this.thresholdAlerting.set({ environment, service, container: event.data.container, metric: event.data.metric }, 1);
        break;
      case 'io.phoenix.threshold.resolved':
        this.thresholdAlerting.set({ environment, service, container: event.data.container, metric: event.data.metric }, 0);
        break;
      case 'io.phoenix.service.crash-looping':
        this.setCrashLooping(environment, service, true);
        break;
      case 'io.phoenix.container.healthy':
        this.setHealth(environment, service, event.data.container, 'healthy');
        break;
      case 'io.phoenix.container.unhealthy':
        this.setHealth(environment, service, event.data.container, 'unhealthy');
        break;
      default:
        break;
    }
  }
}
