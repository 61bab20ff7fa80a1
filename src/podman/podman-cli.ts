import type { ObservedPrivileges } from '../security/privilege-drift.js';
/**
 * PodmanClient over the podman CLI. observe() takes a fixed number of podman processes, run
 * in parallel, whatever the number of services; each action is one podman command.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DesiredNetwork, DesiredVolume, ImageBuild } from '../model/desired.js';
import { LABEL } from '../model/desired.js';
import { buildArgs, pullArgs } from './build-args.js';
import type { ObservedSecret, ObservedState } from '../model/observed.js';
import type { ContainerIntent } from '../plan/actions.js';
import { containerCreateArgs, networkCreateArgs, volumeCreateArgs } from './create-args.js';
import { specGenerator } from './spec-generator.js';
import { networkRequest } from './network-request.js';
import { observedImages } from './image-ref.js';
import type { CallOptions, ContainerStatus, HealthCheckResult, LogLine, LogOptions, ObserveOptions, PodmanClient, PodmanInspector, PodmanVersion, ServiceContainer } from './podman-client.js';
import { classifyPodmanFailure, isPodmanError, outputInvalid } from './podman-error.js';
import { healthResult, lastHealthOutput, parseContainerStatus, parseImage, parseJsonList, parseNetwork, parsePsEntry, parseSecretInspect, parseSecretListEntry, parseVolume } from './podman-json.js';
import { streamContainerLogs } from './podman-logs.js';
import { projectLabelFilter, serviceContainersOf } from './service-containers.js';
import type { AttachedStdio, ExecRequest, OneOffRequest, PodmanJobs } from './podman-jobs.js';
import { execInContainer, runOneOffContainer } from './podman-jobs.js';
import type { ContainerEvent, WatchContainerEventsOptions } from './podman-events.js';
import { watchContainerEvents } from './podman-events.js';
import { observeViaApi, restartCountsViaApi } from './api-observe.js';
import { RestartCounts } from './restart-counts.js';
import { ensureApiService } from './api-service.js';
import type { PodmanApi } from './podman-api.js';
import { PodmanApiUnavailable } from './podman-api.js';
import type { RunOptions } from './podman-runner.js';
import { PodmanRunner, podmanEnvironment } from './podman-runner.js';
import type { CallDeadlines, CallKind } from './call-deadlines.js';
import { deadlineOf, scaledDeadlines } from './call-deadlines.js';

export interface PodmanCliOptions {
  /** The podman executable; default `podman` on PATH. */
  readonly binary?: string;
  /** Extra environment for podman, over this process's own. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Phoenix's state directory; with it, the host's containers.conf fix (containers-conf.ts) is used when CONTAINERS_CONF is unset. */
  readonly stateDir?: string;
  /**
   * Deadlines per kind of call, in ms, over the defaults (call-deadlines.ts) scaled by
   * PHOENIX_PODMAN_TIMEOUT_SCALE; a call's own `timeoutMs` wins over both.
   */
  readonly deadlines?: Partial<CallDeadlines>;
  /**
   * Observe through the libpod REST API on this unix socket, starting `podman system service`
   * there when nothing answers; the CLI is used when the API cannot be had.
   */
  readonly apiSocket?: string;
  /**
   * Told, one line each, what a person debugging Phoenix wants to know and nobody else: why a
   * container was created with `podman create` although the API service is in use.
   */
  readonly debug?: (line: string) => void;
}

function defined(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** A container's path in the libpod REST API. */
function containerPath(name: string): string {
  return `/containers/${encodeURIComponent(name)}`;
}

/** The podman CLI, through execa, as a PodmanClient. */
export class PodmanCli implements PodmanClient, PodmanInspector, PodmanJobs {
  private readonly runner: PodmanRunner;
  private readonly deadlines: CallDeadlines;
  private api: Promise<PodmanApi | null> | null = null;
  /** Podman's restart counts read so far, per project (watch observes over and over; most counts do not change). */
  private readonly restartCounts = new Map<string, RestartCounts>();
  /** `REGISTRY_AUTH_FILE`, passed to pulls as `--authfile` (podman login's default file otherwise). */
  private readonly authFile: string | undefined;
  private readonly apiOptions: { binary: string; env: Record<string, string>; socketPath: string } | null;
  private readonly debug: (line: string) => void;

  constructor(options: PodmanCliOptions = {}) {
    const extra = defined(options.env ?? {});
    const env = options.stateDir === undefined ? extra : { ...extra, ...podmanEnvironment(options.stateDir, { ...process.env, ...extra }) };
    this.deadlines = { ...scaledDeadlines({ ...process.env, ...extra }), ...options.deadlines };
    this.runner = new PodmanRunner({ binary: options.binary ?? 'podman', env, timeoutMs: this.deadlines.read });
    const authFile = env.REGISTRY_AUTH_FILE ?? process.env.REGISTRY_AUTH_FILE;
    this.authFile = authFile === undefined || authFile === '' ? undefined : authFile;
    this.apiOptions = options.apiSocket === undefined ? null : { binary: options.binary ?? 'podman', env, socketPath: options.apiSocket };
    this.debug = options.debug ?? (() => undefined);
  }

  /**
   * Runs a call through the REST API when the service can be had (started on first use).
   * `done: false` tells the caller to use the CLI: no API configured, or none reachable, in
   * which case it is not asked again. Only calls that are safe to repeat go this way, since a
   * request may have reached Podman before the socket failed.
   */
  private async viaApi<T>(call: (api: PodmanApi) => Promise<T>): Promise<{ done: true; value: T } | { done: false }> {
    if (this.apiOptions === null) return { done: false };
    this.api ??= ensureApiService(this.apiOptions);
    const api = await this.api;
    if (api === null) return { done: false };
    try {
      return { done: true, value: await call(api) };
    } catch (error) {
      if (!(error instanceof PodmanApiUnavailable)) throw error;
      this.api = Promise.resolve(null);
      return { done: false };
    }
  }

  /** The run options of a call of this kind: the caller's deadline, else the kind's (plus the call's own waiting). */
  private call(options: CallOptions | undefined, kind: CallKind, extraSeconds = 0): RunOptions {
    return { signal: options?.signal, timeoutMs: options?.timeoutMs ?? deadlineOf(this.deadlines, kind, extraSeconds) };
  }

  /**
   * Runs a removal, through the API's DELETE `apiPath` when there is one and the service can
   * be had; an object that is already gone is what a removal wants.
   */
  private async remove(args: readonly string[], options: RunOptions, apiPath?: string): Promise<void> {
    try {
      if (apiPath !== undefined && (await this.viaApi((api) => api.delete(apiPath, { ...options, args }))).done) return;
      await this.runner.run(args, options);
    } catch (error) {
      if (!isPodmanError(error, 'PODMAN-NO-SUCH-OBJECT')) throw error;
    }
  }

  async observe(project: string, imageRefs: readonly string[], options?: ObserveOptions): Promise<ObservedState> {
    const call = this.call(options, 'read');
    const counted = options?.restartCounts === true;
    const listedAt = Date.now();
    const viaApi = await this.viaApi((api) => observeViaApi(api, project, imageRefs, call));
    if (viaApi.done) return counted ? this.withRestartCounts(viaApi.value, project, call, listedAt) : viaApi.value;
    // Everything, not only the project's: the planner needs foreign objects to report name conflicts.
    const [ps, networks, volumes, secrets, images] = await Promise.all([
      this.runner.run(['ps', '--all', '--format', 'json'], call),
      this.runner.run(['network', 'ls', '--format', 'json'], call),
      this.runner.run(['volume', 'ls', '--format', 'json'], call),
      this.observeSecrets(call),
      imageRefs.length === 0 ? Promise.resolve(null) : this.runner.run(['images', '--format', 'json'], call),
    ]);
    const state: ObservedState = {
      containers: parseJsonList(ps.stdout, 'podman ps').map(parsePsEntry),
      networks: parseJsonList(networks.stdout, 'podman network ls').map(parseNetwork),
      volumes: parseJsonList(volumes.stdout, 'podman volume ls').map(parseVolume),
      secrets,
      ...observedImages(imageRefs, images === null ? null : parseJsonList(images.stdout, 'podman images').map(parseImage)),
    };
    return counted ? this.withRestartCounts(state, project, call, listedAt) : state;
  }

  /**
   * The restarts Podman's own restart policy made (`RestartCount`), for the project's
   * containers: Podman 4.3's list (CLI and API) does not carry it, only inspect does. Read only
   * for containers whose count may have changed since this client last read it (restart-counts.ts):
   * through the API, one inspect request per such container; without it, one `container
   * inspect` process of all of them. Best effort: a container removed in between, or an
   * inspect that fails, leaves the count the list gave (0), since a count is no reason to fail
   * an observation.
   */
  private withRestartCounts(state: ObservedState, project: string, call: RunOptions, listedAt: number): Promise<ObservedState> {
    let counts = this.restartCounts.get(project);
    if (counts === undefined) this.restartCounts.set(project, (counts = new RestartCounts()));
    return counts.fill(state, (c) => c.labels[LABEL.project] === project, listedAt, async (names) => {
      const viaApi = await this.viaApi((api) => restartCountsViaApi(api, names, call));
      return viaApi.done ? viaApi.value : this.restartCountsViaCli(names, call);
    });
  }

  private async restartCountsViaCli(names: readonly string[], call: RunOptions): Promise<Map<string, number> | null> {
    const result = await this.runner.exec(['container', 'inspect', '--format', '{{.Name}} {{.RestartCount}}', ...names], call);
    return 'error' in result ? null : parseRestartCounts(result.stdout);
  }

  /**
   * Podman 4.3's `secret ls` has no `--format json` and no labels: list as JSON lines, then
   * one `secret inspect` of all of them for the labels. A secret removed between the two
   * makes the inspect fail; list once more then.
   */
  private async observeSecrets(call: RunOptions, attempt = 1): Promise<ObservedSecret[]> {
    const listed = parseJsonList((await this.runner.run(['secret', 'ls', '--format', '{{json .}}'], call)).stdout, 'podman secret ls').map(parseSecretListEntry);
    if (listed.length === 0 || listed.every((secret) => secret.hasLabels)) return listed.map(({ id, name, labels }) => ({ id, name, labels }));
    try {
      const inspected = await this.runner.run(['secret', 'inspect', ...listed.map((secret) => secret.id)], call);
      return parseJsonList(inspected.stdout, 'podman secret inspect').map(parseSecretInspect);
    } catch (error) {
      if (attempt < 3 && isPodmanError(error, 'PODMAN-NO-SUCH-OBJECT')) return this.observeSecrets(call, attempt + 1);
      throw error;
    }
  }

  async buildImage(build: ImageBuild, onLine: (line: string) => void, options?: CallOptions): Promise<void> {
    // An inline Dockerfile goes to a private temporary file: `podman build -f -` is not in 4.3.
    const inlineDir = build.dockerfile.kind === 'inline' ? mkdtempSync(path.join(os.tmpdir(), 'phoenix-build-')) : null;
    try {
      let dockerfile: string;
      if (build.dockerfile.kind === 'inline') {
        dockerfile = path.join(inlineDir!, 'Dockerfile');
        writeFileSync(dockerfile, build.dockerfile.text, { mode: 0o600 });
      } else {
        dockerfile = build.dockerfile.path;
      }
      await this.runner.stream(buildArgs(build, dockerfile), (_stream, text) => onLine(text), options?.signal);
    } finally {
      if (inlineDir !== null) rmSync(inlineDir, { recursive: true, force: true });
    }
  }

  async pullImage(image: string, pull: { readonly tlsVerify: boolean }, onLine: (line: string) => void, options?: CallOptions): Promise<void> {
    await this.runner.stream(pullArgs(image, { tlsVerify: pull.tlsVerify, ...(this.authFile === undefined ? {} : { authFile: this.authFile }) }), (_stream, text) => onLine(text), options?.signal);
  }

  async createNetwork(network: DesiredNetwork, options?: CallOptions): Promise<void> {
    const call = this.call(options, 'write');
    const args = networkCreateArgs(network);
    const request = this.apiOptions === null ? null : networkRequest(network);
    if (request !== null && !request.ok) this.debug(`create network ${network.podmanName} with podman network create: ${request.reason}`);
    let sent = false;
    if (request?.ok === true) {
      const viaApi = await this.viaApi((api) => {
        sent = true;
        return api.postJson('/networks/create', request.body, { ...call, args });
      });
      if (viaApi.done) return;
    }
    try {
      await this.runner.run(args, call);
    } catch (error) {
      // The API's connection dropped after the request was sent: the service may have made it.
      if (!(sent && isPodmanError(error, 'PODMAN-NAME-IN-USE'))) throw error;
    }
  }

  async removeNetwork(name: string, options?: CallOptions): Promise<void> {
    await this.remove(['network', 'rm', name], this.call(options, 'write'));
  }

  async createVolume(volume: DesiredVolume, options?: CallOptions): Promise<void> {
    await this.runner.run(volumeCreateArgs(volume), this.call(options, 'write'));
  }

  async removeVolume(name: string, options?: CallOptions): Promise<void> {
    await this.remove(['volume', 'rm', name], this.call(options, 'write'));
  }

  async createSecret(name: string, value: Uint8Array, labels: Readonly<Record<string, string>>, options?: CallOptions): Promise<void> {
    const labelArgs = Object.keys(labels)
      .sort()
      .flatMap((key) => ['--label', `${key}=${labels[key] ?? ''}`]);
    // `-`: the value comes on standard input, so it is never in an argv or an environment.
    await this.runner.run(['secret', 'create', ...labelArgs, name, '-'], { ...this.call(options, 'write'), input: value });
  }

  async removeSecret(name: string, options?: CallOptions): Promise<void> {
    await this.remove(['secret', 'rm', name], this.call(options, 'write'));
  }

  async createContainer(intent: ContainerIntent, name?: string, options?: CallOptions): Promise<string> {
    // Podman refuses a bind mount whose host path is missing; Compose creates it (create_host_path).
    for (const mount of intent.spec.mounts) {
      if (mount.type === 'bind' && mount.createHostPath && !existsSync(mount.source)) mkdirSync(mount.source, { recursive: true });
    }
    const containerName = name ?? intent.name;
    const call = this.call(options, 'create');
    const viaApi = await this.createViaApi(intent, containerName, call);
    if (viaApi.id !== null) return viaApi.id;
    try {
      const { stdout } = await this.runner.run(containerCreateArgs(intent, containerName), call);
      const id = stdout.trim().split('\n').pop()?.trim() ?? '';
      if (!/^[0-9a-f]{64}$/.test(id)) throw outputInvalid('podman create', 'no container id', stdout);
      return id;
    } catch (error) {
      // The API's connection dropped after the request was sent: the service may have made it.
      if (viaApi.maybeCreated && isPodmanError(error, 'PODMAN-NAME-IN-USE')) {
        const made = await this.madeFor(intent, containerName, call);
        if (made !== null) return made;
      }
      throw error;
    }
  }

  /**
   * Creates the container through the REST API (one request instead of a podman process) when
   * the service is in use and spec-generator.ts can express the container exactly; otherwise
   * `id: null` sends the caller to `podman create`, and the debug line says why. A missing
   * image goes to `podman create` too: it pulls (`--pull missing`), the API does not.
   * `maybeCreated`: the connection dropped after sending, so the service may have created it.
   */
  private async createViaApi(intent: ContainerIntent, name: string, call: RunOptions): Promise<{ id: string | null; maybeCreated: boolean }> {
    if (this.apiOptions === null) return { id: null, maybeCreated: false };
    const request = specGenerator(intent, name);
    if (!request.ok) {
      this.debug(`create ${name} with podman create: ${request.reason}`);
      return { id: null, maybeCreated: false };
    }
    // Only the name and the image in messages: the body holds the environment's values.
    const args = ['create', '--name', name, intent.spec.image];
    let sent = false;
    try {
      const viaApi = await this.viaApi((api) => {
        sent = true;
        return api.postJson('/containers/create', request.body, { ...call, args });
      });
      if (!viaApi.done) {
        if (sent) this.debug(`create ${name} with podman create: the API service stopped answering`);
        return { id: null, maybeCreated: sent };
      }
      const id = viaApi.value !== null && typeof viaApi.value === 'object' ? (viaApi.value as { Id?: unknown }).Id : undefined;
      if (typeof id !== 'string' || !/^[0-9a-f]{64}$/.test(id)) throw outputInvalid("the Podman API's container create", 'no container id', JSON.stringify(viaApi.value) ?? '');
      return { id, maybeCreated: false };
    } catch (error) {
      if (!isPodmanError(error, 'PODMAN-IMAGE-NOT-FOUND')) throw error;
      this.debug(`create ${name} with podman create: the image ${intent.spec.image} is not present, and podman create pulls it`);
      return { id: null, maybeCreated: false };
    }
  }

  /** The id of the container named `name` when it carries the intent's config hash: one a dropped API request made. */
  private async madeFor(intent: ContainerIntent, name: string, call: RunOptions): Promise<string | null> {
    const result = await this.runner.exec(['container', 'inspect', '--format', `{{.Id}} {{index .Config.Labels "${LABEL.configHash}"}}`, name], call);
    if ('error' in result || result.exitCode !== 0) return null;
    const [id, hash] = result.stdout.trim().split(' ');
    return id !== undefined && /^[0-9a-f]{64}$/.test(id) && hash !== undefined && hash === intent.labels[LABEL.configHash] ? id : null;
  }

  async startContainer(name: string, options?: CallOptions): Promise<void> {
    const call = this.call(options, 'start');
    if ((await this.viaApi((api) => api.post(`${containerPath(name)}/start`, { ...call, args: ['start', name] }))).done) return;
    await this.runner.run(['start', name], call);
  }

  async stopContainer(name: string, timeoutSeconds: number, options?: CallOptions): Promise<void> {
    const call = this.call(options, 'stop', timeoutSeconds);
    const args = ['stop', '--time', String(timeoutSeconds), name];
    if ((await this.viaApi((api) => api.post(`${containerPath(name)}/stop?timeout=${timeoutSeconds}`, { ...call, args }))).done) return;
    await this.runner.run(args, call);
  }

  async removeContainer(name: string, timeoutSeconds: number, options?: CallOptions): Promise<void> {
    await this.remove(['rm', '--force', '--time', String(timeoutSeconds), name], this.call(options, 'stop', timeoutSeconds), `${containerPath(name)}?force=true&timeout=${timeoutSeconds}`);
  }

  async renameContainer(from: string, to: string, options?: CallOptions): Promise<void> {
    const call = this.call(options, 'write');
    const args = ['rename', from, to];
    let sent = false;
    const viaApi = await this.viaApi((api) => {
      sent = true;
      return api.post(`${containerPath(from)}/rename?name=${encodeURIComponent(to)}`, { ...call, args });
    });
    if (viaApi.done) return;
    try {
      await this.runner.run(args, call);
    } catch (error) {
      // The API's connection dropped after the request was sent: the service may have renamed it already.
      if (!(sent && isPodmanError(error, 'PODMAN-NO-SUCH-OBJECT') && (await this.containerStatus(to, options)).exists)) throw error;
    }
  }

  async containerStatus(name: string, options?: CallOptions): Promise<ContainerStatus> {
    try {
      const call = this.call(options, 'read');
      const args = ['container', 'inspect', name];
      const viaApi = await this.viaApi((api) => api.get(`${containerPath(name)}/json`, { ...call, args }));
      if (viaApi.done) return parseContainerStatus(viaApi.value);
      const { stdout } = await this.runner.run(args, call);
      const first = parseJsonList(stdout, 'podman container inspect')[0];
      if (first !== undefined) return parseContainerStatus(first);
    } catch (error) {
      if (!isPodmanError(error, 'PODMAN-NO-SUCH-OBJECT')) throw error;
    }
    return { exists: false, state: 'missing', exitCode: null, running: false };
  }

  async runHealthCheck(name: string, options?: CallOptions): Promise<HealthCheckResult> {
    const call = this.call(options, 'health-check');
    const viaApi = await this.viaApi((api) => this.healthCheckViaApi(api, name, call));
    if (viaApi.done) return viaApi.value;
    const args = ['healthcheck', 'run', name];
    const result = await this.runner.exec(args, call);
    if ('error' in result) throw result.error;
    if (result.exitCode === 0) return healthResult(true, result.stdout);
    // A container that is not running is not healthy: that is an answer, not Podman failing
    // (counted as a failure, five of them would open the circuit breaker for every call).
    if (/is not running/.test(result.stderr)) return healthResult(false, `${name} is not running`);
    // 1 is "unhealthy"; anything else is Podman failing to run the check (no such container, none defined, ...).
    if (result.exitCode !== 1) throw classifyPodmanFailure({ args, exitCode: result.exitCode, stderr: result.stderr });
    // `healthcheck run` prints only "unhealthy"; the check's own output is in the health log.
    try {
      const { stdout } = await this.runner.run(['container', 'inspect', name], call);
      const first = parseJsonList(stdout, 'podman container inspect')[0];
      const output = first === undefined ? '' : lastHealthOutput(first);
      return healthResult(false, output === '' ? result.stdout : output);
    } catch {
      return healthResult(false, result.stdout);
    }
  }

  /** The same check through the API, which runs it as `podman healthcheck run` does. */
  private async healthCheckViaApi(api: PodmanApi, name: string, call: RunOptions): Promise<HealthCheckResult> {
    const path = containerPath(name);
    const args = ['healthcheck', 'run', name];
    let answer: unknown;
    try {
      answer = await api.get(`${path}/healthcheck`, { ...call, args });
    } catch (error) {
      if (isPodmanError(error) && /is not running/.test(error.stderr)) return healthResult(false, `${name} is not running`);
      throw error;
    }
    const status = answer !== null && typeof answer === 'object' ? (answer as { Status?: unknown }).Status : undefined;
    if (status === 'healthy') return healthResult(true, '');
    // The answer carries no log on 4.3: the check's own output is in the container's health log.
    try {
      const inspected = (await api.get(`${path}/json`, { ...call, args: ['container', 'inspect', name] })) as Record<string, unknown>;
      return healthResult(false, lastHealthOutput(inspected));
    } catch (error) {
      if (error instanceof PodmanApiUnavailable) throw error;
      return healthResult(false, '');
    }
  }

  async streamLogs(names: readonly string[], options: LogOptions, onLine: (line: LogLine) => void, signal?: AbortSignal): Promise<void> {
    if (names.length === 0) return;
    // One inspect first, under a read's deadline: a podman that hangs, fails or answers
    // nonsense is reported at once, and a follow (silent for as long as its container is)
    // starts only on a Podman that answers.
    const args = ['container', 'inspect', '--format', '{{.Id}}', ...names];
    const { stdout } = await this.runner.run(args, this.call({ ...(signal === undefined ? {} : { signal }) }, 'read'));
    const ids = stdout.split('\n').filter((line) => line.trim() !== '');
    if (ids.length !== names.length || !ids.every((id) => /^[0-9a-f]{64}$/.test(id.trim()))) throw outputInvalid('podman container inspect', `something else than ${names.length} container id(s)`, stdout);
    await streamContainerLogs(this.runner, names, options, onLine, signal, { idleTimeoutMs: this.deadlines.read });
  }

  async inspectPrivileges(names: readonly string[], options?: CallOptions): Promise<ReadonlyMap<string, ObservedPrivileges>> {
    if (names.length === 0) return new Map();
    const result = await this.runner.exec(['container', 'inspect', '--format', 'json', ...names], this.call(options, 'read'));
    // A container removed between the list and the inspect makes the whole call fail: no answer this round.
    if ('error' in result || result.exitCode !== 0) return new Map();
    return new Map(parseJsonList(result.stdout, 'podman container inspect').map((entry) => parsePrivileges(entry as Record<string, unknown>)));
  }

  async listServiceContainers(project: string, environment: string, options?: CallOptions): Promise<ServiceContainer[]> {
    const call = this.call(options, 'read');
    const filter = projectLabelFilter(project);
    const viaApi = await this.viaApi((api) => api.get(`/containers/json?all=true&filters=${encodeURIComponent(JSON.stringify({ label: [filter] }))}`, call));
    if (viaApi.done) {
      const { value } = viaApi;
      if (value !== null && !(Array.isArray(value) && value.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item)))) {
        throw outputInvalid("the Podman API's containers list", 'an answer that is not a list of objects', JSON.stringify(value) ?? '');
      }
      return serviceContainersOf((value ?? []) as Record<string, unknown>[], project, environment);
    }
    const { stdout } = await this.runner.run(['ps', '--all', '--filter', `label=${filter}`, '--format', 'json'], call);
    return serviceContainersOf(parseJsonList(stdout, 'podman ps'), project, environment);
  }

  async exec(request: ExecRequest, stdio: AttachedStdio, signal?: AbortSignal): Promise<number> {
    return execInContainer(this.runner, request, stdio, signal);
  }

  async runOneOff(request: OneOffRequest, stdio: AttachedStdio, signal?: AbortSignal): Promise<number> {
    // Podman refuses a bind mount whose host path is missing; Compose creates it (as for createContainer).
    for (const mount of request.intent.spec.mounts) {
      if (mount.type === 'bind' && mount.createHostPath && !existsSync(mount.source)) mkdirSync(mount.source, { recursive: true });
    }
    return runOneOffContainer(this.runner, request, stdio, signal);
  }

  async watchContainerEvents(options: WatchContainerEventsOptions, onEvent: (event: ContainerEvent) => void, signal: AbortSignal): Promise<void> {
    await watchContainerEvents(this.runner, options, onEvent, signal);
  }

  async version(options?: CallOptions): Promise<PodmanVersion> {
    const { stdout } = await this.runner.run(['version', '--format', 'json'], this.call(options, 'read'));
    type Side = { Version?: string; APIVersion?: string };
    let parsed: { Client?: Side; Server?: Side };
    try {
      parsed = JSON.parse(stdout) as { Client?: Side; Server?: Side };
    } catch (error) {
      throw outputInvalid('podman version', 'output that is not JSON', stdout, error);
    }
    // The server's version where there is one (a remote client), else the local podman's.
    const side = parsed.Server ?? parsed.Client ?? {};
    return { version: side.Version ?? 'unknown', apiVersion: side.APIVersion ?? 'unknown' };
  }
}

/** `name count` lines of `podman container inspect --format '{{.Name}} {{.RestartCount}}'`; lines that do not parse are skipped. */
export function parseRestartCounts(stdout: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const match = /^\/?(\S+) (\d+)$/.exec(line.trim());
    if (match !== null) counts.set(match[1]!, Number(match[2]));
  }
  return counts;
}

/** A container's privileges from one entry of `podman container inspect --format json` (its HostConfig). */
function parsePrivileges(entry: Record<string, unknown>): [string, ObservedPrivileges] {
  const host = (entry.HostConfig ?? {}) as Record<string, unknown>;
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  const devices = Array.isArray(host.Devices) ? host.Devices.flatMap((d) => (typeof (d as { PathOnHost?: unknown }).PathOnHost === 'string' ? [(d as { PathOnHost: string }).PathOnHost] : [])) : [];
  const mounts = Array.isArray(entry.Mounts) ? (entry.Mounts as { Type?: unknown; Source?: unknown }[]) : [];
  return [
    text(entry.Name).replace(/^\//, ''),
    {
      privileged: host.Privileged === true,
      capAdd: strings(host.CapAdd),
      securityOpt: strings(host.SecurityOpt),
      networkMode: text(host.NetworkMode),
      pidMode: text(host.PidMode),
      ipcMode: text(host.IpcMode),
      utsMode: text(host.UTSMode),
      usernsMode: text(host.UsernsMode),
      devices,
      bindSources: mounts.flatMap((m) => (m.Type === 'bind' && typeof m.Source === 'string' ? [m.Source] : [])),
    },
  ];
}
