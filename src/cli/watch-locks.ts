import type { Logger } from 'pino';
import type { ReconcileResult } from '../controller/environment-reconciler.js';
import { renderSummary } from '../plan/render-text.js';
import { acquireEnvironmentLock, describeHolder } from '../state/environment-lock.js';
import type { EnvironmentLock } from '../state/environment-lock.js';
import type { RemoteReconcileOutcome } from '../state/lock-protocol.js';

/** What the watch command's locks need. */
export interface WatchLocksOptions {
  readonly stateDir: string;
  /** Longest wait for a lock another process holds; then that reconcile fails with PHX-LOCKED and is retried. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Reconciles an environment on request through the controller's work queue (WatchController.reconcileNow). */
  readonly reconcile: (environment: string, reason: string) => Promise<ReconcileResult | null>;
  /** Where watch serves its status page, once it does: the lock tells `phoenix status`. */
  readonly telemetryUrl?: () => string | null;
}

/**
 * The environment locks `phoenix watch` holds: taken by an environment's first reconcile (its
 * project is known only once its manifests loaded), kept while watch runs, moved when an edit
 * changes the project, released when watch stops. While it holds one, an apply of that
 * environment asks it to reconcile instead of waiting, and gets the outcome.
 */
export class WatchLocks {
  private readonly held = new Map<string, { readonly project: string; readonly lock: EnvironmentLock }>();
  private stopping = false;

  constructor(private readonly options: WatchLocksOptions) {}

  /** Holds the lock of `environment` as `project` (ReconcilerDeps.claim); the work queue never calls it twice at once for one environment. */
  async claim(environment: string, project: string, signal: AbortSignal): Promise<void> {
    const current = this.held.get(environment);
    if (current?.project === project) return;
    if (current !== undefined) {
      this.held.delete(environment);
      await current.lock.release();
    }
    const { logger } = this.options;
    const telemetryUrl = this.options.telemetryUrl?.() ?? null;
    const acquisition = await acquireEnvironmentLock({
      ...(telemetryUrl === null ? {} : { telemetryUrl }),
      stateDir: this.options.stateDir,
      project,
      environment,
      command: 'watch',
      timeoutMs: this.options.timeoutMs,
      signal,
      onWait: (holder) => logger.warn({ environment, project, holder }, `${project}/${environment} is locked by ${describeHolder(holder)}; waiting for it`),
      onReconcileRequest: (from) => this.reconcileFor(environment, from),
    });
    if (acquisition.kind !== 'acquired') throw new Error(`the lock of ${project}/${environment} was not taken`);
    if (this.stopping) {
      await acquisition.lock.release();
      throw new Error('watch is stopping');
    }
    this.held.set(environment, { project, lock: acquisition.lock });
    logger.info({ environment, project }, `holding the lock of ${project}/${environment}: other Phoenix commands wait, and apply hands its requests to this process`);
  }

  /** Stops answering requests with reconciles (a request then ends without an outcome, and the requester takes the lock once it is free). */
  stop(): void {
    this.stopping = true;
  }

  /** Releases every lock: call after the controller stopped acting. */
  async releaseAll(): Promise<void> {
    this.stopping = true;
    const locks = [...this.held.values()];
    this.held.clear();
    await Promise.all(locks.map((held) => held.lock.release()));
  }

  private async reconcileFor(environment: string, from: { pid: number; command: string }): Promise<RemoteReconcileOutcome> {
    if (this.stopping) throw new Error('watch is stopping');
    this.options.logger.info({ environment, requester: from }, `phoenix ${from.command} (pid ${from.pid}) asked for a reconcile of ${environment}`);
    const result = await this.options.reconcile(environment, `requested by phoenix ${from.command} (pid ${from.pid})`);
    if (result === null) {
      if (this.stopping) throw new Error('watch is stopping');
      return { ok: false, actions: 0, summary: null, durationMs: 0, manifestInvalid: false, error: { code: 'PHX-RECONCILE-FAILED', message: 'the reconcile ended without a result', remediation: "See phoenix watch's log." } };
    }
    return {
      ok: result.ok,
      actions: result.plan?.actions.length ?? 0,
      summary: result.plan === null || result.plan.actions.length === 0 ? null : renderSummary(result.plan),
      durationMs: result.durationMs,
      manifestInvalid: result.manifestInvalid,
      error: result.error,
    };
  }
}
