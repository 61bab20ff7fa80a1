/**
 * Resilience for every Podman call, composed in this one place with cockatiel: retries of
 * transient failures with exponential backoff, and a circuit breaker that stops calling a
 * Podman that keeps failing. Callers see only PodmanError, including PODMAN-CIRCUIT-OPEN
 * and PODMAN-ABORTED.
 */
import type { IPolicy } from 'cockatiel';
import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, isBrokenCircuitError, isTaskCancelledError, retry, wrap } from 'cockatiel';
import type { DesiredNetwork, DesiredVolume, ImageBuild } from '../model/desired.js';
import type { ObservedState } from '../model/observed.js';
import type { ContainerIntent } from '../plan/actions.js';
import type { CallOptions, ContainerStatus, ObserveOptions, HealthCheckResult, PodmanClient } from './podman-client.js';
import type { PodmanErrorCode } from './podman-error.js';
import { PodmanError, isPodmanError } from './podman-error.js';

export interface ResilienceOptions {
  /** Retries after the first attempt (default 3). */
  readonly maxRetries?: number;
  /** First backoff delay in ms (default 200); it grows exponentially, with jitter. */
  readonly initialDelayMs?: number;
  /** Longest backoff delay in ms (default 5000). */
  readonly maxDelayMs?: number;
  /** Consecutive failures of Podman itself that open the circuit (default 5). */
  readonly breakerThreshold?: number;
  /** How long the circuit stays open before one trial call, in ms (default 30 s). */
  readonly halfOpenAfterMs?: number;
  /** Told of each retry, break and reset: for logs and metrics. */
  readonly onEvent?: (event: ResilienceEvent) => void;
}

export type ResilienceEvent =
  | { readonly type: 'retry'; readonly operation: string; readonly attempt: number; readonly delayMs: number; readonly code: PodmanErrorCode | null }
  | { readonly type: 'circuit-open'; readonly code: PodmanErrorCode | null }
  | { readonly type: 'circuit-half-open' }
  | { readonly type: 'circuit-closed' };

/** Worth retrying on any call: nothing happened. */
const RETRY_ALWAYS: ReadonlySet<PodmanErrorCode> = new Set(['PODMAN-STORAGE-LOCKED']);
/**
 * Worth retrying only on reads (a write that timed out may have happened), and only once: a
 * podman that is merely slow (waiting on a lock) answers the second time, a hung one would not
 * answer the third (four attempts once made a hung Podman cost 244 s before it was reported).
 */
const RETRY_READ_ONCE: ReadonlySet<PodmanErrorCode> = new Set(['PODMAN-TIMEOUT']);
/**
 * Failures of Podman itself, which the breaker counts. Answers from a working Podman (name in
 * use, no such object, image not found, port in use) and cancellations are not counted.
 */
const BREAKER_COUNTS: ReadonlySet<PodmanErrorCode> = new Set([
  'PODMAN-TIMEOUT',
  'PODMAN-STORAGE-LOCKED',
  'PODMAN-FAILED',
  'PODMAN-NOT-INSTALLED',
  'PODMAN-NOT-PERMITTED',
  'PODMAN-RUNTIME-SETUP',
  'PODMAN-NO-SPACE',
  'PODMAN-OUTPUT-INVALID',
]);

function codeOf(error: unknown): PodmanErrorCode | null {
  return isPodmanError(error) ? error.code : null;
}

/** Rejects when the signal aborts, so that a backoff delay does not outlive a cancellation. */
function abortion(signal: AbortSignal | undefined, operation: string): { promise: Promise<never>; dispose: () => void } {
  if (signal === undefined) return { promise: new Promise<never>(() => undefined), dispose: () => undefined };
  let onAbort = (): void => undefined;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(new PodmanError('PODMAN-ABORTED', `${operation} was cancelled`, { cause: signal.reason }));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/**
 * Wraps a PodmanClient with retries and a circuit breaker. Reads (observe, containerStatus)
 * are retried once on a timeout too; writes only on a locked storage. Every call honours its
 * AbortSignal, during backoff delays as well.
 */
export function withResilience(client: PodmanClient, options: ResilienceOptions = {}): PodmanClient {
  const breakerThreshold = options.breakerThreshold ?? 5;
  const halfOpenAfterMs = options.halfOpenAfterMs ?? 30_000;
  const emit = options.onEvent ?? (() => undefined);
  let lastFailure: unknown = null;

  const breaker = circuitBreaker(
    handleWhen((error) => isPodmanError(error) && BREAKER_COUNTS.has(error.code)),
    { halfOpenAfter: halfOpenAfterMs, breaker: new ConsecutiveBreaker(breakerThreshold) },
  );
  breaker.onFailure(({ reason }) => {
    if ('error' in reason) lastFailure = reason.error;
  });
  breaker.onBreak(() => emit({ type: 'circuit-open', code: codeOf(lastFailure) }));
  breaker.onHalfOpen(() => emit({ type: 'circuit-half-open' }));
  breaker.onReset(() => emit({ type: 'circuit-closed' }));

  const retryPolicy = (codes: ReadonlySet<PodmanErrorCode>, maxAttempts: number) =>
    retry(
      handleWhen((error) => isPodmanError(error) && codes.has(error.code)),
      { maxAttempts, backoff: new ExponentialBackoff({ initialDelay: options.initialDelayMs ?? 200, maxDelay: options.maxDelayMs ?? 5000 }) },
    );

  async function run<T>(policy: IPolicy, operation: string, call: CallOptions | undefined, fn: (call: CallOptions) => Promise<T>): Promise<T> {
    const signal = call?.signal;
    if (signal?.aborted === true) throw new PodmanError('PODMAN-ABORTED', `${operation} was cancelled`, { cause: signal.reason });
    const aborted = abortion(signal, operation);
    const execution = policy.execute(({ signal: policySignal }) => fn({ ...call, signal: policySignal }), signal);
    // A cancelled call may still finish its backoff delay in the background; its outcome is moot.
    execution.catch(() => undefined);
    try {
      return await Promise.race([execution, aborted.promise]);
    } catch (error) {
      if (isBrokenCircuitError(error)) {
        const last = isPodmanError(lastFailure) ? ` The last failure: ${lastFailure.message}` : '';
        throw new PodmanError('PODMAN-CIRCUIT-OPEN', `${operation} was not attempted: Podman failed ${breakerThreshold} times in a row, so calls to it are paused for ${Math.round(halfOpenAfterMs / 1000)} s.${last}`, {
          cause: lastFailure ?? error,
        });
      }
      if (isTaskCancelledError(error)) throw new PodmanError('PODMAN-ABORTED', `${operation} was cancelled`, { cause: error });
      throw error;
    } finally {
      aborted.dispose();
    }
  }

  const retryListener = (operation: string) => (event: { delay: number; attempt: number } & ({ error: Error } | { value: unknown })) =>
    emit({ type: 'retry', operation, attempt: event.attempt, delayMs: event.delay, code: 'error' in event ? codeOf(event.error) : null });

  // One retry policy per kind of call, so that retry events name it; the breaker is shared by all.
  // Retry wraps the breaker: every attempt counts towards opening it, and an open circuit is not retried.
  // The deadline of each attempt is the Podman client's (call-deadlines.ts).
  const policies = new Map<string, IPolicy>();
  const policyFor = (operation: string, read: boolean): IPolicy => {
    let policy = policies.get(operation);
    if (policy === undefined) {
      const retrying = retryPolicy(RETRY_ALWAYS, options.maxRetries ?? 3);
      retrying.onRetry(retryListener(operation));
      if (read) {
        const retryingTimeout = retryPolicy(RETRY_READ_ONCE, 1);
        retryingTimeout.onRetry(retryListener(operation));
        policy = wrap(retrying, retryingTimeout, breaker);
      } else {
        policy = wrap(retrying, breaker);
      }
      policies.set(operation, policy);
    }
    return policy;
  };

  const read = <T>(operation: string, call: CallOptions | undefined, fn: (call: CallOptions) => Promise<T>): Promise<T> => run(policyFor(operation, true), operation, call, fn);
  const write = <T>(operation: string, call: CallOptions | undefined, fn: (call: CallOptions) => Promise<T>): Promise<T> => run(policyFor(operation, false), operation, call, fn);

  return {
    observe: (project: string, imageRefs: readonly string[], call?: ObserveOptions): Promise<ObservedState> =>
      read('observe', call, (c) => client.observe(project, imageRefs, { ...c, ...(call?.restartCounts === true ? { restartCounts: true } : {}) })),
    // A build or pull is not retried (a failed build fails again; its output was already shown), but the breaker sees it.
    buildImage: (build: ImageBuild, onLine: (line: string) => void, call?: CallOptions) => write('buildImage', call, (c) => client.buildImage(build, onLine, c)),
    pullImage: (image: string, pull: { readonly tlsVerify: boolean }, onLine: (line: string) => void, call?: CallOptions) => write('pullImage', call, (c) => client.pullImage(image, pull, onLine, c)),
    containerStatus: (name: string, call?: CallOptions): Promise<ContainerStatus> => read('containerStatus', call, (c) => client.containerStatus(name, c)),
    createNetwork: (network: DesiredNetwork, call?: CallOptions) => write('createNetwork', call, (c) => client.createNetwork(network, c)),
    removeNetwork: (name: string, call?: CallOptions) => write('removeNetwork', call, (c) => client.removeNetwork(name, c)),
    createVolume: (volume: DesiredVolume, call?: CallOptions) => write('createVolume', call, (c) => client.createVolume(volume, c)),
    removeVolume: (name: string, call?: CallOptions) => write('removeVolume', call, (c) => client.removeVolume(name, c)),
    createSecret: (name: string, value: Uint8Array, labels: Readonly<Record<string, string>>, call?: CallOptions) => write('createSecret', call, (c) => client.createSecret(name, value, labels, c)),
    removeSecret: (name: string, call?: CallOptions) => write('removeSecret', call, (c) => client.removeSecret(name, c)),
    createContainer: (intent: ContainerIntent, name?: string, call?: CallOptions): Promise<string> => write('createContainer', call, (c) => client.createContainer(intent, name, c)),
    startContainer: (name: string, call?: CallOptions) => write('startContainer', call, (c) => client.startContainer(name, c)),
    stopContainer: (name: string, timeoutSeconds: number, call?: CallOptions) => write('stopContainer', call, (c) => client.stopContainer(name, timeoutSeconds, c)),
    removeContainer: (name: string, timeoutSeconds: number, call?: CallOptions) => write('removeContainer', call, (c) => client.removeContainer(name, timeoutSeconds, c)),
    renameContainer: (from: string, to: string, call?: CallOptions) => write('renameContainer', call, (c) => client.renameContainer(from, to, c)),
    runHealthCheck: (name: string, call?: CallOptions): Promise<HealthCheckResult> => write('runHealthCheck', call, (c) => client.runHealthCheck(name, c)),
  };
}
