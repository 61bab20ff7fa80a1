/**
 * TEST DOUBLE — not Podman, and no test that claims to test Podman uses it. An in-memory
 * stand-in for the few PodmanClient calls the health monitor and the restart driver make:
 * containers that run or not, health checks answered by a script, stop and start that
 * change state, failures on demand; every call recorded.
 */
import { EMPTY_OBSERVED } from '../../../src/model/observed.js';
import type { ObservedState } from '../../../src/model/observed.js';
import type { CallOptions, ContainerStatus, HealthCheckResult, PodmanClient } from '../../../src/podman/podman-client.js';

type Methods = 'observe' | 'containerStatus' | 'runHealthCheck' | 'stopContainer' | 'startContainer';

/** One recorded call. */
export interface DoubleCall {
  readonly method: Methods;
  readonly container: string;
  readonly options: CallOptions | undefined;
  readonly at: number;
}

interface DoubleContainer {
  running: boolean;
  state: string;
  exitCode: number | null;
  startedAt: number | null;
}

/** What a health check run says: a result, or an error (Podman could not run it). */
export type HealthScript = (container: string, run: number) => HealthCheckResult | Error;

export class PodmanHealthTestDouble implements Pick<PodmanClient, Methods> {
  readonly calls: DoubleCall[] = [];
  readonly containers = new Map<string, DoubleContainer>();
  /** The default: every check passes. */
  health: HealthScript = () => ({ healthy: true, output: 'ok' });
  /** Set to make every call of a method fail. */
  readonly failing = new Map<Methods, Error>();
  /** Called after each start: lets a test script what a restarted container does. */
  onStart: (container: string) => void = () => undefined;
  private readonly runs = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** Adds a container, running since `startedAt` (default now). */
  add(name: string, options: { running?: boolean; startedAt?: number; exitCode?: number | null; state?: string } = {}): this {
    const running = options.running ?? true;
    this.containers.set(name, { running, state: options.state ?? (running ? 'running' : 'exited'), exitCode: options.exitCode ?? null, startedAt: running ? (options.startedAt ?? this.now()) : null });
    return this;
  }

  /** The container's process ends with `exitCode`. */
  exit(name: string, exitCode: number): void {
    const container = this.containers.get(name);
    if (container !== undefined) Object.assign(container, { running: false, state: 'exited', exitCode, startedAt: null });
  }

  callsOf(method: Methods, container?: string): DoubleCall[] {
    return this.calls.filter((call) => call.method === method && (container === undefined || call.container === container));
  }

  private record(method: Methods, container: string, options: CallOptions | undefined): void {
    this.calls.push({ method, container, options, at: this.now() });
    const failure = this.failing.get(method);
    if (failure !== undefined) throw failure;
  }

  async observe(project: string, _imageRefs: readonly string[], options?: CallOptions): Promise<ObservedState> {
    this.record('observe', project, options);
    return {
      ...EMPTY_OBSERVED,
      containers: [...this.containers].map(([name, c]) => ({
        id: `id-${name}`,
        name,
        labels: {},
        state: c.running ? 'running' : 'exited',
        exitCode: c.exitCode,
        image: 'img',
        imageId: 'sha256:img',
        startedAt: c.startedAt === null ? null : new Date(c.startedAt).toISOString(),
        health: 'none',
        restartCount: 0,
      })),
    };
  }

  async containerStatus(name: string, options?: CallOptions): Promise<ContainerStatus> {
    this.record('containerStatus', name, options);
    const c = this.containers.get(name);
    if (c === undefined) return { exists: false, state: 'missing', exitCode: null, running: false };
    return { exists: true, state: c.state, exitCode: c.exitCode, running: c.running };
  }

  async runHealthCheck(name: string, options?: CallOptions): Promise<HealthCheckResult> {
    this.record('runHealthCheck', name, options);
    const c = this.containers.get(name);
    if (c === undefined || !c.running) throw new Error(`container ${name} is not running`);
    const run = this.runs.get(name) ?? 0;
    this.runs.set(name, run + 1);
    const result = this.health(name, run);
    if (result instanceof Error) throw result;
    return result;
  }

  async stopContainer(name: string, _timeoutSeconds: number, options?: CallOptions): Promise<void> {
    this.record('stopContainer', name, options);
    const c = this.containers.get(name);
    if (c !== undefined && c.running) Object.assign(c, { running: false, state: 'exited', exitCode: 143, startedAt: null });
  }

  async startContainer(name: string, options?: CallOptions): Promise<void> {
    this.record('startContainer', name, options);
    const c = this.containers.get(name);
    if (c === undefined) throw new Error(`no container with name or ID "${name}" found`);
    Object.assign(c, { running: true, state: 'running', exitCode: null, startedAt: this.now() });
    this.onStart(name);
  }
}
