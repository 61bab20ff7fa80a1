import type { ExecutionEvent } from '../apply/events.js';
import { execute } from '../apply/execute.js';
import type { ExecuteOptions } from '../apply/execute.js';
import type { EventBus } from '../events/event-bus.js';
import { makeEvent } from '../events/event-bus.js';
import type { EventKind, EventPayloads } from '../events/event-types.js';
import type { LoadResult } from '../manifest/load.js';
import type { DesiredState, SecretSource } from '../model/desired.js';
import type { ObservedState } from '../model/observed.js';
import { formatIssue } from '../model/issue.js';
import type { PodmanClient } from '../podman/podman-client.js';
import type { Plan } from '../plan/actions.js';
import { resourceOf } from '../plan/actions.js';
import { plan as makePlan } from '../plan/plan.js';
import type { SecretKeyGuard } from '../plan/secret-key-guard.js';
import { planRestart } from '../plan/lifecycle.js';
import { renderSummary } from '../plan/render-text.js';
import type { VerdictKind } from '../plan/verdict.js';
import { findingData, securityEvents } from '../security/security-events.js';
import { containerChanges, serviceOf } from './plan-changes.js';

/** What one environment's reconciler needs; everything with I/O is injected. */
export interface ReconcilerDeps {
  readonly environment: string;
  /** Loads the manifests afresh (from disk, or a git revision's tree). */
  readonly load: () => LoadResult | Promise<LoadResult>;
  readonly podman: PodmanClient;
  readonly readSecret: (source: SecretSource) => Promise<Uint8Array>;
  readonly bus: EventBus;
  readonly clock: { readonly now: () => number; readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>; readonly date: () => Date };
  readonly newId: () => string;
  readonly execute?: Omit<ExecuteOptions, 'signal'>;
  /** The git revision being applied, recorded on containers; undefined outside git mode. */
  readonly revision?: () => string | undefined;
  /** The restart policy's current decisions: containers to restart now, services to hold. */
  readonly restartDecisions?: (desired: DesiredState, observed: ObservedState) => { readonly restart: readonly string[]; readonly hold: readonly string[] };
  /**
   * Makes sure this process holds the lock of the environment (as `project`) before Podman is
   * observed or changed: another Phoenix process acting on it at once corrupts Podman. Resolves
   * once held (at once when already held); rejects (PHX-LOCKED) when the wait ran out, which
   * fails this reconcile and the work queue retries it.
   */
  readonly claim?: (project: string, signal: AbortSignal) => Promise<void>;
  /** Told of every finished reconcile (the watch loop feeds metrics, status and the health monitor). */
  readonly onReconciled?: (result: ReconcileResult) => void;
  /** When each image was last pulled, and a record of a new pull (the state directory); without it, pulls are not timed. */
  readonly imagePulls?: { readonly read: () => Readonly<Record<string, number>>; readonly record: (image: string) => void };
  /** The services stopped with `phoenix stop`, per project (the state directory); without it, none are. */
  readonly stoppedServices?: (project: string, environment: string) => Readonly<Record<string, string>>;
  /** Asks for another reconcile: after pulls, so that a tag that moved recreates its containers at once. */
  readonly requestReconcile?: (reason: string) => void;
  /** A last look at a plan before it runs (a rollback whose secret source changed is refused); an error fails the reconcile with nothing changed. */
  readonly vetPlan?: (desired: DesiredState, plan: Plan) => Promise<{ readonly code: string; readonly message: string; readonly remediation: string } | null>;
  /**
   * The environment's verdict for the state a reconcile leaves (plan/verdict.ts, with the health
   * evidence the caller keeps), carried by reconcile.succeeded/failed; without it, null.
   */
  readonly judge?: (desired: DesiredState, observed: ObservedState) => VerdictKind;
  /** Redacts secret values from the field values drift.detected shows; identity when absent. */
  readonly redact?: (text: string) => string;
  /** The secret-digest key guard of every plan (PlanOptions.secretKey); without it, none. */
  readonly secretKey?: SecretKeyGuard;
  /** Forgets `phoenix stop` marks of services restarted on request (the state directory), as `phoenix restart` does; none kept when absent. */
  readonly forgetStopped?: (project: string, environment: string, services: readonly string[]) => void;
}

/** How a restart asked for through watch went (the planner's restart plan, executed). */
export interface RestartResult {
  readonly ok: boolean;
  readonly actions: number;
  readonly durationMs: number;
  readonly error: { readonly code: string; readonly message: string; readonly remediation: string } | null;
}

/** How one reconcile went, for status and metrics. */
export interface ReconcileResult {
  readonly ok: boolean;
  readonly desired: DesiredState | null;
  /** Podman as the reconcile left it: observed again after the plan's actions ran, when there were any. */
  readonly observed: ObservedState | null;
  readonly plan: Plan | null;
  /** The manifests on disk did not validate; the last good desired state was used (when there was one). */
  readonly manifestInvalid: boolean;
  readonly durationMs: number;
  readonly error: { readonly code: string; readonly message: string; readonly remediation: string } | null;
}

/**
 * One level-triggered reconcile of one environment: load the manifests (keeping the last good
 * desired state when an edit does not validate: a typo never tears anything down), observe
 * afresh, plan, execute, and report everything as events. Triggers carry no diff; missing one
 * costs latency, never correctness.
 */
export class EnvironmentReconciler {
  private lastGood: DesiredState | null = null;
  /** Images the previous reconcile pulled: the next one (asked for at once) does not pull them again. */
  private pulledLastRound: string[] = [];
  /** The security findings last published (see reviewSecurity). */
  private lastSecurityReview = '[]';

  constructor(private readonly deps: ReconcilerDeps) {}

  /** The desired state in force: the last one that validated. */
  get desired(): DesiredState | null {
    return this.lastGood;
  }

  /** Reconciles once; resolves 'ok' or 'error' (the work queue requeues errors with backoff). */
  async reconcile(reasons: readonly string[], signal: AbortSignal): Promise<'ok' | 'error'> {
    const started = this.deps.clock.now();
    const correlationId = this.deps.newId();
    const trigger = reasons.join(', ') || 'manual';
    const finish = (result: Omit<ReconcileResult, 'durationMs'>): 'ok' | 'error' => {
      // Whole milliseconds: a sub-millisecond fraction is noise to anyone reading it.
      const durationMs = Math.round(this.deps.clock.now() - started);
      const verdict = result.desired !== null && result.observed !== null && this.deps.judge !== undefined ? this.deps.judge(result.desired, result.observed) : null;
      if (result.ok) this.emit('reconcile.succeeded', { trigger, actions: result.plan?.actions.length ?? 0, durationMs, verdict }, correlationId);
      else this.emit('reconcile.failed', { trigger, error: result.error ?? { code: 'PHX-RECONCILE-FAILED', message: 'the reconcile failed', remediation: 'See the events before this one.' }, durationMs, verdict }, correlationId);
      this.deps.onReconciled?.({ ...result, durationMs });
      return result.ok ? 'ok' : 'error';
    };
    this.emit('reconcile.started', { trigger }, correlationId);

    const loaded = await this.deps.load();
    this.reviewSecurity(loaded, correlationId);
    let manifestInvalid = false;
    if (loaded.ok) {
      this.lastGood = loaded.desired;
    } else {
      manifestInvalid = true;
      this.emit('manifest.invalid', { issues: loaded.issues.filter((i) => i.severity === 'error').map((i) => ({ code: i.code, location: `${i.location.file}:${i.location.line}:${i.location.column}`, message: formatIssue(i) })) }, correlationId);
    }
    const desired = this.lastGood;
    if (desired === null) {
      return finish({ ok: false, desired: null, observed: null, plan: null, manifestInvalid, error: { code: 'PHX-MANIFEST-INVALID', message: 'the manifests do not validate and no earlier version did', remediation: 'Fix the errors reported in the manifest.invalid event (phoenix validate shows them).' } });
    }

    let observed: ObservedState;
    try {
      await this.deps.claim?.(desired.project, signal);
      observed = await this.deps.podman.observe(desired.project, [...new Set(desired.services.map((s) => s.spec.image))], { signal, restartCounts: true });
      if (this.deps.imagePulls !== undefined) observed = { ...observed, imagePulledAt: this.deps.imagePulls.read() };
      observed = this.withStopMarks(observed, desired.project);
    } catch (error) {
      return finish({ ok: false, desired, observed: null, plan: null, manifestInvalid, error: errorInfo(error) });
    }
    const decisions = this.deps.restartDecisions?.(desired, observed) ?? { restart: [], hold: [] };
    const revision = this.deps.revision?.();
    // Watch mode plans over and over: `always` pulls at most once per interval (policy.image_updates, else the resync interval).
    const updates = desired.policy.imageUpdates;
    const images = { now: this.deps.clock.date().getTime(), imageUpdates: { intervalMs: updates?.intervalMs ?? desired.policy.resyncIntervalMs, all: updates !== undefined }, pulled: this.pulledLastRound };
    this.pulledLastRound = [];
    const planned = makePlan(desired, observed, { prune: desired.policy.prune, restart: decisions.restart, hold: decisions.hold, ...images, ...(revision === undefined ? {} : { revision }), ...(this.deps.secretKey === undefined ? {} : { secretKey: this.deps.secretKey }) });
    if (!planned.ok) {
      const issue = planned.issues[0]!;
      return finish({ ok: false, desired, observed, plan: null, manifestInvalid, error: { code: issue.code, message: planned.issues.map((i) => i.message).join(' '), remediation: issue.remediation } });
    }
    const plan = planned.value;
    if (plan.actions.length === 0) return finish({ ok: !manifestInvalid, desired, observed, plan, manifestInvalid, error: manifestInvalid ? invalidError() : null });

    const refusal = (await this.deps.vetPlan?.(desired, plan)) ?? null;
    if (refusal !== null) return finish({ ok: false, desired, observed, plan, manifestInvalid, error: refusal });
    this.emit('drift.detected', { actions: plan.actions.length, summary: renderSummary(plan), changes: containerChanges(plan, this.deps.redact ?? ((text) => text)) }, correlationId);
    const report = await execute(
      plan,
      {
        podman: this.deps.podman,
        readSecret: this.deps.readSecret,
        sleep: this.deps.clock.sleep,
        now: this.deps.clock.now,
        onEvent: (event) => this.forward(event, correlationId),
        ...(this.deps.imagePulls === undefined ? {} : { recordPull: this.deps.imagePulls.record }),
      },
      { ...this.deps.execute, signal },
    );
    // What a pull brought is known only now: observe and plan again at once (the pull times keep it from pulling again).
    this.pulledLastRound = plan.actions.flatMap((a) => (a.kind === 'image.pull' ? [a.image] : []));
    if (report.ok && this.pulledLastRound.length > 0) this.deps.requestReconcile?.('image pulled');
    for (const action of plan.actions) {
      if (action.kind !== 'secret.remove' || action.config === true) continue;
      const created = plan.actions.find((a) => a.kind === 'secret.create' && a.secret.config !== true && a.secret.name === action.secret);
      const outcome = report.actions.find((o) => o.id === action.id);
      if (created !== undefined && created.kind === 'secret.create' && outcome?.status === 'succeeded') {
        this.emit('secret.rotated', { secret: action.secret, version: created.secret.podmanName }, correlationId);
      }
    }
    // /status shows, and /readyz vouches for, Podman as this reconcile left it: observed again.
    // Fix: the observation from before the actions was kept, so right after start /status said
    // `missing` for containers running for ~10 s (until the next trigger's reconcile).
    let after: ObservedState;
    try {
      after = this.withStopMarks(await this.deps.podman.observe(desired.project, [...new Set(desired.services.map((s) => s.spec.image))], { signal, restartCounts: true }), desired.project);
    } catch (error) {
      return finish({ ok: false, desired, observed, plan, manifestInvalid, error: errorInfo(error) });
    }
    const failed = report.actions.find((o) => o.status === 'failed');
    const error = failed?.error ?? (manifestInvalid ? invalidError() : null);
    return finish({ ok: report.ok && !manifestInvalid, desired, observed: after, plan, manifestInvalid, error });
  }

  /**
   * Restarts services the way `phoenix restart` does (plan/lifecycle.ts's planRestart: each
   * container stopped and started, in dependency order; a stopped one started), holding the
   * lock and observing afresh. The caller runs it inside the environment's work item, so it
   * never runs beside a reconcile; its action events carry `correlationId`.
   */
  async restart(services: readonly string[], correlationId: string, signal: AbortSignal): Promise<RestartResult> {
    const started = this.deps.clock.now();
    const done = (ok: boolean, actions: number, error: RestartResult['error']): RestartResult => ({ ok, actions, durationMs: Math.round(this.deps.clock.now() - started), error });
    const desired = this.lastGood;
    if (desired === null) return done(false, 0, { code: 'PHX-MANIFEST-INVALID', message: 'the manifests never validated: there is no service to restart', remediation: 'Fix the errors phoenix validate shows.' });
    try {
      await this.deps.claim?.(desired.project, signal);
      const observed = await this.deps.podman.observe(desired.project, [...new Set(desired.services.map((s) => s.spec.image))], { signal });
      const plan = planRestart(desired, observed, services);
      const report = await execute(plan, { podman: this.deps.podman, readSecret: this.deps.readSecret, sleep: this.deps.clock.sleep, now: this.deps.clock.now, onEvent: (event) => this.forward(event, correlationId) }, { ...this.deps.execute, signal });
      if (report.ok) this.deps.forgetStopped?.(desired.project, this.deps.environment, services);
      const failed = report.actions.find((o) => o.status === 'failed');
      return done(report.ok, plan.actions.length, report.ok ? null : (failed?.error ?? { code: 'PHX-RECONCILE-FAILED', message: 'the restart did not finish', remediation: "See watch's log." }));
    } catch (error) {
      return done(false, 0, errorInfo(error));
    }
  }

  /** An observation with the operator's stop marks: the planner keeps those services down, the verdict counts them as converged. */
  private withStopMarks(observed: ObservedState, project: string): ObservedState {
    const stopped = this.deps.stoppedServices?.(project, this.deps.environment);
    return stopped === undefined || Object.keys(stopped).length === 0 ? observed : { ...observed, stoppedServices: stopped };
  }

  private forward(event: ExecutionEvent, correlationId: string): void {
    const service = serviceOf(event.action);
    const base = { actionId: event.action.id, kind: event.action.kind, resource: resourceOf(event.action).name };
    switch (event.type) {
      case 'action.started':
        this.emit('action.started', { ...base, cause: event.action.cause }, correlationId, service);
        break;
      case 'action.succeeded':
        this.emit('action.succeeded', { ...base, durationMs: Math.round(event.durationMs) }, correlationId, service);
        break;
      case 'action.failed':
        this.emit('action.failed', { ...base, error: event.error }, correlationId, service);
        break;
      default:
        break;
    }
  }

  /**
   * Publishes the policy's findings as security events (denials of an invalid load, grants of a
   * valid one) when they differ from the last reconcile's: watch reconciles every few minutes,
   * and the audit log records changes, not the same grant every resync.
   */
  private reviewSecurity(loaded: LoadResult, correlationId: string): void {
    const review = loaded.ok ? { project: loaded.desired.project, findings: loaded.security.granted } : loaded.policyDenied;
    if (review === undefined) return;
    const key = JSON.stringify(review.findings.map((f) => [f.allowed, findingData(f)]));
    if (key === this.lastSecurityReview) return;
    this.lastSecurityReview = key;
    for (const event of securityEvents({ project: review.project, environment: this.deps.environment, correlationId }, review.findings, 'validation', this.deps.clock.date())) this.deps.bus.publish(event);
  }

  private emit<K extends EventKind>(kind: K, data: EventPayloads[K], correlationId: string, service?: string): void {
    const project = this.lastGood?.project ?? this.deps.environment;
    this.deps.bus.publish(
      makeEvent(kind, { project, environment: this.deps.environment, ...(service === undefined ? {} : { service }), correlationId }, data, this.deps.newId(), this.deps.clock.date()),
    );
  }
}

function invalidError(): { code: string; message: string; remediation: string } {
  return { code: 'PHX-MANIFEST-INVALID', message: 'the manifests do not validate; the last good version stays in force', remediation: 'Fix the errors reported in the manifest.invalid event (phoenix validate shows them).' };
}

function errorInfo(error: unknown): { code: string; message: string; remediation: string } {
  const e = error as { code?: unknown; message?: unknown; remediation?: unknown };
  return {
    code: typeof e.code === 'string' ? e.code : 'PHX-RECONCILE-FAILED',
    message: typeof e.message === 'string' ? e.message : String(error),
    remediation: typeof e.remediation === 'string' ? e.remediation : 'See the error; the reconcile is retried with backoff.',
  };
}
