import type { ObservedPrivileges } from '../security/privilege-drift.js';
import type { DesiredNetwork, DesiredVolume, ImageBuild } from '../model/desired.js';
import type { ObservedState } from '../model/observed.js';
import type { ContainerIntent } from '../plan/actions.js';
import type { ContainerEvent, WatchContainerEventsOptions } from './podman-events.js';

/** Options every Podman call takes: cancellation, and a deadline for the call. */
export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Milliseconds before the call fails with PODMAN-TIMEOUT. */
  readonly timeoutMs?: number;
}

/** Options of {@link PodmanClient.observe}. */
export interface ObserveOptions extends CallOptions {
  /**
   * Also read how often Podman's own restart policy restarted each of the project's containers
   * (`RestartCount`, which only inspect gives: one request per container, and a long-lived
   * client asks only for containers started or changed since it last read them). Only what reports
   * restarts (status, watch's /status) asks: a plan does not need it, and it is a third of an
   * unchanged apply's observation.
   */
  readonly restartCounts?: boolean;
}

/** The result of one health check run by Phoenix (`podman healthcheck run`). */
export interface HealthCheckResult {
  readonly healthy: boolean;
  /** What the check printed (trimmed, at most a few KiB). */
  readonly output: string;
}

/** A container's state as seen right now, for waits (started, healthy, completed). */
export interface ContainerStatus {
  readonly exists: boolean;
  readonly state: string;
  readonly exitCode: number | null;
  readonly running: boolean;
}

/** One log line of a container. */
export interface LogLine {
  readonly container: string;
  readonly stream: 'stdout' | 'stderr';
  /** When Podman logged it: RFC 3339 with nanoseconds, as `podman logs --timestamps` prints it. */
  readonly time: string;
  readonly text: string;
}

/** What `phoenix logs` asks for. */
export interface LogOptions {
  /** Keep streaming new lines until the signal aborts or the containers stop. */
  readonly follow: boolean;
  /** Only the last N lines of each container; undefined for all. */
  readonly tail?: number;
  /** Only lines logged at or after this RFC 3339 time (`podman logs --since`). */
  readonly since?: string;
}

/** One container of a Phoenix service, found by its labels (whatever its name: `web-1-next` during a recreate). */
export interface ServiceContainer {
  readonly id: string;
  readonly name: string;
  /** Its `io.phoenix.service` label. */
  readonly service: string;
  /** Its `io.phoenix.replica` label; 0 when it has none. */
  readonly replica: number;
  readonly running: boolean;
  /** When it was created, in ms since the epoch (whole seconds from the CLI; 0 when Podman does not say). */
  readonly createdMs: number;
  /** When it last started (RFC 3339), null when it never ran: tells a restart of the same container apart. */
  readonly startedAt: string | null;
}

/** The Podman behind the client. */
export interface PodmanVersion {
  readonly version: string;
  readonly apiVersion: string;
}

/**
 * The only door to Podman. Everything above it sees typed results and PodmanError; nothing
 * else in src/ runs a process or opens Podman's socket.
 */
export interface PodmanClient {
  /** One snapshot of everything the planner needs, in a fixed number of calls. */
  observe(project: string, imageRefs: readonly string[], options?: ObserveOptions): Promise<ObservedState>;
  /** Builds an image with `podman build`, handing over each line of its output as it comes. */
  buildImage(build: ImageBuild, onLine: (line: string) => void, options?: CallOptions): Promise<void>;
  /** Pulls an image reference (with the registry credentials of `podman login` or REGISTRY_AUTH_FILE), handing over each progress line. */
  pullImage(image: string, pull: { readonly tlsVerify: boolean }, onLine: (line: string) => void, options?: CallOptions): Promise<void>;
  createNetwork(network: DesiredNetwork, options?: CallOptions): Promise<void>;
  /** No error when it is already gone (as for every removal). */
  removeNetwork(name: string, options?: CallOptions): Promise<void>;
  createVolume(volume: DesiredVolume, options?: CallOptions): Promise<void>;
  removeVolume(name: string, options?: CallOptions): Promise<void>;
  /** Creates a secret; the value goes to Podman on standard input, never on a command line. */
  createSecret(name: string, value: Uint8Array, labels: Readonly<Record<string, string>>, options?: CallOptions): Promise<void>;
  removeSecret(name: string, options?: CallOptions): Promise<void>;
  /** Creates (does not start) a container; `name` overrides the intent's name (for a replacement made under a temporary name). Pulls the image when it is missing. */
  createContainer(intent: ContainerIntent, name?: string, options?: CallOptions): Promise<string>;
  startContainer(name: string, options?: CallOptions): Promise<void>;
  stopContainer(name: string, timeoutSeconds: number, options?: CallOptions): Promise<void>;
  /** Removes a container, stopping it first with the timeout; no error when it is already gone. */
  removeContainer(name: string, timeoutSeconds: number, options?: CallOptions): Promise<void>;
  renameContainer(from: string, to: string, options?: CallOptions): Promise<void>;
  /** `exists: false` (state `missing`) when there is no such container; no error. */
  containerStatus(name: string, options?: CallOptions): Promise<ContainerStatus>;
  /** Runs the container's health check once, now: healthy or not is the answer; failing to run it at all is a PodmanError. */
  runHealthCheck(name: string, options?: CallOptions): Promise<HealthCheckResult>;
}

/**
 * What the CLI's `logs` and `doctor`-like commands need besides reconciling; kept apart so
 * that the executor's test doubles need not fake it.
 */
export interface PodmanInspector {
  /**
   * Streams the logs of each container (one stream per container) to `onLine`, which tells
   * the containers apart by `LogLine.container`. Resolves when every stream ends, or when
   * `signal` aborts (the normal end of a follow).
   */
  streamLogs(names: readonly string[], options: LogOptions, onLine: (line: LogLine) => void, signal?: AbortSignal): Promise<void>;
  version(options?: CallOptions): Promise<PodmanVersion>;
  /**
   * The containers of one environment of a project that carry a service label, running or
   * not (one list call): how `phoenix logs -f` finds a service's new container after a recreate.
   */
  listServiceContainers(project: string, environment: string, options?: CallOptions): Promise<ServiceContainer[]>;
  /**
   * Streams container events (`podman events`) to `onEvent` until `signal` aborts, restarting
   * the stream with backoff whenever it drops; never rejects (see podman-events.ts).
   */
  watchContainerEvents(options: WatchContainerEventsOptions, onEvent: (event: ContainerEvent) => void, signal: AbortSignal): Promise<void>;
  /** The privileges of each container (one `container inspect` of all of them), by name; a container gone meanwhile is left out. */
  inspectPrivileges(names: readonly string[], options?: CallOptions): Promise<ReadonlyMap<string, ObservedPrivileges>>;
}
