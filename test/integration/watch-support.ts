/**
 * Helpers for the `phoenix watch` integration tests (watch*.test.ts), on top of support.ts.
 *
 * - `startWatch(project, args)` runs `main(['watch', ...], io)` in-process with a capturing io
 *   whose `signal` belongs to an AbortController (aborting it is what SIGINT does), JSON logs
 *   (`--log-format text` in `args` overrides them: then events() is empty),
 *   and the telemetry server on a free loopback port (`--listen 127.0.0.1:0`). Every event the
 *   controller publishes is also a JSON log line, so `events()` reads them from the log.
 * - `useWatchSuite()` is useIntegrationSuite() that also stops every watcher a test started,
 *   before the project's own cleanup, so that no watcher recreates what `phoenix down` removes.
 * - Everything waits with deadlines (`eventually`); nothing sleeps to assert.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import { afterEach } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { ContainerInfo, IntegrationSuite, TestProject } from './support.js';
import { ENV, capturingIo, eventually, inspectContainers, podmanResult, timeMs, useIntegrationSuite } from './support.js';

/** One event as the controller logs it (see WatchController.log). */
export interface LoggedEvent {
  /** The kind: `container.restarted`, `reconcile.succeeded`, ... */
  readonly event: string;
  readonly environment: string;
  readonly service?: string;
  readonly data: Record<string, unknown>;
  readonly time: string;
}

/** A running in-process `phoenix watch`. */
export interface WatchHandle {
  /** The telemetry server, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** The JSON log lines so far, parsed (lines that are not JSON are skipped). */
  logLines(): Record<string, unknown>[];
  /** The events logged so far, optionally only those of `kind`, in order. */
  events(kind?: string): LoggedEvent[];
  /** The events from index `from` of events() on, optionally only those of `kind`. */
  since(from: number, kind?: string): LoggedEvent[];
  /** Waits for the first event (from index `from` of events()) that matches. */
  waitForEvent(what: string, timeoutMs: number, match: (event: LoggedEvent) => boolean, from?: number): Promise<LoggedEvent>;
  /** GET a telemetry path: status code and body. */
  get(pathname: string): Promise<{ status: number; body: string; contentType: string }>;
  /** GET /status, parsed. */
  status(): Promise<WatchStatus>;
  /** Aborts the io's signal (as SIGINT does) and resolves with the exit code; idempotent. */
  stop(): Promise<number>;
}

/** The parts of /status the tests read. */
export interface WatchStatus {
  readonly environments: readonly {
    readonly environment: string;
    readonly verdict: string | null;
    readonly revision: string | null;
    readonly lastReconcile: { readonly ok: boolean; readonly manifestInvalid: boolean; readonly actions: number } | null;
    readonly services: readonly {
      readonly service: string;
      readonly verdict: string;
      readonly reason: string | null;
      readonly runningReplicas: number;
      readonly containers: readonly { readonly name: string; readonly state: string; readonly revision: string | null }[];
      readonly health: readonly { readonly container: string; readonly condition: string }[];
      readonly restarts: readonly { readonly container: string; readonly crashLooping: boolean; readonly restartsInWindow: number }[];
    }[];
  }[];
}

const running = new Set<WatchHandle>();

/**
 * useIntegrationSuite() for watch tests: after each test, first every watcher the test left
 * running is stopped, then the projects are cleaned up, and only then is a watcher that
 * failed to stop reported (a failing after-hook would skip the cleanup after it).
 * After-hooks run in reverse order of registration.
 */
export function useWatchSuite(): IntegrationSuite {
  const failures: string[] = [];
  afterEach(() => {
    const failed = failures.splice(0);
    if (failed.length > 0) throw new Error(failed.join('\n'));
  });
  const suite = useIntegrationSuite();
  afterEach(async () => {
    const handles = [...running];
    running.clear();
    const results = await Promise.allSettled(handles.map((handle) => handle.stop()));
    for (const result of results) {
      if (result.status === 'rejected') failures.push((result.reason as Error).message);
      else if (result.value !== 0) failures.push(`phoenix watch exited ${result.value} when stopped`);
    }
  }, 30_000);
  return suite;
}

/** GET over loopback with a deadline. */
export function httpGet(url: string, timeoutMs = 10_000): Promise<{ status: number; body: string; contentType: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, contentType: String(res.headers['content-type'] ?? '') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

function parseJsonLines(text: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A line being written, or not JSON.
    }
  }
  return lines;
}

/** Options of startWatch. */
export interface StartWatchOptions {
  /** Extra environment variables for Phoenix's process environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Wait until /readyz answers 200 (the first reconcile finished); default true. */
  readonly waitReady?: boolean;
  readonly readyTimeoutMs?: number;
}

/**
 * Starts `phoenix watch --env it` for the project in-process, with JSON logs and telemetry on a
 * free loopback port, and waits until it is ready (its first reconcile finished).
 */
export async function startWatch(project: TestProject, args: readonly string[] = [], options: StartWatchOptions = {}): Promise<WatchHandle> {
  const controller = new AbortController();
  const { io, stdout, stderr } = capturingIo(project.dir, options.env, { signal: controller.signal });
  const argv = ['watch', '--env', ENV, ...project.locationArgs(), '--listen', '127.0.0.1:0', '--log-format', 'json', ...args];
  let exitCode: number | null = null;
  const exited = main(argv, io).then((code) => {
    exitCode = code;
    project.transcript.push(stdout(), stderr());
    return code;
  });
  let parsedUpTo = 0;
  let parsed: Record<string, unknown>[] = [];
  const logLines = (): Record<string, unknown>[] => {
    // Parse only complete lines, incrementally.
    const text = stdout();
    const end = text.lastIndexOf('\n') + 1;
    if (end > parsedUpTo) {
      parsed = parsed.concat(parseJsonLines(text.slice(parsedUpTo, end)));
      parsedUpTo = end;
    }
    return parsed;
  };
  const events = (kind?: string): LoggedEvent[] =>
    logLines()
      .filter((line) => typeof line.event === 'string' && (kind === undefined || line.event === kind))
      .map((line) => ({ event: line.event as string, environment: line.environment as string, ...(typeof line.service === 'string' ? { service: line.service } : {}), data: (line.data ?? {}) as Record<string, unknown>, time: line.time as string }));
  let stopping: Promise<number> | null = null;
  const handle: WatchHandle = {
    url: '',
    stdout,
    stderr,
    logLines,
    events,
    since: (from, kind) => events().slice(from).filter((e) => kind === undefined || e.event === kind),
    waitForEvent: (what, timeoutMs, match, from = 0) =>
      eventually(what, timeoutMs, () => {
        if (exitCode !== null) throw new Error(`phoenix watch exited ${exitCode} while waiting for ${what}\n--- stderr\n${stderr()}\n--- stdout (tail)\n${stdout().slice(-4000)}`);
        return Promise.resolve(events().slice(from).find(match));
      }),
    get: (pathname) => httpGet(`${handle.url}${pathname}`),
    status: async () => JSON.parse((await httpGet(`${handle.url}/status`)).body) as WatchStatus,
    stop: () => {
      stopping ??= (async () => {
        running.delete(handle);
        controller.abort(new Error('interrupted'));
        let timer: NodeJS.Timeout | undefined;
        try {
          return await Promise.race([exited, new Promise<number>((_, reject) => (timer = setTimeout(() => reject(new Error(`phoenix watch did not stop within 20 s\n--- stderr\n${stderr()}`)), 20_000)))]);
        } finally {
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
  running.add(handle);
  const url = await eventually('the telemetry server to listen', 20_000, () => {
    if (exitCode !== null) throw new Error(`phoenix watch exited ${exitCode} before listening\n--- stderr\n${stderr()}\n--- stdout\n${stdout()}`);
    const line = logLines().find((l) => typeof l.url === 'string');
    // With `--log-format text` (args), the startup header on stderr names it.
    return Promise.resolve((line?.url as string | undefined) ?? /telemetry on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr())?.[1]);
  });
  (handle as { url: string }).url = url;
  if (options.waitReady ?? true) {
    await eventually('/readyz to answer 200 (the first reconcile)', options.readyTimeoutMs ?? 60_000, async () => {
      if (exitCode !== null) throw new Error(`phoenix watch exited ${exitCode}\n--- stderr\n${stderr()}\n--- stdout\n${stdout()}`);
      const res = await httpGet(`${url}/readyz`);
      return res.status === 200 ? true : undefined;
    });
  }
  return handle;
}

/** Inspects one container; undefined when it does not exist (now). */
export async function tryInspect(name: string): Promise<ContainerInfo | undefined> {
  const result = await podmanResult(['container', 'exists', name]);
  if (result.code !== 0) return undefined;
  try {
    return (await inspectContainers([name]))[0];
  } catch {
    return undefined;
  }
}

/** Waits until the container exists and `match` holds for it; returns its inspection. */
export function waitForContainer(name: string, what: string, timeoutMs: number, match: (c: ContainerInfo) => boolean): Promise<ContainerInfo> {
  return eventually(`${name}: ${what}`, timeoutMs, async () => {
    const found = await tryInspect(name);
    return found !== undefined && match(found) ? found : undefined;
  });
}

/** Waits until every named container runs; returns them by name. */
export async function waitAllRunning(names: readonly string[], timeoutMs: number): Promise<Map<string, ContainerInfo>> {
  const found = new Map<string, ContainerInfo>();
  for (const name of names) found.set(name, await waitForContainer(name, 'running', timeoutMs, (c) => c.running));
  return found;
}

/** Milliseconds from `sinceMs` (epoch) to the container's StartedAt, as Podman recorded it. */
export function startedAfter(container: ContainerInfo, sinceMs: number): number {
  return timeMs(container.startedAt) - sinceMs;
}

/** Runs a command (git, ...) in `cwd`; throws with its output when it fails. */
export function run(command: string, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${command} ${args.join(' ')} failed: ${String(stderr) || error.message}`));
      else resolve(String(stdout));
    });
  });
}

/** The median of some numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Checks Prometheus text exposition format 0.0.4 line by line and returns the samples
 * (`name{labels}` -> value). Throws on a line that is neither a comment nor a sample.
 */
export function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*,?)?\})? ([-+]?(?:[0-9.]+(?:[eE][-+]?[0-9]+)?|NaN|Inf))( -?[0-9]+)?$/;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = sample.exec(line);
    if (match === null) throw new Error(`not Prometheus text: ${JSON.stringify(line)}`);
    samples.set(`${match[1]!}${match[2] ?? ''}`, Number(match[3]!.replace('Inf', 'Infinity')));
  }
  return samples;
}

/** The sum of every sample of a metric whose labels include all of `labels`. */
export function metricSum(samples: Map<string, number>, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const [key, value] of samples) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) sum += value;
  }
  return sum;
}
