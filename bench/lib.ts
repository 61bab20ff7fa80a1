/**
 * What the benchmark and the profile share: running processes with a wall clock, the Podman
 * environment (Phoenix's containers.conf where the machine needs one), the generated
 * N-service environments, and container snapshots to count what an apply touched.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

/**
 * The repository root: the working directory when it is a Phoenix checkout (npm runs scripts
 * there; a git worktree whose node_modules is a link to another checkout's would otherwise
 * measure that checkout), else above this file, which runs from node_modules/.cache/phoenix-bench/
 * (compiled) or bench/ (type-checked).
 */
export function repoRoot(): string {
  const isCheckout = (dir: string): boolean => existsSync(path.join(dir, 'bin', 'phoenix.js')) && existsSync(path.join(dir, 'package.json'));
  if (isCheckout(process.cwd())) return process.cwd();
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (isCheckout(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the Phoenix repository (bin/phoenix.js) above the benchmark');
    dir = parent;
  }
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit, in milliseconds. */
  readonly ms: number;
  /** Killed at the deadline (options.timeoutMs). */
  readonly timedOut: boolean;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly timeoutMs?: number;
  readonly input?: string;
}

/** Runs a command (never through a shell) and measures its wall time. Never throws for a non-zero exit. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, [...args], { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 15 * 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, stdout: '', stderr: String(error.message), ms: performance.now() - started, timedOut });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: performance.now() - started, timedOut });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A command killed at its deadline. */
export class TimedOut extends Error {
  constructor(
    readonly command: string,
    readonly seconds: number,
  ) {
    super(`${command} did not finish within ${seconds} s and was killed`);
  }
}

/** Like run, but a non-zero exit is an error carrying the command's output, and a timeout a TimedOut. */
export async function must(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.timedOut) throw new TimedOut(`${command} ${args.join(' ')}`, Math.round(result.ms / 1000));
  if (result.code !== 0) {
    const tail = (text: string): string => text.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${command} ${args.join(' ')} exited with ${String(result.code)}\n${tail(result.stdout)}\n${tail(result.stderr)}`);
  }
  return result;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Where Phoenix keeps the containers.conf fix on this machine (scripts/setup.sh writes it only
 * where Podman needs it), and the environment raw podman and the compose tools need to match.
 */
export interface PodmanSetup {
  /** The containers.conf Phoenix passes to Podman here, or null when the host needs none. */
  readonly containersConf: string | null;
  /** process.env plus CONTAINERS_CONF when there is one: for raw podman and the compose tools. */
  readonly env: NodeJS.ProcessEnv;
}

export function podmanSetup(): PodmanSetup {
  const stateDir = process.env.PHOENIX_STATE_DIR ?? path.join(os.homedir(), '.local', 'state', 'phoenix');
  // Where Phoenix itself finds the host's fix (src/podman/containers-conf.ts; the bench compiles apart from src).
  const configHome = process.env.PHOENIX_CONFIG_DIR || path.join(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'phoenix');
  const candidates = [path.join(configHome, 'containers.conf'), '/etc/phoenix/containers.conf', path.join(stateDir, 'containers.conf')];
  const fromEnv = process.env.CONTAINERS_CONF ?? '';
  const containersConf = fromEnv !== '' ? fromEnv : (candidates.find((file) => existsSync(file)) ?? null);
  return { containersConf, env: containersConf === null ? { ...process.env } : { ...process.env, CONTAINERS_CONF: containersConf } };
}

/** A fresh Phoenix state directory for the benchmark, with the machine's containers.conf fix copied in. */
export function benchStateDir(root: string, setup: PodmanSetup): string {
  const dir = path.join(root, 'state');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (setup.containersConf !== null) copyFileSync(setup.containersConf, path.join(dir, 'containers.conf'));
  return dir;
}

export type Shape = 'chain' | 'independent';

/** The benchmark's long-running service: a shell that exits at once on SIGTERM (`wait` returns on the signal), and forks once an hour rather than every second, which 1,000 of them would make a load of their own. */
export const SERVICE_SCRIPT = 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done';

export function serviceName(index: number, n: number): string {
  return `s${String(index + 1).padStart(String(n).length, '0')}`;
}

/** The service whose environment variable the "one changed" scenario edits: the middle one (a chain has both dependencies and dependents there). */
export function changedIndex(n: number): number {
  return Math.floor(n / 2);
}

/**
 * A Compose file with n services on `image`: each depends on the one before (`chain`,
 * condition service_started) or on nothing (`independent`). `revisions` gives BENCH_REV per
 * service (default "1"). Read by Phoenix, podman-compose and docker-compose alike.
 */
export function composeYaml(shape: Shape, n: number, image: string, revisions: ReadonlyMap<number, string> = new Map()): string {
  // `$$` is Compose's escape for a literal `$` (all three tools interpolate).
  const command = JSON.stringify(['sh', '-c', SERVICE_SCRIPT.split('$').join('$$')]);
  const lines = ['# Generated by bench/lib.ts for npm run bench.', 'services:'];
  for (let i = 0; i < n; i += 1) {
    lines.push(`  ${serviceName(i, n)}:`, `    image: ${image}`, `    command: ${command}`, '    stop_grace_period: 1s', '    environment:', `      BENCH_REV: "${revisions.get(i) ?? '1'}"`);
    if (shape === 'chain' && i > 0) lines.push('    depends_on:', `      ${serviceName(i - 1, n)}:`, '        condition: service_started');
  }
  return `${lines.join('\n')}\n`;
}

/** The Phoenix environment `<name>.yaml` (project `project`) over compose/<name>.yaml. */
export function writeEnvironment(environmentsDir: string, name: string, project: string, compose: string): string {
  mkdirSync(path.join(environmentsDir, 'compose'), { recursive: true });
  writeFileSync(path.join(environmentsDir, `${name}.yaml`), `# Generated by bench/lib.ts for npm run bench.\nproject: ${project}\ncompose:\n  - compose/${name}.yaml\n`);
  const composeFile = path.join(environmentsDir, 'compose', `${name}.yaml`);
  writeFileSync(composeFile, compose);
  return composeFile;
}

/** One container as a snapshot sees it: a recreated container has a new id, a restarted one a new StartedAt. */
export interface ContainerMark {
  readonly id: string;
  readonly startedAt: string;
  readonly status: string;
}

/** Every container whose name starts with `prefix`, by name (ids and nanosecond StartedAt from inspect). */
export async function snapshot(env: NodeJS.ProcessEnv, prefix: string): Promise<Map<string, ContainerMark>> {
  const listed = await must('podman', ['ps', '--all', '--format', '{{.Names}}'], { env });
  const names = listed.stdout.split('\n').map((s) => s.trim()).filter((s) => s.startsWith(prefix));
  const marks = new Map<string, ContainerMark>();
  if (names.length === 0) return marks;
  const inspected = await must('podman', ['container', 'inspect', '--format', '{{.Name}}|{{.Id}}|{{.State.StartedAt}}|{{.State.Status}}', ...names], { env });
  for (const line of inspected.stdout.split('\n')) {
    const [name, id, startedAt, status] = line.trim().split('|');
    if (name !== undefined && name !== '' && id !== undefined && startedAt !== undefined && status !== undefined) marks.set(name.replace(/^\//, ''), { id, startedAt, status });
  }
  return marks;
}

/** What changed between two snapshots: containers recreated (or added, or removed) and restarted in place. */
export interface Touched {
  readonly recreated: number;
  readonly restarted: number;
  readonly added: number;
  readonly removed: number;
  readonly total: number;
  readonly names: readonly string[];
}

export function compareSnapshots(before: ReadonlyMap<string, ContainerMark>, after: ReadonlyMap<string, ContainerMark>): Touched {
  let recreated = 0;
  let restarted = 0;
  let added = 0;
  let removed = 0;
  const names: string[] = [];
  for (const [name, mark] of after) {
    const old = before.get(name);
    if (old === undefined) added += 1;
    else if (old.id !== mark.id) recreated += 1;
    else if (old.startedAt !== mark.startedAt) restarted += 1;
    else continue;
    names.push(name);
  }
  for (const name of before.keys()) {
    if (!after.has(name)) {
      removed += 1;
      names.push(name);
    }
  }
  return { recreated, restarted, added, removed, total: recreated + restarted + added + removed, names: names.sort() };
}

export function seconds(ms: number): string {
  return Number.isFinite(ms) ? (ms / 1000).toFixed(ms < 10_000 ? 2 : 1) : 'n/a';
}

/** The pids of `podman system service` processes listening on exactly this address. */
export function servicePids(address: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes('service') && argv.includes(address)) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}


/**
 * A Phoenix that observes through the REST API starts `podman system service` on
 * <state dir>/podman.sock and leaves it to time out; this ends the one on a bench's own
 * (temporary) state dir, and no other.
 */
export function stopApiService(stateDir: string): void {
  for (const pid of servicePids(`unix://${path.join(stateDir, 'podman.sock')}`)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}
