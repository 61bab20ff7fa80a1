/**
 * Shared helpers for the integration tests: the phoenix commands run against REAL Podman.
 *
 * - Each test file gets its own temporary root and a fresh state directory (Phoenix finds the
 *   host's containers.conf fix itself: src/podman/containers-conf.ts), via `useIntegrationSuite()`.
 * - Each test makes its own project (`phxit-<random>`, environment `it`) in its own folder with
 *   `suite.project()`; after the test, whatever happened, the project is taken down with
 *   `phoenix down --volumes --yes` and then anything left that carries its name or labels is
 *   force-removed, so tests never see each other's containers.
 * - Phoenix runs in-process (`main(argv, io)` with a capturing io); `podman()` runs the real
 *   podman CLI for assertions.
 * - Podman missing is a FAILURE (never a skip) telling to run scripts/setup.sh.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { stringify } from 'yaml';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { LABEL } from '../../src/model/desired.js';
import { resolveStateDir } from '../../src/state/digest-key.js';
import { chooseContainersConf } from '../../src/podman/containers-conf.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** The demo image scripts/setup.sh builds offline. */
export const IMAGE = 'localhost/phoenix-demo/busybox:1';
/** The environment name every test project uses. */
export const ENV = 'it';
/**
 * A long-running container process that stops at once on SIGTERM (a shell as PID 1 ignores it
 * otherwise). `$$` is Compose's escape for a literal `$`.
 */
export const LOOP = "trap 'exit 0' TERM INT; while :; do sleep 1 & wait $$!; done";

const SETUP_HINT = 'Run scripts/setup.sh (as root on Debian/Ubuntu) to install Podman and build the demo image, then run the tests again.';

// ---------------------------------------------------------------------------------------------
// podman, for assertions

/** The containers.conf fix scripts/setup.sh wrote for this machine, found where Phoenix finds it (host facts), if any. */
function setupContainersConf(): string | null {
  return chooseContainersConf(resolveStateDir(undefined, process.env), process.env)?.path ?? null;
}

/** The environment podman runs with in the tests: the caller's, plus the setup fix where there is one. */
export function podmanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  const conf = setupContainersConf();
  if ((env.CONTAINERS_CONF ?? '') === '' && conf !== null) env.CONTAINERS_CONF = conf;
  return env;
}

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs podman; never throws (the exit code is in the result). */
export function podmanResult(args: readonly string[]): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile('podman', [...args], { env: podmanEnv(), maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 127;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error?.message ?? '') });
    });
  });
}

/** Runs podman and returns its standard output; throws with its error output when it fails. */
export async function podman(args: readonly string[]): Promise<string> {
  const result = await podmanResult(args);
  if (result.code !== 0) throw new Error(`podman ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}

/** Fails with what to do when Podman or the demo image is missing. */
export async function requirePodman(): Promise<void> {
  const version = await podmanResult(['--version']);
  if (version.code !== 0) throw new Error(`podman is not installed or does not run (${version.stderr.trim()}). ${SETUP_HINT}`);
  const image = await podmanResult(['image', 'exists', IMAGE]);
  if (image.code !== 0) throw new Error(`the demo image ${IMAGE} is missing. ${SETUP_HINT}`);
}

/** What the tests look at of one container (`podman container inspect`). */
export interface ContainerInfo {
  readonly id: string;
  readonly name: string;
  /** created, running, exited, ... */
  readonly state: string;
  readonly running: boolean;
  readonly exitCode: number;
  /** As Podman prints it, nanoseconds included: compared as a string for "unchanged". */
  readonly startedAt: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly healthLog: readonly { readonly start: string; readonly end: string; readonly exitCode: number }[];
  /** The whole inspect object, for "appears nowhere" checks. */
  readonly raw: unknown;
}

interface RawInspect {
  Id: string;
  Name: string;
  State: { Status: string; Running: boolean; ExitCode: number; StartedAt: string; Health?: { Log?: { Start: string; End: string; ExitCode: number }[] | null } };
  Config: { Labels?: Record<string, string> | null };
}

/** Inspects containers by name or id; [] for none. */
export async function inspectContainers(refs: readonly string[]): Promise<ContainerInfo[]> {
  if (refs.length === 0) return [];
  const raw = JSON.parse(await podman(['container', 'inspect', ...refs])) as RawInspect[];
  return raw.map((c) => ({
    id: c.Id,
    name: c.Name,
    state: c.State.Status,
    running: c.State.Running,
    exitCode: c.State.ExitCode,
    startedAt: c.State.StartedAt,
    labels: c.Config.Labels ?? {},
    healthLog: (c.State.Health?.Log ?? []).map((l) => ({ start: l.Start, end: l.End, exitCode: l.ExitCode })),
    raw: c,
  }));
}

/** Milliseconds since the epoch of a Podman timestamp (nanoseconds cut to milliseconds). */
export function timeMs(podmanTime: string): number {
  const ms = Date.parse(podmanTime);
  if (Number.isNaN(ms)) throw new Error(`not a timestamp: ${podmanTime}`);
  return ms;
}

/** Polls `probe` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A TCP port nothing listens on now (the kernel's pick from its high, ephemeral range). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** 1-based line and column of the first occurrence of `needle` in `text` (plus `offset` characters). */
export function positionOf(text: string, needle: string, offset = 0): string {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`${JSON.stringify(needle)} is not in the text`);
  const before = text.slice(0, index + offset);
  const line = before.split('\n').length;
  const column = index + offset - before.lastIndexOf('\n');
  return `${line}:${column}`;
}

// ---------------------------------------------------------------------------------------------
// phoenix, in-process

export interface PhoenixRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface PhoenixRunOptions {
  /** Whether the io claims a terminal (default false: a pipe, where destructive steps need --yes). */
  readonly interactive?: boolean;
  /** Extra environment variables for Phoenix's process environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Another state directory than the suite's (another secret-digest key, say). */
  readonly stateDir?: string;
}

/** The object sets of a project in Podman, comparable with toEqual. */
export interface ProjectState {
  readonly containers: readonly string[];
  readonly networks: readonly string[];
  readonly volumes: readonly string[];
  readonly secrets: readonly string[];
}

/** One test's project: its own name, folder, manifests and cleanup. */
export class TestProject {
  /** `phxit-<8 hex>`: also the prefix of every Podman name Phoenix gives its objects. */
  readonly name: string;
  readonly dir: string;
  readonly envDir: string;
  /** Everything Phoenix printed in this project, for "never printed" checks. */
  readonly transcript: string[] = [];
  /** Image tags the test made, untagged at cleanup. */
  readonly tags: string[] = [];
  private environment: Record<string, unknown>;

  constructor(
    root: string,
    readonly stateDir: string,
  ) {
    this.name = `phxit-${randomBytes(4).toString('hex')}`;
    this.dir = mkdtempSync(path.join(root, `${this.name}-`));
    this.envDir = path.join(this.dir, 'environments');
    mkdirSync(path.join(this.envDir, 'compose'), { recursive: true });
    this.environment = { project: this.name, compose: ['compose/app.yaml'], policy: { prune: false } };
    this.writeEnvironment();
  }

  /** The Podman name of a service's container (replica 1 by default). */
  container(service: string, replica = 1): string {
    return `${this.name}-${ENV}-${service}-${replica}`;
  }

  /** The Podman name of a network, volume or (unversioned prefix of a) secret. */
  object(name: string): string {
    return `${this.name}-${ENV}-${name}`;
  }

  /** Rewrites environments/it.yaml with the given keys merged over the defaults. */
  writeEnvironment(extra: Record<string, unknown> = {}): void {
    this.environment = { ...this.environment, ...extra };
    writeFileSync(path.join(this.envDir, `${ENV}.yaml`), stringify(this.environment));
  }

  /** Writes environments/compose/app.yaml (an object is turned into YAML); returns the text written. */
  writeCompose(compose: Record<string, unknown> | string): string {
    const text = typeof compose === 'string' ? compose : stringify(compose);
    writeFileSync(path.join(this.envDir, 'compose', 'app.yaml'), text);
    return text;
  }

  /** Writes a file relative to the project folder. */
  writeFile(relative: string, content: string | Uint8Array): string {
    const file = path.join(this.dir, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    return file;
  }

  /** The arguments that point phoenix at this project's folder and state directory. */
  locationArgs(stateDir: string = this.stateDir): string[] {
    return ['--environments', this.envDir, '--state-dir', stateDir];
  }

  /** Runs `phoenix <args> --env it` in-process, capturing what it prints. */
  async phoenix(args: readonly string[], options: PhoenixRunOptions = {}): Promise<PhoenixRun> {
    const captured = capturingIo(this.dir, options.env, { interactive: options.interactive ?? false });
    const started = Date.now();
    const code = await main([...args, '--env', ENV, ...this.locationArgs(options.stateDir)], captured.io);
    const [stdout, stderr] = [captured.stdout(), captured.stderr()];
    this.transcript.push(stdout, stderr);
    return { code, stdout, stderr, ms: Date.now() - started };
  }

  /** `phoenix apply --yes` (plus `args`), failing the test with Phoenix's output unless it exits 0. */
  async apply(args: readonly string[] = [], options: PhoenixRunOptions = {}): Promise<PhoenixRun> {
    const run = await this.phoenix(['apply', '--yes', '--wait-timeout', '20s', ...args], options);
    if (run.code !== 0) throw new Error(`phoenix apply ${args.join(' ')} exited ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
    return run;
  }

  private mine(name: string): boolean {
    return name.startsWith(`${this.name}-`) || name.startsWith(`${this.name}_`);
  }

  /** Every container of this project (by name prefix or ownership label), inspected, by name. */
  async containers(): Promise<Map<string, ContainerInfo>> {
    // A container may go between the listing and the inspection while Phoenix works: list again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.listContainers();
      } catch (error) {
        if (attempt >= 5 || !/no such container/i.test((error as Error).message)) throw error;
      }
    }
  }

  private async listContainers(): Promise<Map<string, ContainerInfo>> {
    const [named, labelled] = await Promise.all([
      podman(['ps', '--all', '--format', '{{.ID}} {{.Names}}']),
      podman(['ps', '--all', '--filter', `label=${LABEL.project}=${this.name}`, '--format', '{{.ID}} {{.Names}}']),
    ]);
    const ids = new Set<string>();
    for (const line of named.split('\n')) {
      const [id, name] = line.trim().split(/\s+/);
      if (id !== undefined && name !== undefined && this.mine(name)) ids.add(id);
    }
    for (const line of labelled.split('\n')) {
      const [id] = line.trim().split(/\s+/);
      if (id !== undefined && id !== '') ids.add(id);
    }
    const infos = await inspectContainers([...ids]);
    return new Map(infos.map((c) => [c.name, c]));
  }

  /** One container by name; fails the test when it does not exist. */
  async inspect(name: string): Promise<ContainerInfo> {
    const found = (await this.containers()).get(name);
    if (found === undefined) throw new Error(`container ${name} does not exist`);
    return found;
  }

  /** The project's containers (name, id, state), networks, volumes and secrets (name, id). */
  async state(): Promise<ProjectState> {
    const lines = async (args: string[]): Promise<string[]> =>
      (await podman(args))
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && this.mine(l.split(/\s+/)[0]!))
        .sort();
    const containers = [...(await this.containers()).values()].map((c) => `${c.name} ${c.id} ${c.state} ${c.startedAt}`).sort();
    return {
      containers,
      networks: await lines(['network', 'ls', '--format', '{{.Name}} {{.ID}}']),
      volumes: await lines(['volume', 'ls', '--format', '{{.Name}}']),
      secrets: await lines(['secret', 'ls', '--format', '{{.Name}} {{.ID}}']),
    };
  }

  /** Names of the project's secrets in Podman. */
  async secrets(): Promise<string[]> {
    return (await this.state()).secrets.map((line) => line.split(/\s+/)[0]!);
  }

  /**
   * Takes everything of this project away: `phoenix down --volumes --yes`, then a forced
   * removal of whatever is left with its name or labels (down may fail on broken manifests, or
   * the test made objects by hand).
   */
  async cleanup(): Promise<void> {
    const problems: string[] = [];
    try {
      await this.phoenix(['down', '--volumes', '--yes']);
    } catch (error) {
      problems.push(`phoenix down: ${(error as Error).message}`);
    }
    const attempt = async (what: string, work: () => Promise<unknown>): Promise<void> => {
      try {
        await work();
      } catch (error) {
        problems.push(`${what}: ${(error as Error).message}`);
      }
    };
    let left: ProjectState = { containers: [], networks: [], volumes: [], secrets: [] };
    await attempt('list', async () => (left = await this.state()));
    const first = (lines: readonly string[]): string[] => lines.map((l) => l.split(/\s+/)[0]!);
    if (left.containers.length > 0) await attempt('podman rm', () => podman(['rm', '--force', '--time', '0', ...first(left.containers)]));
    if (left.networks.length > 0) await attempt('podman network rm', () => podman(['network', 'rm', '--force', ...first(left.networks)]));
    if (left.volumes.length > 0) await attempt('podman volume rm', () => podman(['volume', 'rm', '--force', ...first(left.volumes)]));
    if (left.secrets.length > 0) await attempt('podman secret rm', () => podman(['secret', 'rm', ...first(left.secrets)]));
    for (const tag of this.tags) await attempt('podman untag', () => podman(['untag', IMAGE, tag]));
    rmSync(this.dir, { recursive: true, force: true });
    if (problems.length > 0) throw new Error(`cleanup of ${this.name} failed:\n${problems.join('\n')}`);
  }
}

/** Services made of the demo image, a fast-stopping loop and a 1 s stop grace period. */
export function service(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { image: IMAGE, stop_grace_period: '1s', command: ['sh', '-c', LOOP], ...extra };
}

/** A command that runs `prefix` (shell lines) first, then loops like LOOP. */
export function loopAfter(prefix: string): string[] {
  return ['sh', '-c', `${prefix}\n${LOOP}`];
}

// ---------------------------------------------------------------------------------------------
// the suite: one temporary root and state directory per test file

export interface IntegrationSuite {
  /** A new project for the running test; cleaned up after it, whatever happens. */
  project(): TestProject;
  readonly stateDir: string;
}

/**
 * The PIDs of `podman system service` processes Phoenix started on the socket in `stateDir`
 * (connectPodman starts one on demand; it would otherwise idle on for 5 minutes).
 */
export function apiServicePids(stateDir: string): number[] {
  const socket = `unix://${path.join(stateDir, 'podman.sock')}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes('service') && argv.includes(socket)) pids.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return pids;
}

/** Stops the `podman system service` processes Phoenix started on the socket in `stateDir`. */
export async function stopApiServices(stateDir: string): Promise<void> {
  const pids = apiServicePids(stateDir);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && pids.some((pid) => existsSync(`/proc/${pid}`))) await sleep(100);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
  }
}

/**
 * Registers the hooks of an integration test file: Podman must be there (else every test
 * fails saying to run scripts/setup.sh), a temporary root and a fresh state directory, and the cleanup of every project a test made.
 */
export function useIntegrationSuite(): IntegrationSuite {
  let root = '';
  let stateDir = '';
  const projects: TestProject[] = [];
  beforeAll(async () => {
    await requirePodman();
    root = mkdtempSync(path.join(os.tmpdir(), 'phxit-'));
    stateDir = path.join(root, 'state');
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    // No copy of the containers.conf fix: Phoenix finds the host's facts from any state directory.
  });
  afterEach(async () => {
    const done = projects.splice(0);
    const failures: string[] = [];
    for (const project of done) {
      try {
        await project.cleanup();
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    if (failures.length > 0) throw new Error(failures.join('\n'));
  }, 60_000);
  afterAll(async () => {
    if (stateDir !== '') await stopApiServices(stateDir);
    if (root !== '') rmSync(root, { recursive: true, force: true });
  }, 20_000);
  return {
    project: () => {
      if (root === '') throw new Error('the integration suite did not start (is Podman installed? run scripts/setup.sh)');
      const project = new TestProject(root, stateDir);
      projects.push(project);
      return project;
    },
    get stateDir() {
      return stateDir;
    },
  };
}

/** The source files the CLI loads: relative imports followed from src/cli/main.ts. */
function cliSources(): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)\.js'/g)) visit(path.resolve(path.dirname(file), `${match[1]!}.ts`));
  };
  visit(path.join(REPO, 'src', 'cli', 'main.ts'));
  return [...seen];
}

/**
 * A spawned CLI runs dist/bundle/ (bin/phoenix.js), bundled from dist/: both must exist and be
 * built from the sources as they are now.
 */
export function requireFreshBuild(): void {
  const bundle = path.join(REPO, 'dist', 'bundle', 'main.js');
  const stale = cliSources().filter((source) => {
    const compiled = path.join(REPO, 'dist', path.relative(path.join(REPO, 'src'), source).replace(/\.ts$/, '.js'));
    try {
      const built = Math.min(statSync(compiled).mtimeMs, statSync(bundle).mtimeMs);
      return statSync(source).mtimeMs > built;
    } catch {
      return true;
    }
  });
  if (stale.length > 0) throw new Error(`dist/ is missing or older than src/ (${stale.slice(0, 3).map((f) => path.relative(REPO, f)).join(', ')}): run npm run build before the integration tests.`);
}

/**
 * PIDs of the live processes whose parent is `pid`: the podman calls in flight. Not the REST
 * API service Phoenix may start (`podman system service`, detached, idling for minutes by design).
 */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes('service')) children.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return children;
}

/**
 * A CliIo for running Phoenix in-process: what it prints is kept, the environment is this
 * process's plus `extraEnv` without the variables that would point Phoenix elsewhere.
 */
export function capturingIo(
  cwd: string,
  extraEnv: Readonly<Record<string, string | undefined>> = {},
  options: { readonly interactive?: boolean; readonly signal?: AbortSignal } = {},
): { readonly io: CliIo; readonly stdout: () => string; readonly stderr: () => string } {
  let stdout = '';
  let stderr = '';
  const env: Record<string, string | undefined> = { ...process.env, ...extraEnv };
  delete env.PHOENIX_ENVIRONMENTS;
  // A developer's default environment must not leak into a test (one may pass its own).
  if (!Object.hasOwn(extraEnv, 'PHOENIX_ENV')) delete env.PHOENIX_ENV;
  delete env.PHOENIX_STATE_DIR;
  const io: CliIo = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    env,
    cwd,
    interactive: options.interactive ?? false,
    confirm: () => Promise.resolve(false),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  return { io, stdout: () => stdout, stderr: () => stderr };
}
