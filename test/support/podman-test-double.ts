/**
 * A test double of PodmanClient for unit tests of code above the Podman door (it is not
 * Podman, and no test that claims to test Podman uses it). Each method answers from a script
 * of outcomes and records every call.
 */
import { EMPTY_OBSERVED } from '../../src/model/observed.js';
import type { CallOptions, ContainerStatus, HealthCheckResult, PodmanClient } from '../../src/podman/podman-client.js';

type Method = keyof PodmanClient;

/** What one call does: return a value, throw an error, or run a function (which may wait on the signal). */
export type Outcome = { readonly value: unknown } | { readonly error: unknown } | { readonly run: (options: CallOptions | undefined) => Promise<unknown> };

export interface RecordedCall {
  readonly method: Method;
  readonly args: readonly unknown[];
  readonly options: CallOptions | undefined;
}

const DEFAULTS: Record<Method, unknown> = {
  observe: EMPTY_OBSERVED,
  buildImage: undefined,
  pullImage: undefined,
  createNetwork: undefined,
  removeNetwork: undefined,
  createVolume: undefined,
  removeVolume: undefined,
  createSecret: undefined,
  removeSecret: undefined,
  createContainer: '0'.repeat(64),
  startContainer: undefined,
  stopContainer: undefined,
  removeContainer: undefined,
  renameContainer: undefined,
  containerStatus: { exists: true, state: 'running', exitCode: null, running: true } satisfies ContainerStatus,
  runHealthCheck: { healthy: true, output: '' } satisfies HealthCheckResult,
};

export class PodmanClientTestDouble implements PodmanClient {
  readonly calls: RecordedCall[] = [];
  private readonly scripts = new Map<Method, Outcome[]>();

  /** Queues outcomes for a method: each call takes the next one, and the last one repeats. */
  script(method: Method, ...outcomes: Outcome[]): this {
    this.scripts.set(method, [...(this.scripts.get(method) ?? []), ...outcomes]);
    return this;
  }

  callsOf(method: Method): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  private async answer(method: Method, args: readonly unknown[], options: CallOptions | undefined): Promise<never> {
    this.calls.push({ method, args, options });
    const queue = this.scripts.get(method) ?? [];
    const outcome = queue.length > 1 ? queue.shift() : queue[0];
    if (outcome === undefined) return DEFAULTS[method] as never;
    if ('error' in outcome) throw outcome.error;
    if ('run' in outcome) return (await outcome.run(options)) as never;
    return outcome.value as never;
  }

  observe(project: string, imageRefs: readonly string[], options?: CallOptions) {
    return this.answer('observe', [project, imageRefs], options);
  }
  buildImage(...args: Parameters<PodmanClient['buildImage']>) {
    return this.answer('buildImage', args.slice(0, 1), args[2]);
  }
  pullImage(...args: Parameters<PodmanClient['pullImage']>) {
    return this.answer('pullImage', args.slice(0, 2), args[3]);
  }
  createNetwork(...args: Parameters<PodmanClient['createNetwork']>) {
    return this.answer('createNetwork', args.slice(0, 1), args[1]);
  }
  removeNetwork(name: string, options?: CallOptions) {
    return this.answer('removeNetwork', [name], options);
  }
  createVolume(...args: Parameters<PodmanClient['createVolume']>) {
    return this.answer('createVolume', args.slice(0, 1), args[1]);
  }
  removeVolume(name: string, options?: CallOptions) {
    return this.answer('removeVolume', [name], options);
  }
  createSecret(name: string, value: Uint8Array, labels: Readonly<Record<string, string>>, options?: CallOptions) {
    return this.answer('createSecret', [name, value, labels], options);
  }
  removeSecret(name: string, options?: CallOptions) {
    return this.answer('removeSecret', [name], options);
  }
  createContainer(...args: Parameters<PodmanClient['createContainer']>) {
    return this.answer('createContainer', args.slice(0, 2), args[2]);
  }
  startContainer(name: string, options?: CallOptions) {
    return this.answer('startContainer', [name], options);
  }
  stopContainer(name: string, timeoutSeconds: number, options?: CallOptions) {
    return this.answer('stopContainer', [name, timeoutSeconds], options);
  }
  removeContainer(name: string, timeoutSeconds: number, options?: CallOptions) {
    return this.answer('removeContainer', [name, timeoutSeconds], options);
  }
  renameContainer(from: string, to: string, options?: CallOptions) {
    return this.answer('renameContainer', [from, to], options);
  }
  containerStatus(name: string, options?: CallOptions) {
    return this.answer('containerStatus', [name], options);
  }
  runHealthCheck(name: string, options?: CallOptions) {
    return this.answer('runHealthCheck', [name], options);
  }
}
