import { randomUUID } from 'node:crypto';
import type { SecretKeyGuard } from '../plan/secret-key-guard.js';
import { systemClock } from '../apply/execute.js';
import type { EventBus } from '../events/event-bus.js';
import { makeEvent } from '../events/event-bus.js';
import type { GitRepository } from '../git/git-repository.js';
import type { LoadOptions, LoadResult } from '../manifest/load.js';
import { loadEnvironment } from '../manifest/load.js';
import type { ManifestReader } from '../manifest/reader.js';
import type { DesiredState, SecretSource } from '../model/desired.js';
import { LABEL } from '../model/desired.js';
import { privilegeDrift } from '../security/privilege-drift.js';
import type { ObservedState } from '../model/observed.js';
import type { PodmanClient, PodmanInspector } from '../podman/podman-client.js';
import type { PodmanStats } from '../podman/podman-stats.js';
import { reportStatus } from '../plan/status.js';
import type { StatusReport } from '../plan/status.js';
import type { VerdictKind } from '../plan/verdict.js';
import { evidenceFrom, freshenObserved } from './health/verdict-evidence.js';
import type { SecretRedactor } from '../telemetry/secret-redactor.js';
import type { ReconcileResult, RestartResult } from './environment-reconciler.js';
import { EnvironmentReconciler } from './environment-reconciler.js';
import { logEvidence } from './health/failure-evidence.js';
import { HealthMonitor } from './health/health-monitor.js';
import { RestartDriver } from './health/restart-driver.js';
import { ThresholdMonitor } from './health/threshold-monitor.js';
import { recordingReader } from './triggers/watched-files.js';
import { LoadCache, resolvingReader } from './load-cache.js';
import { desiredDigest, failureKey } from '../history/revision-draft.js';
import type { Revision } from '../history/revision.js';
import { changedSecretSource } from '../history/secret-versions.js';
import type { RevisionHistory } from '../state/revision-history.js';
import type { LoadOrigin } from './revision-recorder.js';
import { RevisionRecorder } from './revision-recorder.js';
import { withoutStoppedServices } from './stopped-services.js';
import { VerdictTracker } from './verdict-tracker.js';
import { environmentStatus } from './environment-status.js';
import { HistorySummary } from './history-summary.js';
import { lastPlanStatus } from './plan-changes.js';
import type { LogTail } from './log-tail.js';
import { readLogTail } from './log-tail.js';
import type { EnvironmentStatus, LastPlanStatus } from '../telemetry/status-document.js';

/** The events after which a verdict may have changed between reconciles (health checks, the restart policy). */
const VERDICT_MOVERS = ['container.healthy', 'container.unhealthy', 'container.restarted', 'container.restart-failed', 'service.crash-looping'];

/** Where an environment's manifests come from: the working tree, or a branch's newest commit. */
export type ManifestSource = { readonly kind: 'disk' } | { readonly kind: 'git'; readonly repository: GitRepository; readonly branch: string };

/** What one environment's runtime is built from. */
export interface EnvironmentRuntimeOptions {
  readonly name: string;
  readonly load: Omit<LoadOptions, 'name' | 'reader'>;
  readonly disk: ManifestReader;
  readonly source: ManifestSource;
  readonly podman: PodmanClient;
  /** Where failure events read a container's last log lines; without it they carry none. */
  readonly logs?: Pick<PodmanInspector, 'streamLogs'>;
  /** Inspects containers' privileges for security.drift; without it, drift is not checked. */
  readonly privileges?: Pick<PodmanInspector, 'inspectPrivileges'>;
  readonly stats: PodmanStats;
  readonly bus: EventBus;
  readonly redactor: SecretRedactor;
  readonly readSecret: (source: SecretSource) => Promise<Uint8Array>;
  /** Asks the work queue for a reconcile of this environment. */
  readonly requestReconcile: (reason: string) => void;
  /** Told after each reconcile, with the files the manifests read (for the file trigger). */
  readonly onReconciled: (result: ReconcileResult, files: readonly string[]) => void;
  readonly onError: (error: unknown, context: string) => void;
  /** When images were last pulled, and a record of each new pull (the state directory). */
  readonly imagePulls?: { readonly read: () => Readonly<Record<string, number>>; readonly record: (image: string) => void };
  /** The services stopped with `phoenix stop`, per project (the state directory); without it, none are. */
  readonly stoppedServices?: (project: string, environment: string) => Readonly<Record<string, string>>;
  /** Takes the environment's lock for `project` before each reconcile touches Podman (see ReconcilerDeps.claim). */
  readonly claim?: (project: string, signal: AbortSignal) => Promise<void>;
  /** The environment's history of revisions (the state directory), per project; without it, nothing is recorded or rolled back. */
  readonly history?: (project: string) => RevisionHistory;
  /** The secret-digest key guard of every plan (PlanOptions.secretKey); without it, none. */
  readonly secretKey?: SecretKeyGuard;
  /** Forgets `phoenix stop` marks of services restarted on request (the state directory). */
  readonly forgetStopped?: (project: string, environment: string, services: readonly string[]) => void;
}

/** A restart asked for and not yet run: its request event's id, and who waits for the outcome. */
interface PendingRestart {
  readonly service: string;
  readonly requestId: string;
  readonly resolve: (result: RestartResult) => void;
}

/**
 * Everything watch mode keeps for one environment: its reconciler, health monitor, restart
 * driver and threshold monitor, and in git mode the revision being applied and the last one
 * applied successfully.
 */
export class EnvironmentRuntime {
  readonly reconciler: EnvironmentReconciler;
  readonly monitor: HealthMonitor;
  readonly restarts: RestartDriver;
  readonly thresholds: ThresholdMonitor;
  private files: string[] = [];
  /** The last load and what it read: a resync with unchanged manifests does not load them again. */
  private readonly loads = new LoadCache((p) => this.options.disk.realPath?.(p) ?? p);
  private candidateRevision: string | undefined;
  /**
   * The revision of the desired state in force (the last one that validated). Fix: containers
   * were labelled with the newest commit polled even when it did not validate and the last
   * good one was being applied, and `appliedRevision` could name a commit polled during the
   * reconcile that the reconcile never read.
   */
  private goodRevision: string | undefined;
  /** The newest revision that validated and applied; what status reports. */
  appliedRevision: string | undefined;
  last: ReconcileResult | null = null;
  /** Reconciles started so far; waiters wait for one numbered above what they saw. */
  private runs = 0;
  private waiters: { readonly after: number; readonly resolve: (result: ReconcileResult | null) => void }[] = [];
  /** Records revisions and rolls failed ones back; null without a history. */
  private readonly recorder: RevisionRecorder | null;
  /** Where the last load's desired state came from (which commit, whether a rollback target stood in). */
  private origin: LoadOrigin = { gitRevision: undefined, substitutedBy: null, failureKey: null };
  /** Container ids already checked for privilege drift. */
  private readonly driftChecked = new Set<string>();
  /** The running reconcile was asked for by an apply: manifests marked failed are tried again. */
  private requested = false;
  /** Why the running reconcile runs (its reasons, joined), and why and when the last one ran: for /status. */
  private trigger = 'manual';
  private lastTrigger = 'manual';
  private lastAt = '';
  /** The last plan that had actions, as /status shows it. */
  private lastPlan: LastPlanStatus | null = null;
  private readonly historySummary = new HistorySummary();
  /** Restarts asked for through the API, run at the start of the next work item. */
  private pendingRestarts: PendingRestart[] = [];

  constructor(private readonly options: EnvironmentRuntimeOptions) {
    this.monitor = new HealthMonitor({ podman: options.podman, bus: options.bus, onError: options.onError });
    this.restarts = new RestartDriver({
      actuator: { kind: 'reconcile', requestReconcile: options.requestReconcile },
      bus: options.bus,
      monitor: this.monitor,
      onError: options.onError,
      redact: (text) => options.redactor.redact(text),
      ...(options.logs === undefined ? {} : { evidence: logEvidence(options.logs, options.redactor) }),
    });
    this.thresholds = new ThresholdMonitor({ stats: options.stats, bus: options.bus, onError: options.onError });
    this.reconciler = new EnvironmentReconciler({
      environment: options.name,
      load: () => this.load(),
      podman: options.podman,
      readSecret: options.readSecret,
      bus: options.bus,
      clock: { now: systemClock.now, sleep: systemClock.sleep, date: () => new Date() },
      newId: randomUUID,
      execute: { pollIntervalMs: 250 },
      revision: () => this.goodRevision,
      // The restart policy sees what this reconcile is about to apply and what it observed
      // before it decides (see RestartDriver.noteObserved). Fix: taking the new desired state
      // only after the reconcile made the start of a container recreated with a fixed manifest
      // count as one more restart of the old, crash-looping one (a bogus container.restarted).
      restartDecisions: (desired, observed) => {
        this.restarts.update(withoutStoppedServices(desired, observed));
        this.restarts.noteObserved(observed.containers);
        return this.restarts.decisions();
      },
      onReconciled: (result) => void this.afterReconcile(result),
      requestReconcile: options.requestReconcile,
      // A rollback target stands in for failed manifests: its secrets must still be what it used.
      vetPlan: (_desired, plan) => (this.origin.substitutedBy === null ? Promise.resolve(null) : changedSecretSource(plan, options.readSecret, options.load.digester, this.origin.substitutedBy.seq)),
      judge: (desired, observed) => this.judge(desired, observed).verdict,
      redact: (text) => options.redactor.redact(text),
      ...(options.imagePulls === undefined ? {} : { imagePulls: options.imagePulls }),
      ...(options.stoppedServices === undefined ? {} : { stoppedServices: options.stoppedServices }),
      ...(options.claim === undefined ? {} : { claim: options.claim }),
      ...(options.secretKey === undefined ? {} : { secretKey: options.secretKey }),
      ...(options.forgetStopped === undefined ? {} : { forgetStopped: options.forgetStopped }),
    });
    const source = options.source;
    this.recorder =
      options.history === undefined
        ? null
        : new RevisionRecorder({
            environment: options.name,
            history: options.history,
            podman: options.podman,
            bus: options.bus,
            clock: { now: systemClock.now, sleep: systemClock.sleep, date: () => new Date() },
            newId: randomUUID,
            onError: options.onError,
            reconcileAgain: async (reasons, signal) => {
              // The rollback must load the stand-in, also when an apply asked for the reconcile that failed.
              this.requested = false;
              this.trigger = triggerOf(reasons);
              const before = this.last;
              await this.reconciler.reconcile(reasons, signal);
              return this.last !== before ? this.last : null;
            },
            ...(source.kind === 'git' ? { gitCommit: (sha: string) => ({ subject: source.repository.subject(sha), branch: source.branch }) } : {}),
          });
    // Starts the reconciler made count for the restart policy (a restart it allowed, or one it
    // must count against the breaker), and begin a new start period for the health monitor.
    const unsubscribeMovers = options.bus.subscribe({ types: VERDICT_MOVERS, environments: [options.name] }, () => {
      if (!this.reconciling) this.publishVerdictChanges();
    });
    const unsubscribeStarts = options.bus.subscribe({ types: ['action.succeeded', 'action.failed'], environments: [options.name] }, (event) => {
      if (event.type !== 'io.phoenix.action.succeeded' && event.type !== 'io.phoenix.action.failed') return;
      if (event.data.kind !== 'container.start') return;
      if (event.type === 'io.phoenix.action.succeeded') {
        this.restarts.noteStarted(event.data.resource);
        this.monitor.noteRestarted(event.data.resource);
      } else {
        this.restarts.noteStarted(event.data.resource, new Error(event.data.error.message));
      }
    });
    this.unsubscribe = () => {
      unsubscribeMovers();
      unsubscribeStarts();
    };
  }

  private readonly unsubscribe: () => void;
  private readonly verdictTracker = new VerdictTracker();
  /** Set while a reconcile runs: its own events do not re-judge (its end does, with what it observed). */
  private reconciling = false;

  /** Moves to the newest commit of the branch; true when it changed (git mode only). */
  pollRevision(): boolean {
    if (this.options.source.kind !== 'git') return false;
    const head = this.options.source.repository.head(this.options.source.branch);
    if (head === this.candidateRevision) return false;
    this.candidateRevision = head;
    return true;
  }

  /** The newest commit polled, as a trigger names it: `<sha> <subject>` (git mode only; empty otherwise). */
  describeCandidate(): string {
    if (this.options.source.kind !== 'git' || this.candidateRevision === undefined) return '';
    return `${this.candidateRevision} ${this.options.source.repository.subject(this.candidateRevision)}`;
  }

  /** One reconcile, with health probes paused while Podman is being changed. */
  async reconcile(reasons: readonly string[], signal: AbortSignal): Promise<'ok' | 'error'> {
    const run = ++this.runs;
    const before = this.last;
    const resume = this.monitor.pause();
    // What an apply that asked for this reconcile is told: a rollout rolled back is a failure.
    let answer: ReconcileResult | null = null;
    this.requested = reasons.some((r) => r.startsWith('requested by phoenix'));
    this.trigger = triggerOf(reasons);
    this.reconciling = true;
    try {
      await this.runPendingRestarts(signal);
      const outcome = await this.reconciler.reconcile(reasons, signal);
      const result = this.last !== before ? this.last : null;
      answer = result;
      if (this.recorder !== null && result !== null) {
        const recorded = await this.recorder.afterReconcile(result, reasons, this.origin, signal);
        const back = recorded.rolledBack;
        if (back !== null) {
          answer = {
            ...result,
            ok: false,
            error: {
              code: 'PHX-ROLLOUT-ROLLED-BACK',
              message: `revision ${back.failed} did not become healthy${back.ok ? '' : ', and the rollback failed too'}; rolled back to revision ${back.to}${back.revision === null ? '' : ` (recorded as revision ${back.revision})`}`,
              remediation: 'See why in phoenix history and the rollout.failed event; fix the manifests (watch does not apply the failed ones again until they change).',
            },
          };
        }
      }
      return outcome;
    } finally {
      this.requested = false;
      this.reconciling = false;
      await resume();
      this.settleWaiters(run, answer);
    }
  }

  /**
   * Asks for a restart of `service` (as `phoenix restart` does it), to run at the start of this
   * environment's next work item, so that it never runs beside a reconcile; the caller then
   * enqueues the environment. Resolves with how it went (a failure when watch stops first).
   */
  requestRestart(service: string, requestId: string): Promise<RestartResult> {
    return new Promise((resolve) => this.pendingRestarts.push({ service, requestId, resolve }));
  }

  /** Runs every restart asked for so far, one request at a time (each has its own events and answer). */
  private async runPendingRestarts(signal: AbortSignal): Promise<void> {
    const pending = this.pendingRestarts.splice(0);
    for (const request of pending) {
      const result = await this.reconciler.restart([request.service], request.requestId, signal);
      const project = this.reconciler.desired?.project ?? this.options.name;
      this.options.bus.publish(
        makeEvent('service.restart-finished', { project, environment: this.options.name, service: request.service, correlationId: request.requestId, causationId: request.requestId, ...(result.ok ? {} : { severity: 'high' as const }) }, { requestId: request.requestId, ...result }, randomUUID(), new Date()),
      );
      request.resolve(result);
    }
  }

  /** Whether `service` is one of the environment's services now (the last desired state that validated). */
  hasService(service: string): boolean {
    return this.reconciler.desired?.services.some((s) => s.name === service) === true;
  }

  /**
   * The newest `tail` log lines of a service's containers that the last reconcile saw, redacted
   * with the environment's secret values; null when the service is not the environment's.
   * Throws the Podman module's error when the read fails.
   */
  async logTail(service: string, tail: number, signal: AbortSignal): Promise<{ readonly containers: readonly string[]; readonly tail: LogTail } | null> {
    const desired = this.reconciler.desired?.services.find((s) => s.name === service);
    if (desired === undefined) return null;
    const existing = new Set((this.last?.observed?.containers ?? []).map((c) => c.name));
    const containers = desired.containerNames.filter((name) => existing.has(name));
    if (containers.length === 0 || this.options.logs === undefined) return { containers, tail: { lines: [], truncated: false } };
    return { containers, tail: await readLogTail(this.options.logs, containers, tail, (text) => this.options.redactor.redact(text), signal) };
  }

  /**
   * The result of the next reconcile that starts from now on (not of one already running: it
   * may have observed Podman before the caller asked); null when the runtime stops first or
   * that reconcile ended without a result. Pair it with a request for a reconcile.
   */
  nextResult(): Promise<ReconcileResult | null> {
    return new Promise((resolve) => this.waiters.push({ after: this.runs, resolve }));
  }

  private settleWaiters(run: number, result: ReconcileResult | null): void {
    const due = this.waiters.filter((w) => w.after < run);
    this.waiters = this.waiters.filter((w) => w.after >= run);
    for (const waiter of due) waiter.resolve(result);
  }

  /** This environment's part of /status: verdicts, containers, health, restarts, thresholds, the last reconcile and plan, the history. */
  status(): EnvironmentStatus {
    const desired = this.reconciler.desired;
    return environmentStatus({
      environment: this.options.name,
      project: desired?.project ?? null,
      revision: this.appliedRevision ?? null,
      report: this.report(),
      observed: this.last?.observed ?? null,
      last: this.last === null ? null : { result: this.last, at: this.lastAt, trigger: this.lastTrigger },
      lastPlan: this.lastPlan,
      history: desired === null || this.options.history === undefined ? { current: null, recent: [], error: null } : this.historySummary.read(this.options.history(desired.project)),
      health: (service) => this.monitor.statusOf(service),
      restarts: (service) => this.restarts.statusOf(service),
      thresholds: (service) => this.thresholds.statusOf(service),
    });
  }

  /**
   * The verdicts (plan/verdict.ts) from the last reconcile's snapshot, freshened and judged with
   * the health monitor's checks and the restart driver's holds; null before the first one.
   */
  report(): StatusReport | null {
    const desired = this.reconciler.desired;
    const observed = this.last?.observed;
    if (desired === null || observed == null) return null;
    return this.judge(desired, observed);
  }

  private judge(desired: DesiredState, observed: ObservedState): StatusReport {
    const health = desired.services.flatMap((s) => this.monitor.statusOf(s.name));
    const restarts = desired.services.flatMap((s) => this.restarts.statusOf(s.name));
    return reportStatus(desired, freshenObserved(observed, health), evidenceFrom(health, restarts));
  }

  /** Publishes a `verdict.changed` for each verdict that moved since the last look. */
  private publishVerdictChanges(): void {
    const report = this.report();
    if (report === null) return;
    const project = this.reconciler.desired?.project ?? this.options.name;
    for (const change of this.verdictTracker.update(report)) {
      const severity = change.data.to === 'failed' ? 'high' : change.data.to === 'degraded' ? 'medium' : 'info';
      this.options.bus.publish(makeEvent('verdict.changed', { project, environment: this.options.name, severity, ...(change.service === undefined ? {} : { service: change.service }) }, change.data, randomUUID(), new Date()));
    }
  }

  /** Each service's verdict, for the metrics. */
  verdicts(): readonly { readonly service: string; readonly verdict: VerdictKind }[] {
    return this.report()?.services ?? [];
  }

  /** Stops the monitors. */
  async stop(): Promise<void> {
    this.unsubscribe();
    for (const request of this.pendingRestarts.splice(0)) request.resolve({ ok: false, actions: 0, durationMs: 0, error: { code: 'PHX-WATCH-STOPPING', message: 'watch stopped before the restart ran', remediation: 'Run phoenix restart, or ask again once watch runs.' } });
    this.settleWaiters(Number.POSITIVE_INFINITY, null);
    await Promise.all([this.monitor.stop(), this.restarts.stop(), this.thresholds.stop()]);
  }

  private load(): LoadResult {
    const revision = this.candidateRevision;
    const base = this.options.source.kind === 'git' && revision !== undefined ? this.options.source.repository.readerAt(revision, this.options.disk) : this.options.disk;
    const source = revision === undefined ? 'disk' : `git:${revision}`;
    const result = this.loads.reuse(source) ?? this.loadFresh(source, base);
    this.origin = { gitRevision: revision, substitutedBy: null, failureKey: null };
    if (!result.ok) return result;
    this.goodRevision = revision;
    if (this.options.history === undefined) return result;
    const key = failureKey(revision, desiredDigest(result.desired));
    this.origin = { ...this.origin, failureKey: key };
    const standIn = this.requested ? null : this.standInFor(result.desired.project, key);
    if (standIn === null) return result;
    // Manifests that failed their rollout and were rolled back stay out until they change.
    this.origin = { ...this.origin, substitutedBy: standIn };
    this.goodRevision = standIn.gitRevision;
    return { ...result, desired: standIn.desired };
  }

  /** Loads the environment through `base`, recording what it read (for the file trigger and the load cache). */
  private loadFresh(source: string, base: ManifestReader): LoadResult {
    const resolving = resolvingReader(base);
    const reader = recordingReader(resolving);
    const result = loadEnvironment({ ...this.options.load, name: this.options.name, reader });
    this.files = reader.files();
    this.loads.keep(source, { files: this.files, realPaths: resolving.realPaths() }, result);
    return result;
  }

  /** The revision rolled back to when the manifests with this failure key failed; null when they did not (or it is gone). */
  private standInFor(project: string, key: string): Revision | null {
    try {
      const history = this.options.history!(project);
      const mark = history.failedMark(key);
      return mark === null || mark.rolledBackTo === null ? null : history.get(mark.rolledBackTo);
    } catch (error) {
      this.options.onError(error, 'revision history');
      return null;
    }
  }

  private async afterReconcile(result: ReconcileResult): Promise<void> {
    this.last = result;
    this.lastAt = new Date().toISOString();
    this.lastTrigger = this.trigger;
    if (result.plan !== null && result.plan.actions.length > 0) {
      this.lastPlan = lastPlanStatus(result.plan, { at: this.lastAt, trigger: this.trigger, ok: result.ok }, (text) => this.options.redactor.redact(text));
    }
    const desired = result.desired;
    if (desired !== null && result.observed !== null) void this.checkPrivilegeDrift(desired, result.observed);
    if (desired !== null) {
      await this.refreshRedactor(desired);
      const looked = withoutStoppedServices(desired, result.observed);
      this.restarts.update(looked);
      this.thresholds.update(looked);
      await this.monitor.update(looked).catch((error: unknown) => this.options.onError(error, 'health monitor update'));
    }
    if (result.ok && !result.manifestInvalid && this.goodRevision !== undefined && this.goodRevision !== this.appliedRevision && this.options.source.kind === 'git') {
      this.appliedRevision = this.goodRevision;
      this.options.bus.publish(
        makeEvent('git.revision-applied', { project: desired?.project ?? this.options.name, environment: this.options.name }, { revision: this.appliedRevision, branch: this.options.source.branch }, randomUUID(), new Date()),
      );
    }
    this.publishVerdictChanges();
    this.options.onReconciled(result, this.files);
  }

  /**
   * security.drift: each container of the environment seen for the first time (by id) is
   * inspected once, and every privilege it has beyond its service's spec is reported (after
   * adoption, or a container made again by hand with Phoenix's labels). Best effort: an
   * inspect that fails is tried again at the next reconcile.
   */
  private async checkPrivilegeDrift(desired: DesiredState, observed: ObservedState): Promise<void> {
    const inspector = this.options.privileges;
    if (inspector === undefined) return;
    const specs = new Map(desired.services.map((s) => [s.name, s.spec]));
    const fresh = observed.containers.filter((c) => c.labels[LABEL.project] === desired.project && c.labels[LABEL.environment] === desired.environment && specs.has(c.labels[LABEL.service] ?? '') && !this.driftChecked.has(c.id));
    if (fresh.length === 0) return;
    try {
      const privileges = await inspector.inspectPrivileges(fresh.map((c) => c.name));
      for (const container of fresh) {
        const observedPrivileges = privileges.get(container.name);
        if (observedPrivileges === undefined) continue;
        this.driftChecked.add(container.id);
        const drift = privilegeDrift(specs.get(container.labels[LABEL.service]!)!, observedPrivileges);
        if (drift.length === 0) continue;
        const origin = { project: desired.project, environment: this.options.name, service: container.labels[LABEL.service]! };
        this.options.bus.publish(makeEvent('security.drift', origin, { container: container.name, privileges: drift }, randomUUID(), new Date()));
      }
    } catch (error) {
      this.options.onError(error, 'checking containers for privilege drift');
    }
  }

  /** Keeps every current secret value in the log redactor (values are read, never stored elsewhere). */
  private async refreshRedactor(desired: DesiredState): Promise<void> {
    const values: string[] = [];
    for (const secret of desired.secrets) {
      // A config is not secret: redacting its content would hide ordinary text from the logs.
      if (secret.source === null || secret.source.kind === 'content' || secret.config === true) continue;
      try {
        const value = new TextDecoder().decode(await this.options.readSecret(secret.source));
        // A secret file usually ends in a newline that `$(cat file)` and most readers drop:
        // the value without it is what a container prints.
        values.push(value, value.replace(/\r?\n$/, ''));
      } catch {
        // A secret that cannot be read is reported by the reconcile; nothing to redact.
      }
    }
    for (const value of values) this.options.redactor.add(value);
  }
}

/** A reconcile's reasons as one line, as its events say them. */
function triggerOf(reasons: readonly string[]): string {
  return reasons.join(', ') || 'manual';
}
