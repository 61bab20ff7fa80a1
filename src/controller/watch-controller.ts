import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { podmanMode } from '../podman/podman-info.js';
import type { EventBus, EventFilter } from '../events/event-bus.js';
import { makeEvent, matchesFilter } from '../events/event-bus.js';
import type { PhoenixEvent } from '../events/event-types.js';
import { CommandSink } from '../events/sinks/command-sink.js';
import { JsonlFileSink } from '../events/sinks/jsonl-file-sink.js';
import { SseHub } from '../events/sinks/sse-hub.js';
import { WebhookSink } from '../events/sinks/webhook-sink.js';
import type { LoadOptions } from '../manifest/load.js';
import { loadEnvironment } from '../manifest/load.js';
import type { ManifestReader } from '../manifest/reader.js';
import type { CommandSinkPolicy, SecretSource, SinkFilter } from '../model/desired.js';
import type { PodmanClient, PodmanInspector } from '../podman/podman-client.js';
import type { PodmanStats } from '../podman/podman-stats.js';
import type { Readiness } from '../telemetry/http-server.js';
import type { StatusDocument } from '../telemetry/status-document.js';
import { STATUS_FORMAT_VERSION } from '../telemetry/status-document.js';
import { startTelemetryServer } from '../telemetry/http-server.js';
import type { Metrics } from '../telemetry/metrics.js';
import { isLoopback } from '../telemetry/host-check.js';
import type { TelemetryPolicy } from '../model/desired.js';
import type { SecretRedactor } from '../telemetry/secret-redactor.js';
import type { Logger } from 'pino';
import type { ReconcileResult } from './environment-reconciler.js';
import type { RevisionHistory } from '../state/revision-history.js';
import type { ManifestSource } from './environment-runtime.js';
import { EnvironmentRuntime } from './environment-runtime.js';
import { readinessOf } from './readiness.js';
import type { FileTrigger } from './triggers/file-trigger.js';
import { watchFiles } from './triggers/file-trigger.js';
import { runEventTrigger } from './triggers/event-trigger.js';
import { ResyncTrigger } from './triggers/resync-trigger.js';
import { WorkQueue } from './work-queue.js';
import type { SecretKeyGuard } from '../plan/secret-key-guard.js';
import { watchApiHandlers } from './watch-api.js';

/** Events kept for the sinks until they start (the first reconcile of a large environment makes a few per container). */
const MAX_EARLY_EVENTS = 10_000;

/** Everything `phoenix watch` runs on; the CLI builds it. */
export interface WatchControllerOptions {
  readonly environments: readonly string[];
  readonly load: Omit<LoadOptions, 'name' | 'reader'>;
  readonly disk: ManifestReader;
  /** When images were last pulled, and a record of each new pull (the state directory). */
  readonly imagePulls?: { readonly read: () => Readonly<Record<string, number>>; readonly record: (image: string) => void };
  /** The services stopped with `phoenix stop`, per project (the state directory); without it, none are. */
  readonly stoppedServices?: (project: string, environment: string) => Readonly<Record<string, string>>;
  /** Per environment: disk, or a git branch. */
  readonly source: (environment: string) => ManifestSource;
  /** How often a git branch is polled for new commits (git mode). */
  readonly gitPollMs: number;
  readonly podman: PodmanClient;
  readonly inspector: PodmanInspector;
  readonly stats: PodmanStats;
  readonly bus: EventBus;
  readonly metrics: Metrics;
  readonly redactor: SecretRedactor;
  readonly logger: Logger;
  readonly readSecret: (source: SecretSource) => Promise<Uint8Array>;
  /** Overrides the policy's telemetry address. */
  readonly listen?: { readonly host: string; readonly port: number };
  /** Extra sinks from the command line, for every environment. */
  readonly eventsFile?: string;
  readonly webhooks?: readonly string[];
  /** Takes an environment's lock for its project before a reconcile touches Podman (see ReconcilerDeps.claim). */
  readonly claim?: (environment: string, project: string, signal: AbortSignal) => Promise<void>;
  /** An environment's history of revisions (the state directory); without it, watch records none and never rolls back. */
  readonly history?: (environment: string, project: string) => RevisionHistory;
  /** The secret-digest key guard of every plan (PlanOptions.secretKey); without it, none. */
  readonly secretKey?: SecretKeyGuard;
  /** The token of the `/api/*` routes (log tails, restarts; docs/status-page.md); without it, they are not served. */
  readonly apiToken?: string;
  /** Forgets `phoenix stop` marks of services restarted through the API (the state directory). */
  readonly forgetStopped?: (project: string, environment: string, services: readonly string[]) => void;
}

/**
 * The control loop: converge every environment, then keep it converged. Triggers (file
 * edits, Podman events, resync timers, git commits, the restart policy) only enqueue an
 * environment; each reconcile observes afresh.
 */
export class WatchController {
  private readonly runtimes = new Map<string, EnvironmentRuntime>();
  private readonly queue: WorkQueue;
  private readonly resync: ResyncTrigger;
  private readonly sse = new SseHub();
  private readonly abort = new AbortController();
  private readonly closers: (() => Promise<void> | void)[] = [];
  /**
   * The file trigger, as the promise of it. Fix: it was assigned only once `watchFiles`
   * resolved, so two reconciles finishing within its start-up (the first one and the one a
   * one-shot job's exit triggers, say) each made one; the first was never closed, and its
   * fs watchers kept the process alive after SIGTERM (and fired every change twice).
   */
  private fileTrigger: Promise<FileTrigger> | null = null;
  private readonly watchedFiles = new Map<string, readonly string[]>();
  /**
   * The environments whose policy sinks (policy.events) run. Fix: the sinks were started once,
   * after the first reconcile of whichever environment finished first, so (1) they missed
   * everything that first reconcile did (the initial convergence), the --events-file and
   * --webhook ones too, and (2) an environment not yet loaded by then (invalid at start, or
   * still queued behind others) never got its policy sinks. Now the command-line sinks start
   * with the controller, each environment's sinks after its first load, and they are first
   * handed the events published before they started (`early`). `key` is the policy.events
   * they were made from: a reload that changes it replaces them.
   */
  private readonly policySinks = new Map<string, { readonly key: string; readonly close: () => Promise<void> }>();
  private early: PhoenixEvent[] = [];
  private stopping = false;
  /** Where the telemetry server listens, once started. */
  url: string | null = null;
  /** The address it listens on, once started (the port picked when 0 was asked). */
  address: AddressInfo | null = null;

  constructor(private readonly options: WatchControllerOptions) {
    this.queue = new WorkQueue({
      worker: (key, reasons, signal) => this.runtimes.get(key)!.reconcile(reasons, signal),
      hooks: { onStart: () => this.options.metrics.setQueueDepth(this.queue.depth()), onFinish: () => this.options.metrics.setQueueDepth(this.queue.depth()) },
    });
    this.resync = new ResyncTrigger({ onTrigger: (environment, reason) => this.enqueue(environment, reason) });
    for (const name of options.environments) {
      this.runtimes.set(
        name,
        new EnvironmentRuntime({
          name,
          load: options.load,
          disk: options.disk,
          source: options.source(name),
          podman: options.podman,
          logs: options.inspector,
          privileges: options.inspector,
          stats: options.stats,
          bus: options.bus,
          redactor: options.redactor,
          readSecret: options.readSecret,
          requestReconcile: (reason) => this.enqueue(name, reason),
          onReconciled: (result, files) => void this.afterReconcile(name, result.desired?.policy.resyncIntervalMs ?? null, files),
          onError: (error, context) => this.options.logger.warn({ err: error, environment: name, context }, 'background task failed'),
          ...(options.imagePulls === undefined ? {} : { imagePulls: options.imagePulls }),
          ...(options.stoppedServices === undefined ? {} : { stoppedServices: options.stoppedServices }),
          ...(options.claim === undefined ? {} : { claim: (project: string, signal: AbortSignal) => options.claim!(name, project, signal) }),
          ...(options.history === undefined ? {} : { history: (project: string) => options.history!(name, project) }),
          ...(options.secretKey === undefined ? {} : { secretKey: options.secretKey }),
          ...(options.forgetStopped === undefined ? {} : { forgetStopped: options.forgetStopped }),
        }),
      );
    }
  }

  /** Starts the loop: telemetry, sinks, triggers, and a first reconcile of every environment. */
  async start(): Promise<void> {
    const { bus, metrics, logger } = this.options;
    this.closers.push(bus.subscribe({}, (event) => metrics.observeEvent(event)));
    metrics.readVerdictsFrom(() => [...this.runtimes].flatMap(([environment, runtime]) => runtime.verdicts().map(({ service, verdict }) => ({ environment, service, verdict }))));
    this.closers.push(bus.subscribe({}, (event) => this.sse.handle(event)));
    this.closers.push(bus.subscribe({}, (event) => this.log(event)));
    this.closers.push(
      bus.subscribe({}, (event) => {
        if (this.policySinks.size < this.runtimes.size && this.early.length < MAX_EARLY_EVENTS) this.early.push(event);
      }),
    );
    if (this.options.eventsFile !== undefined) this.closers.push(this.addFileSink(this.options.eventsFile, {}, true));
    for (const url of this.options.webhooks ?? []) this.closers.push(this.addWebhookSink(url, {}, true));
    const firstPolicy = this.firstPolicyListen();
    const host = this.options.listen?.host ?? firstPolicy.host;
    if (!isLoopback(host)) {
      logger.warn({ listen: host }, `telemetry listens on ${host}, beyond this host: /status and /events describe the whole deployment and have no authentication; listen on 127.0.0.1 and put a proxy with authentication in front to share them`);
    }
    const server = await startTelemetryServer({
      host,
      ...(firstPolicy.allowedHosts === undefined ? {} : { allowedHosts: firstPolicy.allowedHosts }),
      port: this.options.listen?.port ?? firstPolicy.port,
      metrics,
      sseHub: this.sse,
      status: () => this.status(),
      ready: () => this.readiness(),
      healthy: () => !this.stopping,
      onError: (error) => logger.warn({ err: error }, 'telemetry request failed'),
      ...(this.options.apiToken === undefined
        ? {}
        : {
            api: watchApiHandlers({
              token: this.options.apiToken,
              bus,
              runtime: (environment) => this.runtimes.get(environment),
              enqueue: (environment, reason) => {
                this.queue.add(environment, reason, { skipBackoff: true });
                metrics.setQueueDepth(this.queue.depth());
              },
              accepting: () => !this.stopping,
            }),
          }),
    });
    this.url = server.url;
    this.address = server.address;
    this.closers.push(() => server.close());
    this.closers.push(() => this.sse.close());
    logger.info({ url: server.url }, `telemetry on ${server.url} (/metrics /healthz /readyz /status /events)`);
    void runEventTrigger(
      this.options.inspector,
      {
        onTrigger: (environment, reason) => this.enqueue(environment, reason),
        isWatched: (environment, project) => this.runtimes.get(environment)?.reconciler.desired?.project === project,
        onDied: (owner, event) => {
          const origin = { project: owner.project, environment: owner.environment, ...(owner.service === undefined ? {} : { service: owner.service }) };
          bus.publish(makeEvent('container.died', origin, { container: event.name, exitCode: event.exitCode }, randomUUID(), event.time));
        },
        onStatus: (status) => {
          if (status.kind === 'dropped') logger.warn({ err: status.error, retryInMs: status.retryInMs }, 'podman events stream dropped; restarting it');
        },
      },
      this.abort.signal,
    );
    if ([...this.runtimes.keys()].some((name) => this.options.source(name).kind === 'git')) this.startGitPolling();
    for (const name of this.runtimes.keys()) {
      this.runtimes.get(name)!.pollRevision();
      this.enqueue(name, 'start');
    }
  }

  /** Stops taking work, cancels what is in flight, closes everything; containers keep running. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.abort.abort();
    await this.queue.shutdown({ drain: false });
    this.resync.close();
    await (await this.fileTrigger)?.close();
    await Promise.all([...this.runtimes.values()].map((runtime) => runtime.stop()));
    for (const close of this.closers.reverse()) await close();
    await Promise.all([...this.policySinks.values()].map((sinks) => sinks.close()));
  }

  /** What /readyz answers (see readinessOf): ready once the last reconcile of every environment succeeded. */
  readiness(): Readiness {
    return readinessOf([...this.runtimes].map(([name, runtime]) => [name, runtime.last] as const));
  }

  /** What /status serves (docs/status-page.md). */
  status(): StatusDocument {
    const document: StatusDocument = {
      formatVersion: STATUS_FORMAT_VERSION,
      generatedAt: new Date().toISOString(),
      podman: podmanMode(),
      queue: this.queue.stats(),
      environments: [...this.runtimes.values()].map((runtime) => runtime.status()),
    };
    // Redacted: a health check's last output may print a secret, and /status has no authentication.
    return this.options.redactor.redactDeep(document);
  }

  /**
   * Reconciles an environment now on someone's request (an apply that found this process
   * holding the lock) and resolves with how it went; null when it is not watched, or the
   * controller stopped first. It goes through the work queue like every trigger, skipping a
   * failure's backoff, so it never runs beside another reconcile of the environment.
   */
  reconcileNow(environment: string, reason: string): Promise<ReconcileResult | null> {
    const runtime = this.runtimes.get(environment);
    if (this.stopping || runtime === undefined) return Promise.resolve(null);
    const result = runtime.nextResult();
    this.queue.add(environment, reason, { skipBackoff: true });
    this.options.metrics.setQueueDepth(this.queue.depth());
    return result;
  }

  private enqueue(environment: string, reason: string): void {
    if (this.stopping || !this.runtimes.has(environment)) return;
    // A manifest edit skips a failed environment's backoff: the user may just have fixed it.
    this.queue.add(environment, reason, { skipBackoff: reason.startsWith('manifest') || reason.startsWith('git') });
    this.options.metrics.setQueueDepth(this.queue.depth());
  }

  private async afterReconcile(name: string, resyncIntervalMs: number | null, files: readonly string[]): Promise<void> {
    // Fix: phoenix_crash_looping was set to 1 by the service.crash-looping event and never
    // back to 0 (no event says a breaker closed): each reconcile now sets it from the policy.
    const runtime = this.runtimes.get(name);
    for (const service of runtime?.reconciler.desired?.services ?? []) this.options.metrics.setCrashLooping(name, service.name, runtime!.restarts.isCrashLooping(service.name));
    if (resyncIntervalMs !== null) this.resync.set(name, resyncIntervalMs);
    this.watchedFiles.set(name, files);
    await this.startPolicySinks(name);
    // In git mode the files to watch are the commit's, not the working tree's: polling covers them.
    const all = [...this.watchedFiles.entries()].filter(([env]) => this.options.source(env).kind === 'disk').flatMap(([, list]) => list);
    if (this.stopping) return;
    if (this.fileTrigger === null) {
      this.fileTrigger = watchFiles(all, {
        onChange: (paths) => {
          for (const [env, list] of this.watchedFiles) if (paths.some((p) => list.includes(p))) this.enqueue(env, `manifest changed: ${paths.join(', ')}`);
        },
        onError: (error) => this.options.logger.warn({ err: error }, 'file watch error'),
      });
      await this.fileTrigger;
    } else {
      await (await this.fileTrigger).update(all);
    }
  }

  /** The telemetry address of the first environment's policy (the server is shared). */
  private firstPolicyListen(): TelemetryPolicy {
    const first = this.options.environments[0];
    if (first === undefined) return { host: '127.0.0.1', port: 9464 };
    const loaded = loadEnvironment({ ...this.options.load, name: first, reader: this.options.disk });
    return loaded.ok ? loaded.desired.policy.telemetry : { host: '127.0.0.1', port: 9464 };
  }

  /** Subscribes a JSONL file sink (first handing it the early events when `replay`); returns what closes it. */
  private addFileSink(path: string, filter: EventFilter, replay: boolean, maxBytes?: number, keep?: number): () => Promise<void> {
    const { metrics } = this.options;
    const sink = new JsonlFileSink({ path, ...(maxBytes === undefined ? {} : { maxBytes }), ...(keep === undefined ? {} : { keep }), onDrop: () => metrics.recordEventDropped('file') });
    return this.subscribeSink(sink, filter, replay);
  }

  /** Subscribes a webhook sink (first handing it the early events when `replay`); returns what closes it. */
  private addWebhookSink(url: string, filter: EventFilter, replay: boolean): () => Promise<void> {
    const { metrics } = this.options;
    const sink = new WebhookSink({ url, onDrop: () => metrics.recordEventDropped('webhook') });
    return this.subscribeSink(sink, filter, replay);
  }

  /**
   * Subscribes a command sink; each run's outcome is logged (exit code, signal, duration, the
   * event's id and type: never its data, which the command may have been handed secrets about).
   */
  private addCommandSink(environment: string, policy: CommandSinkPolicy, filter: EventFilter, replay: boolean): () => Promise<void> {
    const { metrics, logger } = this.options;
    const program = policy.command[0];
    const sink = new CommandSink({
      argv: policy.command,
      cwd: policy.cwd,
      timeoutMs: policy.timeoutMs,
      maxConcurrent: policy.maxConcurrent,
      onDrop: (event, reason) => {
        metrics.recordEventDropped('command');
        logger.warn({ environment, program, eventId: event.id, reason }, 'event command sink dropped an event');
      },
      onOutcome: (outcome) => {
        const failed = outcome.exitCode !== 0;
        logger[failed ? 'warn' : 'info']({ environment, program, ...outcome }, failed ? 'event command failed' : 'event command ran');
      },
    });
    return this.subscribeSink(sink, filter, replay);
  }

  private subscribeSink(sink: { handle: (event: PhoenixEvent) => void; close: () => Promise<void> }, filter: EventFilter, replay: boolean): () => Promise<void> {
    if (replay) for (const event of this.early) if (matchesFilter(event, filter)) sink.handle(event);
    const unsubscribe = this.options.bus.subscribe(filter, sink.handle);
    return async () => {
      unsubscribe();
      await sink.close();
    };
  }

  /**
   * Starts the sinks of an environment's policy.events once it has a desired state, and
   * replaces them when a reload changed them (an edit of policy.events takes effect without
   * restarting watch). Only the first start replays the events from before it.
   */
  private async startPolicySinks(name: string): Promise<void> {
    const events = this.runtimes.get(name)?.reconciler.desired?.policy.events;
    if (this.stopping || events === undefined) return;
    const key = JSON.stringify(events);
    const running = this.policySinks.get(name);
    if (running?.key === key) return;
    const replay = running === undefined;
    const scoped = (filter: SinkFilter): EventFilter => ({
      types: filter.types,
      services: filter.services,
      ...(filter.severities === undefined ? {} : { severities: filter.severities }),
      environments: filter.environments.length > 0 ? filter.environments : [name],
    });
    const closers: (() => Promise<void>)[] = [];
    if (events.file !== null) closers.push(this.addFileSink(events.file.path, scoped(events.file.filter), replay, events.file.maxSizeBytes, events.file.keep));
    for (const hook of events.webhooks) closers.push(this.addWebhookSink(hook.url, scoped(hook.filter), replay));
    for (const command of events.commands) closers.push(this.addCommandSink(name, command, scoped(command.filter), replay));
    this.policySinks.set(name, { key, close: async () => void (await Promise.all(closers.map((close) => close()))) });
    if (this.policySinks.size === this.runtimes.size) this.early = [];
    // The old sinks go after the new ones are subscribed, so that no event falls between them.
    if (running !== undefined) {
      await running.close();
      this.options.logger.info({ environment: name }, 'policy.events changed: event sinks replaced');
    }
  }

  private startGitPolling(): void {
    const timer = setInterval(() => {
      for (const [name, runtime] of this.runtimes) {
        try {
          if (runtime.pollRevision()) this.enqueue(name, `git: new commit ${runtime.describeCandidate()}`);
        } catch (error) {
          this.options.logger.warn({ err: error, environment: name }, 'git poll failed');
        }
      }
    }, this.options.gitPollMs);
    this.closers.push(() => clearInterval(timer));
  }

  private log(event: PhoenixEvent): void {
    const level = event.severity === 'critical' || event.severity === 'high' ? 'warn' : 'info';
    this.options.logger[level]({ event: event.type.slice('io.phoenix.'.length), environment: event.environment, service: event.subject, data: event.data, correlationId: event.correlationid }, event.type.slice('io.phoenix.'.length));
  }
}
