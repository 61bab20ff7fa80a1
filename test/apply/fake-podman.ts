import type { DesiredNetwork, DesiredVolume, ImageBuild } from '../../src/model/desired.js';
import type { ObservedState } from '../../src/model/observed.js';
import type { ContainerIntent } from '../../src/plan/actions.js';
import type { CallOptions, ContainerStatus, HealthCheckResult, PodmanClient } from '../../src/podman/podman-client.js';
import type { FakeClock } from './fake-clock.js';

/**
 * A FAKE PodmanClient: a test double that keeps networks, volumes, secrets and containers in
 * memory and records every call. It stands in for Podman only in executor unit tests, which
 * test the executor, not Podman. Failures, delays, health check results and container states
 * are programmable.
 */

/** What a PodmanError looks like to the executor: a code and a remediation. */
export class FakePodmanError extends Error {
  override readonly name = 'FakePodmanError';
  constructor(
    readonly code: string,
    message: string,
    readonly remediation = 'fake remediation',
  ) {
    super(message);
  }
}

export type FakeMethod = Exclude<keyof PodmanClient, 'observe'>;

export interface FakeCall {
  readonly method: FakeMethod;
  /** The object the call is about (a name), and the other arguments. */
  readonly target: string;
  readonly args: readonly unknown[];
  readonly startedAt: number;
  endedAt: number | null;
}

export interface FakeContainer {
  readonly name: string;
  readonly intent: ContainerIntent;
  state: string;
  exitCode: number | null;
}

/** Health check script: given the 0-based attempt and the time, what the check says. */
export type HealthScript = (attempt: number, now: number) => HealthCheckResult;

export class FakePodman implements PodmanClient {
  readonly calls: FakeCall[] = [];
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Set<string>();
  readonly volumes = new Set<string>();
  readonly secrets = new Map<string, { value: Uint8Array; labels: Readonly<Record<string, string>> }>();
  /** Calls in progress right now, and the most there ever were. */
  inFlight = 0;
  maxInFlight = 0;

  private readonly failures = new Map<string, () => Error>();
  private readonly delays = new Map<string, number>();
  private readonly healthScripts = new Map<string, HealthScript>();
  private readonly healthAttempts = new Map<string, number>();
  private readonly statusScripts = new Map<string, ContainerStatus[]>();

  constructor(private readonly clock: FakeClock) {}

  /** Makes `method` fail (for `target` only, or for any target). */
  failOn(method: FakeMethod, target: string | '*', error: () => Error = () => new FakePodmanError('PODMAN-FAKE', `${method} ${target} failed`)): this {
    this.failures.set(`${method}:${target}`, error);
    return this;
  }

  /** Makes `method` take `ms` of virtual time (for `target` only, or for any target). */
  delay(method: FakeMethod | '*', target: string | '*', ms: number): this {
    this.delays.set(`${method}:${target}`, ms);
    return this;
  }

  /** What each health check run of `container` returns. */
  health(container: string, script: HealthScript): this {
    this.healthScripts.set(container, script);
    return this;
  }

  /** Successive answers of containerStatus for `container`; the last one repeats. */
  statuses(container: string, ...statuses: ContainerStatus[]): this {
    this.statusScripts.set(container, statuses);
    return this;
  }

  /** Puts a container in the fake as if it already existed. */
  addContainer(name: string, intent: ContainerIntent, state = 'running', exitCode: number | null = null): this {
    this.containers.set(name, { name, intent, state, exitCode });
    return this;
  }

  callsTo(method: FakeMethod): FakeCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** `method target` for each call, in order: the easy thing to assert on. */
  callLog(): string[] {
    return this.calls.map((call) => `${call.method} ${call.target}`);
  }

  private async enter(method: FakeMethod, target: string, args: readonly unknown[], options: CallOptions | undefined): Promise<() => void> {
    options?.signal?.throwIfAborted();
    const call: FakeCall = { method, target, args, startedAt: this.clock.now(), endedAt: null };
    this.calls.push(call);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const done = (): void => {
      this.inFlight -= 1;
      call.endedAt = this.clock.now();
    };
    try {
      const ms = this.delays.get(`${method}:${target}`) ?? this.delays.get(`${method}:*`) ?? this.delays.get(`*:${target}`) ?? this.delays.get('*:*') ?? 0;
      if (ms > 0) await this.clock.sleep(ms, options?.signal);
      const failure = this.failures.get(`${method}:${target}`) ?? this.failures.get(`${method}:*`);
      if (failure !== undefined) throw failure();
    } catch (error) {
      done();
      throw error;
    }
    return done;
  }

  private async perform<T>(method: FakeMethod, target: string, args: readonly unknown[], options: CallOptions | undefined, effect: () => T): Promise<T> {
    const done = await this.enter(method, target, args, options);
    try {
      return effect();
    } finally {
      done();
    }
  }

  observe(): Promise<ObservedState> {
    return Promise.reject(new Error('the fake Podman does not observe; executor tests do not need it'));
  }

  /** Images built or pulled, by reference. */
  readonly images = new Set<string>();

  buildImage(build: ImageBuild, onLine: (line: string) => void, options?: CallOptions): Promise<void> {
    return this.perform('buildImage', build.image, [build], options, () => {
      onLine(`STEP 1/1: building ${build.image}`);
      this.images.add(build.image);
    });
  }

  pullImage(image: string, pull: { readonly tlsVerify: boolean }, onLine: (line: string) => void, options?: CallOptions): Promise<void> {
    return this.perform('pullImage', image, [pull], options, () => {
      onLine(`Trying to pull ${image}...`);
      this.images.add(image);
    });
  }

  createNetwork(network: DesiredNetwork, options?: CallOptions): Promise<void> {
    return this.perform('createNetwork', network.podmanName, [network], options, () => {
      if (this.networks.has(network.podmanName)) throw new FakePodmanError('PODMAN-EXISTS', `network ${network.podmanName} exists`);
      this.networks.add(network.podmanName);
    });
  }

  removeNetwork(name: string, options?: CallOptions): Promise<void> {
    return this.perform('removeNetwork', name, [], options, () => void this.networks.delete(name));
  }

  createVolume(volume: DesiredVolume, options?: CallOptions): Promise<void> {
    return this.perform('createVolume', volume.podmanName, [volume], options, () => void this.volumes.add(volume.podmanName));
  }

  removeVolume(name: string, options?: CallOptions): Promise<void> {
    return this.perform('removeVolume', name, [], options, () => void this.volumes.delete(name));
  }

  createSecret(name: string, value: Uint8Array, labels: Readonly<Record<string, string>>, options?: CallOptions): Promise<void> {
    // The value is deliberately left out of the call record; the stored copy is for assertions.
    return this.perform('createSecret', name, [labels], options, () => void this.secrets.set(name, { value: Uint8Array.from(value), labels }));
  }

  removeSecret(name: string, options?: CallOptions): Promise<void> {
    return this.perform('removeSecret', name, [], options, () => void this.secrets.delete(name));
  }

  createContainer(intent: ContainerIntent, name?: string, options?: CallOptions): Promise<string> {
    const actual = name ?? intent.name;
    return this.perform('createContainer', actual, [intent], options, () => {
      if (this.containers.has(actual)) throw new FakePodmanError('PODMAN-EXISTS', `container ${actual} exists`);
      this.containers.set(actual, { name: actual, intent, state: 'created', exitCode: null });
      return `id-${actual}`;
    });
  }

  startContainer(name: string, options?: CallOptions): Promise<void> {
    return this.perform('startContainer', name, [], options, () => {
      this.existing(name).state = 'running';
    });
  }

  stopContainer(name: string, timeoutSeconds: number, options?: CallOptions): Promise<void> {
    return this.perform('stopContainer', name, [timeoutSeconds], options, () => {
      const container = this.existing(name);
      container.state = 'exited';
      container.exitCode = 0;
    });
  }

  removeContainer(name: string, timeoutSeconds: number, options?: CallOptions): Promise<void> {
    return this.perform('removeContainer', name, [timeoutSeconds], options, () => void this.containers.delete(name));
  }

  renameContainer(from: string, to: string, options?: CallOptions): Promise<void> {
    return this.perform('renameContainer', from, [to], options, () => {
      const container = this.existing(from);
      if (this.containers.has(to)) throw new FakePodmanError('PODMAN-EXISTS', `container ${to} exists`);
      this.containers.delete(from);
      this.containers.set(to, { ...container, name: to });
    });
  }

  containerStatus(name: string, options?: CallOptions): Promise<ContainerStatus> {
    return this.perform('containerStatus', name, [], options, () => {
      const script = this.statusScripts.get(name);
      if (script !== undefined) return script.length > 1 ? script.shift()! : script[0]!;
      const container = this.containers.get(name);
      if (container === undefined) return { exists: false, state: '', exitCode: null, running: false };
      return { exists: true, state: container.state, exitCode: container.exitCode, running: container.state === 'running' };
    });
  }

  runHealthCheck(name: string, options?: CallOptions): Promise<HealthCheckResult> {
    return this.perform('runHealthCheck', name, [], options, () => {
      const attempt = this.healthAttempts.get(name) ?? 0;
      this.healthAttempts.set(name, attempt + 1);
      const script = this.healthScripts.get(name);
      if (script === undefined) throw new FakePodmanError('PODMAN-NO-HEALTHCHECK', `container ${name} has no health check`);
      return script(attempt, this.clock.now());
    });
  }

  private existing(name: string): FakeContainer {
    const container = this.containers.get(name);
    if (container === undefined) throw new FakePodmanError('PODMAN-NOT-FOUND', `no container ${name}`);
    return container;
  }
}

/** A status as containerStatus reports it. */
export function status(state: string, exitCode: number | null = null): ContainerStatus {
  return state === 'missing' ? { exists: false, state: '', exitCode: null, running: false } : { exists: true, state, exitCode, running: state === 'running' };
}
