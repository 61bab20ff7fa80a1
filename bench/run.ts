/**
 * `npm run bench`: how long Phoenix takes to converge N-service environments on real Podman,
 * side by side with the floor (a sequential `podman run -d` loop) and, where installed,
 * podman-compose and docker-compose (against a `podman system service` socket). See
 * docs/benchmarks.md for what each column means.
 *
 * Options (after `npm run bench --`):
 *   --n 10,50                  service counts
 *   --shapes chain,independent depends_on chain (service_started) and/or no dependencies
 *   --cold-runs N              cold applies (each paired with a raw loop run); medians reported
 *                              (default 3 up to 100 services, 1 above: a cold 1,000 takes minutes)
 *   --unchanged-runs 5         re-applies with nothing changed; median reported
 *   --no-compose               skip podman-compose and docker-compose even when installed
 *   --compose-max 100          skip the compose tools past this many services (podman-compose never
 *                              finishes a 50-chain; docker-compose takes minutes at 100)
 *   --plan-runs 3              in-process load+plan runs per environment (the pure planner's time)
 *   --svg FILE                 where the growth plot goes (default bench/results/bench-curve.svg)
 *   --no-floors                Phoenix alone: no raw podman run loop, no REST API loops (a quicker
 *                              look at how Phoenix's own times grow; no cold ÷ floor ratios)
 *   --compose-timeout S        deadline of one compose command (default: 15 × the raw loop, at least 120 s);
 *                              podman-compose 1.0.3 never finishes a 50-deep depends_on chain
 *   --image NAME               the image (default localhost/phoenix-demo/busybox:1, built by scripts/setup.sh)
 *   --keep                     keep the temporary folder (environments, state dir)
 *   --profile                  instead: profile an unchanged re-apply (bench/profile.ts) of the first
 *                              --n and --shapes (10 in a chain by default)
 *
 * Writes bench/results/latest.json and prints a markdown table. Exits 1 when a Phoenix scenario
 * failed or a correctness check did not hold (an unchanged apply touched a container, a
 * one-variable change recreated other than exactly one); speed targets are reported, not
 * enforced, and a compose tool that fails or times out is reported in its cell.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { apiFloorLoop } from './api-floor.js';
import type { ContainerMark, PodmanSetup, RunResult, Shape, Touched } from './lib.js';
import { benchStateDir, changedIndex, compareSnapshots, composeYaml, median, must, podmanSetup, repoRoot, run, seconds, SERVICE_SCRIPT, serviceName, snapshot, stopApiService, TimedOut, writeEnvironment } from './lib.js';
import type { Measure } from './growth.js';
import { growthTable, growthSvg } from './growth.js';
import type { PlanTime } from './plan-time.js';
import { planTime } from './plan-time.js';

interface Options {
  readonly sizes: number[];
  readonly shapes: Shape[];
  /** null: 3 up to 100 services, 1 above (see coldRunsFor). */
  readonly coldRuns: number | null;
  readonly unchangedRuns: number;
  readonly compose: boolean;
  /** The compose tools are skipped past this many services. */
  readonly composeMax: number;
  readonly planRuns: number;
  readonly svg: string | null;
  /** Run the floors (raw podman run loop, REST API loops) beside Phoenix; --no-floors measures Phoenix alone. */
  readonly floors: boolean;
  /** Seconds; null: derived from the raw loop's time. */
  readonly composeTimeout: number | null;
  readonly image: string;
  readonly keep: boolean;
  readonly profile: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const options = { sizes: [10, 50], shapes: ['chain', 'independent'] as Shape[], coldRuns: null as number | null, unchangedRuns: 5, compose: true, composeMax: 100, planRuns: 3, svg: null as string | null, floors: true, composeTimeout: null as number | null, image: 'localhost/phoenix-demo/busybox:1', keep: false, profile: false };
  const positive = (flag: string, value: string | undefined): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes a whole number of at least 1`);
    return n;
  };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    switch (flag) {
      case '--n':
        options.sizes = (value ?? '').split(',').map((s) => positive('--n', s));
        i += 1;
        break;
      case '--shapes':
        options.shapes = (value ?? '').split(',').map((s) => {
          if (s !== 'chain' && s !== 'independent') throw new Error('--shapes takes chain and/or independent');
          return s;
        });
        i += 1;
        break;
      case '--cold-runs':
        options.coldRuns = positive(flag, value);
        i += 1;
        break;
      case '--unchanged-runs':
        options.unchangedRuns = positive(flag, value);
        i += 1;
        break;
      case '--image':
        options.image = value ?? options.image;
        i += 1;
        break;
      case '--compose-timeout':
        options.composeTimeout = positive(flag, value);
        i += 1;
        break;
      case '--no-compose':
        options.compose = false;
        break;
      case '--no-floors':
        options.floors = false;
        break;
      case '--compose-max':
        options.composeMax = positive(flag, value);
        i += 1;
        break;
      case '--plan-runs':
        options.planRuns = positive(flag, value);
        i += 1;
        break;
      case '--svg':
        if (value === undefined) throw new Error('--svg takes a file');
        options.svg = value;
        i += 1;
        break;
      case '--keep':
        options.keep = true;
        break;
      case '--profile':
        options.profile = true;
        break;
      default:
        throw new Error(`unknown option ${String(flag)} (see the comment at the top of bench/run.ts)`);
    }
  }
  return options;
}

/** Cold runs at n services: the option, else 3 up to 100 services and 1 above (a cold 1,000 is minutes of Podman's work per run). */
function coldRunsFor(options: Options, n: number): number {
  return options.coldRuns ?? (n <= 100 ? 3 : 1);
}

/**
 * Everything the bench creates has a name starting with this, so leftovers of an interrupted
 * run can be found (and are removed at the start). PHOENIX_BENCH_PREFIX gives two benches on one
 * host prefixes of their own: the leftovers one removes would be the other's containers.
 */
const PREFIX = /^[a-z][a-z0-9]*$/.test(process.env.PHOENIX_BENCH_PREFIX ?? '') ? process.env.PHOENIX_BENCH_PREFIX! : 'phxb';
const PROJECT = PREFIX;

interface Timed {
  readonly runsMs: number[];
  readonly medianMs: number;
}

interface ComposeResult {
  readonly tool: Tool;
  readonly freshMs: number;
  readonly unchangedMs: number;
  readonly unchangedTouched: Touched;
  readonly downMs: number;
}

type Tool = 'podman-compose' | 'docker-compose';
type ToolOutcome = ComposeResult | { readonly tool: Tool; readonly skipped: string } | { readonly tool: Tool; readonly error: string; readonly timedOutAfterSeconds?: number };

interface CaseResult {
  readonly shape: Shape;
  readonly n: number;
  raw?: Timed;
  /** executorRunsMs: the time Phoenix itself reports for carrying out the plan; the rest is start-up, loading, observing, planning. */
  phoenixCold?: Timed & { readonly executorRunsMs: number[] };
  coldOverRaw?: number;
  /** The API floor (api-floor.ts): create+start over the REST API, one at a time and `concurrency` at a time. */
  apiSequential?: Timed;
  apiParallel?: Timed & { readonly concurrency: number };
  /** Phoenix cold / the faster of the two API loops (medians). Target ≤ 1.1 for 100 independent services. */
  coldOverApi?: number;
  phoenixUnchanged?: Timed & { readonly touched: Touched };
  phoenixOneChanged?: { readonly ms: number; readonly service: string; readonly touched: Touched };
  phoenixDown?: Timed;
  /** The pure planner in-process (plan-time.ts): loading, planning against nothing and against everything running. */
  planTime?: PlanTime;
  compose: ToolOutcome[];
  /** Phoenix's failures (a compose tool's are in its outcome). */
  errors: string[];
}

class Bench {
  readonly environmentsDir: string;
  readonly stateDir: string;
  readonly phoenixBin: string;
  dockerService: ChildProcess | null = null;
  readonly dockerSocket: string;

  constructor(
    readonly options: Options,
    readonly setup: PodmanSetup,
    readonly tmp: string,
    readonly root: string,
  ) {
    this.environmentsDir = path.join(tmp, 'environments');
    this.stateDir = benchStateDir(tmp, setup);
    this.phoenixBin = path.join(root, 'bin', 'phoenix.js');
    this.dockerSocket = path.join(tmp, 'docker.sock');
  }

  podman(args: readonly string[]): Promise<RunResult> {
    return run('podman', args, { env: this.setup.env });
  }

  /** `phoenix <command> --env <env>` as its own process, as a user runs it. */
  async phoenix(command: string, env: string, extra: readonly string[] = []): Promise<RunResult> {
    const result = await run(process.execPath, [this.phoenixBin, command, '--env', env, '--environments', this.environmentsDir, '--state-dir', this.stateDir, ...extra], { cwd: this.root, env: { ...process.env, NO_COLOR: '1' } });
    if (result.code !== 0) {
      // The failed actions first (a 1,000-service plan's tail is a thousand "skipped: depends on …" lines), then the tail.
      const lines = (result.stdout + result.stderr).trim().split('\n');
      const failures = lines.filter((line) => /FAILED|failed|error/i.test(line) && !/skipped: depends on/.test(line)).slice(0, 5);
      throw new Error(`phoenix ${command} --env ${env} exited with ${String(result.code)}:\n${[...failures, ...lines.slice(-10)].join('\n')}`);
    }
    return result;
  }

  /** Removes every container and network whose name starts with `prefix` (the bench's own). */
  async removeByPrefix(prefix: string): Promise<void> {
    const containers = (await this.podman(['ps', '--all', '--format', '{{.Names}}'])).stdout.split('\n').map((s) => s.trim()).filter((s) => s.startsWith(prefix));
    if (containers.length > 0) await this.podman(['rm', '--force', '--time', '1', ...containers]);
    const networks = (await this.podman(['network', 'ls', '--format', '{{.Name}}'])).stdout.split('\n').map((s) => s.trim()).filter((s) => s.startsWith(prefix));
    if (networks.length > 0) await this.podman(['network', 'rm', '--force', ...networks]);
  }

  async expectRunning(prefix: string, n: number, what: string): Promise<Map<string, ContainerMark>> {
    const marks = await snapshot(this.setup.env, prefix);
    const running = [...marks.values()].filter((m) => m.status === 'running').length;
    if (marks.size !== n || running !== n) throw new Error(`${what}: expected ${n} running containers named ${prefix}*, found ${marks.size} (${running} running)`);
    return marks;
  }

  /** The floor: create the network, then `podman run -d` each container in turn. */
  async rawLoop(shape: Shape, n: number): Promise<number> {
    const base = `${PREFIX}-raw-${shape}${n}`;
    const started = performance.now();
    await this.createRawNetwork(base, n);
    for (let i = 0; i < n; i += 1) {
      const service = serviceName(i, n);
      await must('podman', ['run', '-d', '--name', `${base}-${service}`, '--network', `${base}:alias=${service}`, '--stop-timeout', '1', '--env', 'BENCH_REV=1', this.options.image, 'sh', '-c', SERVICE_SCRIPT], { env: this.setup.env });
    }
    const ms = performance.now() - started;
    await this.expectRunning(`${base}-`, n, 'raw podman run loop');
    await this.removeByPrefix(base);
    return ms;
  }

  /** The API floor: the same containers as the raw loop, through the bench's `podman system service`, `concurrency` requests at a time. */
  async apiLoop(shape: Shape, n: number, concurrency: number): Promise<number> {
    if (this.dockerService === null) await this.startDockerService();
    const base = `${PREFIX}-api${concurrency}-${shape}${n}`;
    const ms = await apiFloorLoop(this.dockerSocket, base, shape, n, this.options.image, concurrency, n <= 250 ? null : await this.freeSubnet());
    await this.expectRunning(`${base}-`, n, `REST API create+start loop, ${concurrency} at a time`);
    await this.removeByPrefix(base);
    return ms;
  }

  /**
   * The raw loop's network: Podman's default /24 holds 253 containers, so past that a /20
   * (4,093) of 10.200-10.254, the first one free on this host (Podman refuses one that
   * overlaps another network). Phoenix sizes its own networks (src/plan/network-sizing.ts).
   */
  async createRawNetwork(name: string, n: number): Promise<void> {
    if (n <= 250) await must('podman', ['network', 'create', name], { env: this.setup.env });
    else await must('podman', ['network', 'create', '--subnet', await this.freeSubnet(), name], { env: this.setup.env });
  }

  /** The first /20 of 10.200.0.0-10.254.255.255 that no network of this host overlaps. */
  async freeSubnet(): Promise<string> {
    const listed = JSON.parse((await must('podman', ['network', 'ls', '--format', 'json'], { env: this.setup.env })).stdout) as { subnets?: { subnet?: string }[] | null }[];
    const taken = listed.flatMap((net) => (net.subnets ?? []).flatMap((s) => (s.subnet === undefined ? [] : [ipv4Range(s.subnet)]))).filter((r): r is [number, number] => r !== null);
    for (let octet = 200; octet <= 254; octet += 1) {
      const candidate = `10.${octet}.0.0/20`;
      const [lo, hi] = ipv4Range(candidate)!;
      if (taken.every(([a, b]) => b < lo || a > hi)) return candidate;
    }
    throw new Error('no free /20 in 10.200-10.254 for the floor loops');
  }

  async phoenixCase(result: CaseResult): Promise<void> {
    const { shape, n } = result;
    const env = `${shape}${n}`;
    const prefix = `${PROJECT}-${env}-`;
    writeEnvironment(this.environmentsDir, env, PROJECT, composeYaml(shape, n, this.options.image));
    const raw: number[] = [];
    const apiSequential: number[] = [];
    const apiParallel: number[] = [];
    const cores = os.cpus().length;
    const cold: number[] = [];
    const executor: number[] = [];
    const down: number[] = [];
    result.planTime = await planTime(this.root, this.environmentsDir, env, this.options.planRuns);
    log(`  planner in-process: load ${seconds(result.planTime.loadMs)} s, plan ${seconds(result.planTime.planEmptyMs)} s (empty Podman) / ${seconds(result.planTime.planRunningMs)} s (all running)`);
    const coldRuns = coldRunsFor(this.options, n);
    for (let r = 0; r < coldRuns; r += 1) {
      if (this.options.floors) {
        raw.push(await this.rawLoop(shape, n));
        apiSequential.push(await this.apiLoop(shape, n, 1));
        apiParallel.push(await this.apiLoop(shape, n, cores));
      }
      const applied = await this.phoenix('apply', env, ['--yes']);
      cold.push(applied.ms);
      executor.push(executorMs(applied.stdout));
      await this.expectRunning(prefix, n, 'phoenix apply (cold)');
      if (r < coldRuns - 1) down.push((await this.phoenix('down', env, ['--yes', '--volumes'])).ms);
    }
    result.phoenixCold = { runsMs: cold, medianMs: median(cold), executorRunsMs: executor };
    if (this.options.floors) {
      result.raw = { runsMs: raw, medianMs: median(raw) };
      result.coldOverRaw = median(cold) / median(raw);
      result.apiSequential = { runsMs: apiSequential, medianMs: median(apiSequential) };
      result.apiParallel = { runsMs: apiParallel, medianMs: median(apiParallel), concurrency: cores };
      result.coldOverApi = median(cold) / Math.min(median(apiSequential), median(apiParallel));
    }
    if (this.options.floors) log(`  REST API create+start loop ${apiSequential.map(seconds).join(' / ')} s one at a time, ${apiParallel.map(seconds).join(' / ')} s ${cores} at a time`);
    log(`  ${this.options.floors ? `raw loop ${raw.map(seconds).join(' / ')} s; ` : ''}phoenix cold ${cold.map(seconds).join(' / ')} s (executing the plan: ${executor.map(seconds).join(' / ')} s)`);

    const before = await snapshot(this.setup.env, prefix);
    const unchanged: number[] = [];
    for (let r = 0; r < this.options.unchangedRuns; r += 1) {
      const applied = await this.phoenix('apply', env, ['--yes']);
      if (!applied.stdout.includes('No changes')) throw new Error(`phoenix apply with nothing changed planned changes:\n${applied.stdout}`);
      unchanged.push(applied.ms);
    }
    const touched = compareSnapshots(before, await snapshot(this.setup.env, prefix));
    result.phoenixUnchanged = { runsMs: unchanged, medianMs: median(unchanged), touched };
    log(`  phoenix unchanged ${unchanged.map(seconds).join(' / ')} s, ${touched.total} containers touched`);

    const changed = changedIndex(n);
    writeEnvironment(this.environmentsDir, env, PROJECT, composeYaml(shape, n, this.options.image, new Map([[changed, '2']])));
    const beforeChange = await snapshot(this.setup.env, prefix);
    const applied = await this.phoenix('apply', env, ['--yes']);
    await this.expectRunning(prefix, n, 'phoenix apply (one changed)');
    const changeTouched = compareSnapshots(beforeChange, await snapshot(this.setup.env, prefix));
    result.phoenixOneChanged = { ms: applied.ms, service: serviceName(changed, n), touched: changeTouched };
    log(`  phoenix one changed ${seconds(applied.ms)} s: ${changeTouched.recreated} recreated, ${changeTouched.restarted} restarted`);

    down.push((await this.phoenix('down', env, ['--yes', '--volumes'])).ms);
    result.phoenixDown = { runsMs: down, medianMs: median(down) };
    const left = await snapshot(this.setup.env, prefix);
    if (left.size > 0) throw new Error(`phoenix down left ${left.size} containers`);
  }

  async composeCase(tool: Tool, shape: Shape, n: number, timeoutMs: number): Promise<ComposeResult> {
    const project = `${PREFIX}${tool === 'podman-compose' ? 'pc' : 'dc'}${shape}${n}`;
    const dir = path.join(this.tmp, 'compose', project);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'compose.yaml');
    writeFileSync(file, composeYaml(shape, n, this.options.image));
    const env: NodeJS.ProcessEnv = tool === 'docker-compose' ? { ...this.setup.env, DOCKER_HOST: `unix://${this.dockerSocket}`, COMPOSE_INTERACTIVE_NO_CLI: '1' } : this.setup.env;
    const compose = (args: readonly string[]): Promise<RunResult> => must(tool, ['-p', project, '-f', file, ...args], { env, cwd: dir, timeoutMs });
    const prefix = `${project}_`;
    try {
      const fresh = await compose(['up', '-d']);
      const before = await this.expectRunning(prefix, n, `${tool} up -d (fresh)`);
      const unchanged = await compose(['up', '-d']);
      const after = await this.expectRunning(prefix, n, `${tool} up -d (unchanged)`);
      const touched = compareSnapshots(before, after);
      const down = await compose(['down', '-v', '-t', '1']);
      log(`  ${tool}: fresh ${seconds(fresh.ms)} s, unchanged ${seconds(unchanged.ms)} s (${touched.recreated} recreated, ${touched.restarted} restarted), down ${seconds(down.ms)} s`);
      return { tool, freshMs: fresh.ms, unchangedMs: unchanged.ms, unchangedTouched: touched, downMs: down.ms };
    } finally {
      await this.removeByPrefix(project); // containers <project>_*, network <project>_default
    }
  }

  /** A `podman system service` on the bench's own socket for docker-compose, started once. */
  async startDockerService(): Promise<void> {
    const child = spawn('podman', ['system', 'service', '--time=0', `unix://${this.dockerSocket}`], { env: this.setup.env, stdio: 'ignore' });
    this.dockerService = child;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (await ping(this.dockerSocket)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('podman system service did not answer on its socket within 10 s');
  }

  async close(): Promise<void> {
    this.dockerService?.kill('SIGTERM');
    // A Phoenix that observes through the REST API starts `podman system service` on
    // <state dir>/podman.sock and leaves it to time out; end the one on the bench's own state dir.
    stopApiService(this.stateDir);
    await this.removeByPrefix(PREFIX).catch(() => undefined);
    if (!this.options.keep) rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** The first and last address of an IPv4 CIDR as numbers; null for IPv6 or what does not parse. */
function ipv4Range(cidr: string): [number, number] | null {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (match === null) return null;
  const address = match.slice(1, 5).reduce((acc, part) => acc * 256 + Number(part), 0);
  const size = 2 ** (32 - Number(match[5]));
  const start = address - (address % size);
  return [start, start + size - 1];
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** The executor's own duration from apply's summary line ("10 created, ..., 2.9 s"); NaN when absent. */
function executorMs(stdout: string): number {
  const match = /removed, (\d+(?:\.\d+)?) (ms|s)\s*$/m.exec(stdout);
  if (match === null) return Number.NaN;
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function toolVersion(command: string, args: readonly string[], pattern: RegExp): Promise<string | null> {
  const result = await run(command, args, { env: podmanSetup().env, timeoutMs: 30_000 });
  if (result.code === null) return null; // not installed (ENOENT)
  return pattern.exec(result.stdout + result.stderr)?.[1] ?? 'unknown version';
}

interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly podman: string;
  /** 1-minute load average when the bench started: above ~0.5 on 2 cores, something else is competing. */
  readonly loadAverage: number;
  readonly podmanCompose: string | null;
  readonly dockerCompose: string | null;
}

async function machine(): Promise<Machine> {
  const podman = await toolVersion('podman', ['--version'], /version\s+(\S+)/);
  if (podman === null) throw new Error('podman is not installed: run scripts/setup.sh');
  let osName = `${os.type()} ${os.release()}`;
  try {
    osName = `${/PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os.type()}, kernel ${os.release()}`;
  } catch {
    // keep the kernel only
  }
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: osName,
    node: process.version,
    podman,
    loadAverage: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
    podmanCompose: await toolVersion('podman-compose', ['version'], /podman-compose(?:r)? version:?\s*(\S+)/),
    dockerCompose: await toolVersion('docker-compose', ['version', '--short'], /^(\S+)/),
  };
}

/** The commit measured, and whether src/ differs from it (the build is of the working tree). */
async function gitRevision(root: string): Promise<string> {
  const head = await run('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { timeoutMs: 10_000 });
  if (head.code !== 0) return 'unknown (not a git checkout)';
  const status = await run('git', ['-C', root, 'status', '--porcelain', '--', 'src'], { timeoutMs: 10_000 });
  return `${head.stdout.trim()}${status.stdout.trim() === '' ? '' : ' with uncommitted changes in src/'}`;
}

function composeCell(outcome: ToolOutcome | undefined): string {
  if (outcome === undefined) return 'n/a';
  if ('skipped' in outcome) return outcome.skipped;
  if ('error' in outcome) return outcome.timedOutAfterSeconds === undefined ? 'failed' : `did not finish (killed after ${outcome.timedOutAfterSeconds} s)`;
  const t = outcome.unchangedTouched;
  const effect = t.total === 0 ? 'nothing touched' : [t.recreated > 0 ? `${t.recreated} recreated` : '', t.restarted > 0 ? `${t.restarted} restarted` : ''].filter(Boolean).join(', ');
  return `${seconds(outcome.freshMs)} / ${seconds(outcome.unchangedMs)} (${effect})`;
}

/**
 * The measures whose growth with the number of services is fitted and plotted (growth.ts);
 * a new column of the table that is a time belongs here too.
 */
export const MEASURES: readonly Measure<CaseResult>[] = [
  { name: 'raw podman run loop', pick: (r) => r.raw?.medianMs },
  { name: 'REST API loop, 1 at a time', pick: (r) => r.apiSequential?.medianMs },
  { name: 'REST API loop, cores at a time', pick: (r) => r.apiParallel?.medianMs },
  { name: 'Phoenix cold', pick: (r) => r.phoenixCold?.medianMs },
  { name: 'Phoenix unchanged', pick: (r) => r.phoenixUnchanged?.medianMs },
  { name: 'Phoenix one changed', pick: (r) => r.phoenixOneChanged?.ms },
  { name: 'Phoenix down', pick: (r) => r.phoenixDown?.medianMs },
  { name: 'plan, empty Podman (in-process)', pick: (r) => r.planTime?.planEmptyMs },
  { name: 'plan, all running (in-process)', pick: (r) => r.planTime?.planRunningMs },
  { name: 'load environment (in-process)', pick: (r) => r.planTime?.loadMs },
];

export function markdownTable(results: readonly CaseResult[], floors = true): string {
  const floorMissing = floors ? 'failed' : 'skipped (--no-floors)';
  const cores = results.find((r) => r.apiParallel !== undefined)?.apiParallel?.concurrency ?? os.cpus().length;
  const head = ['services', 'raw `podman run` loop', 'API loop, one at a time', `API loop, ${cores} at a time`, 'Phoenix cold', 'cold ÷ raw', 'cold ÷ best API loop', 'Phoenix unchanged (median)', 'touched', 'Phoenix one changed', 'recreated', 'podman-compose fresh / unchanged', 'docker-compose fresh / unchanged'];
  const rows = results.map((r) => [
    `${r.n}, ${r.shape === 'chain' ? 'depends_on chain' : 'independent'}`,
    r.raw === undefined ? floorMissing : `${seconds(r.raw.medianMs)} s`,
    r.apiSequential === undefined ? floorMissing : `${seconds(r.apiSequential.medianMs)} s`,
    r.apiParallel === undefined ? floorMissing : `${seconds(r.apiParallel.medianMs)} s`,
    r.phoenixCold === undefined ? 'failed' : `${seconds(r.phoenixCold.medianMs)} s`,
    r.coldOverRaw === undefined ? 'n/a' : r.coldOverRaw.toFixed(2),
    r.coldOverApi === undefined ? 'n/a' : r.coldOverApi.toFixed(2),
    r.phoenixUnchanged === undefined ? 'failed' : `${seconds(r.phoenixUnchanged.medianMs)} s`,
    r.phoenixUnchanged === undefined ? 'n/a' : String(r.phoenixUnchanged.touched.total),
    r.phoenixOneChanged === undefined ? 'failed' : `${seconds(r.phoenixOneChanged.ms)} s`,
    r.phoenixOneChanged === undefined ? 'n/a' : `${r.phoenixOneChanged.touched.recreated}${r.phoenixOneChanged.touched.restarted > 0 ? ` (+${r.phoenixOneChanged.touched.restarted} restarted)` : ''}`,
    composeCell(r.compose.find((c) => c.tool === 'podman-compose')),
    composeCell(r.compose.find((c) => c.tool === 'docker-compose')),
  ]);
  return [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const root = repoRoot();
  if (options.profile) {
    const { profileUnchanged } = await import('./profile.js');
    return profileUnchanged(root, options.image, options.sizes[0], options.shapes[0]);
  }
  const setup = podmanSetup();
  const info = await machine();
  if ((await run('podman', ['image', 'exists', options.image], { env: setup.env })).code !== 0) {
    throw new Error(`the image ${options.image} is missing: scripts/setup.sh builds it`);
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-`));
  const bench = new Bench(options, setup, tmp, root);
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) return;
    interrupted = true;
    log('interrupted: cleaning up');
    void bench.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const started = new Date();
  const results: CaseResult[] = [];
  let failed = false;
  try {
    await bench.removeByPrefix(PREFIX); // leftovers of an interrupted run
    const tools: { tool: Tool; version: string | null }[] = [
      { tool: 'podman-compose', version: info.podmanCompose },
      { tool: 'docker-compose', version: info.dockerCompose },
    ];
    if (options.compose && info.dockerCompose !== null) await bench.startDockerService();
    log(`Phoenix bench: ${info.cpus} cores, podman ${info.podman}, podman-compose ${info.podmanCompose ?? 'not installed'}, docker-compose ${info.dockerCompose ?? 'not installed'}; temp ${tmp}`);
    for (const n of options.sizes) {
      for (const shape of options.shapes) {
        const result: CaseResult = { shape, n, compose: [], errors: [] };
        results.push(result);
        log(`${n} services, ${shape}:`);
        try {
          await bench.phoenixCase(result);
        } catch (error) {
          result.errors.push(`phoenix: ${(error as Error).message}`);
          log(`  FAILED: ${(error as Error).message}`);
          await bench.removeByPrefix(PREFIX).catch(() => undefined);
        }
        for (const { tool, version } of tools) {
          if (!options.compose) result.compose.push({ tool, skipped: 'skipped (--no-compose)' });
          else if (n > options.composeMax) result.compose.push({ tool, skipped: `skipped past ${options.composeMax} services` });
          else if (version === null) result.compose.push({ tool, skipped: 'not installed' });
          else {
            const timeoutMs = options.composeTimeout !== null ? options.composeTimeout * 1000 : Math.max(120_000, 15 * (result.raw?.medianMs ?? 10_000));
            try {
              result.compose.push(await bench.composeCase(tool, shape, n, timeoutMs));
            } catch (error) {
              const timedOut = error instanceof TimedOut ? { timedOutAfterSeconds: error.seconds } : {};
              result.compose.push({ tool, error: (error as Error).message, ...timedOut });
              log(`  ${tool} ${error instanceof TimedOut ? 'TIMED OUT' : 'FAILED'}: ${(error as Error).message}`);
            }
          }
        }
      }
    }
  } finally {
    await bench.close();
  }

  const checks: string[] = [];
  for (const r of results) {
    const label = `${r.n} ${r.shape}`;
    if (r.errors.length > 0) {
      failed = true;
      checks.push(`- FAILED ${label}: ${r.errors.join('; ').split('\n')[0] ?? ''}`);
    }
    if (r.phoenixUnchanged !== undefined && r.phoenixUnchanged.touched.total !== 0) {
      failed = true;
      checks.push(`- WRONG ${label}: an apply with nothing changed touched ${r.phoenixUnchanged.touched.total} containers (must be 0): ${r.phoenixUnchanged.touched.names.join(', ')}`);
    }
    if (r.phoenixOneChanged !== undefined && (r.phoenixOneChanged.touched.recreated !== 1 || r.phoenixOneChanged.touched.total !== 1)) {
      failed = true;
      checks.push(`- WRONG ${label}: changing one variable of ${r.phoenixOneChanged.service} touched ${r.phoenixOneChanged.touched.names.join(', ')} (must be exactly that one container, recreated)`);
    }
  }
  const notes: string[] = [];
  for (const r of results) {
    for (const c of r.compose) if ('error' in c) notes.push(`- ${c.tool}, ${r.n} ${r.shape}: ${c.error.split('\n')[0] ?? ''}`);
  }
  const targets: string[] = [];
  for (const r of results) {
    if (r.coldOverRaw !== undefined) targets.push(`- Phoenix cold ÷ raw loop, ${r.n} ${r.shape}: ${r.coldOverRaw.toFixed(2)} (target ≤ 1.1: ${r.coldOverRaw <= 1.1 ? 'met' : 'missed'})`);
    if (r.coldOverApi !== undefined) targets.push(`- Phoenix cold ÷ best REST API loop, ${r.n} ${r.shape}: ${r.coldOverApi.toFixed(2)}${r.n === 100 && r.shape === 'independent' ? ` (target ≤ 1.1: ${r.coldOverApi <= 1.1 ? 'met' : 'missed'})` : ''}`);
  }
  for (const r of results.filter((x) => x.n === 10)) {
    if (r.phoenixUnchanged !== undefined) {
      const s = r.phoenixUnchanged.medianMs / 1000;
      targets.push(`- Phoenix unchanged re-apply, 10 ${r.shape}: ${s.toFixed(2)} s (target ≤ 0.3 s: ${s <= 0.3 ? 'met' : 'missed'})`);
    }
  }
  // Issue 13's targets at 1,000 services (the touched and recreated counts are checks below).
  for (const r of results.filter((x) => x.n === 1000)) {
    if (r.phoenixUnchanged !== undefined) {
      const s = r.phoenixUnchanged.medianMs / 1000;
      targets.push(`- Phoenix unchanged re-apply, 1000 ${r.shape}: ${s.toFixed(2)} s, ${r.phoenixUnchanged.touched.total} touched (target ≤ 0.5 s and 0 touched: ${s <= 0.5 && r.phoenixUnchanged.touched.total === 0 ? 'met' : 'missed'})`);
    }
    if (r.phoenixOneChanged !== undefined) {
      const s = r.phoenixOneChanged.ms / 1000;
      targets.push(`- Phoenix one changed, 1000 ${r.shape}: ${s.toFixed(2)} s, ${r.phoenixOneChanged.touched.recreated} recreated (target ≤ 1 s and exactly 1: ${s <= 1 && r.phoenixOneChanged.touched.recreated === 1 && r.phoenixOneChanged.touched.total === 1 ? 'met' : 'missed'})`);
    }
  }

  const revision = await gitRevision(root);
  const durationSeconds = Math.round((Date.now() - started.getTime()) / 1000);
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  const loadEnd = (os.loadavg()[0] ?? 0).toFixed(2);
  const out = path.join(root, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  const svgFile = options.svg === null ? path.join(out, 'bench-curve.svg') : path.resolve(options.svg);
  const multipleSizes = new Set(results.map((r) => r.n)).size > 1;
  if (multipleSizes) {
    mkdirSync(path.dirname(svgFile), { recursive: true });
    writeFileSync(svgFile, growthSvg(results, MEASURES, [`${command}; Phoenix ${revision}; ${started.toISOString().slice(0, 16)}Z`, `${info.cpus} cores (${info.cpuModel}), Podman ${info.podman}; load average ${info.loadAverage} at the start, ${loadEnd} at the end; run took ${Math.round(durationSeconds / 60)} min`, 'Lines: colour per measure, solid = depends_on chain, dashed = independent; exponent of a least-squares fit on log-log']));
  }
  const report = [
    `## Phoenix bench, ${started.toISOString().slice(0, 10)}`,
    '',
    `Machine: ${info.cpus} cores (${info.cpuModel}), ${info.memoryGiB} GiB, ${info.os}; Node ${info.node}; Podman ${info.podman}; podman-compose ${info.podmanCompose ?? 'not installed'}; docker-compose ${info.dockerCompose ?? 'not installed'}. Phoenix ${revision}.`,
    `Load average ${info.loadAverage} at the start, ${loadEnd} at the end (1 minute). The whole run (\`${command}\`) took ${Math.round(durationSeconds / 60)} min ${durationSeconds % 60} s.`,
    `Times are wall-clock seconds of whole processes; medians of ${[...new Set(options.sizes.map((n) => coldRunsFor(options, n)))].join(' / ')} cold runs (each paired with a raw loop run) and ${options.unchangedRuns} unchanged re-applies; compose tools once each, up to ${options.composeMax} services.`,
    '',
    markdownTable(results, options.floors),
    ...(multipleSizes
      ? ['', `How each measure grows with the number of services (growth exponent: least-squares fit of log time on log services; 1 is linear, 2 quadratic). Plot: ${path.relative(root, svgFile)}.`, '', growthTable(results, MEASURES)]
      : []),
    '',
    'Targets:',
    ...targets,
    ...(checks.length === 0 ? ['', 'Checks: every unchanged apply touched 0 containers; every one-variable change recreated exactly 1.'] : ['', 'Checks:', ...checks]),
    ...(notes.length === 0 ? [] : ['', 'Compose tools (reported, not a failure of the bench):', ...notes]),
  ].join('\n');
  process.stdout.write(`${report}\n`);

  writeFileSync(
    path.join(out, 'latest.json'),
    `${JSON.stringify({ formatVersion: 1, date: started.toISOString(), durationSeconds, loadAverageEnd: Number(loadEnd), machine: info, phoenix: revision, options, results, targets, checks, notes }, (_key, value: unknown) => (typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value), 2)}\n`,
  );
  log(`wrote ${path.relative(process.cwd(), path.join(out, 'latest.json'))}${multipleSizes ? ` and ${path.relative(process.cwd(), svgFile)}` : ''}`);
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
