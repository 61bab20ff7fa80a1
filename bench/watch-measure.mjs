#!/usr/bin/env node
/**
 * `npm run bench:watch` (or `node bench/watch-measure.mjs` after `npm run build`): what
 * `phoenix watch` costs and how fast it reacts, on real Podman, with the built CLI as a real
 * process.
 *
 *   The watcher runs as people run it, with its default text output (its events go to a file
 *   the bench reads).
 *
 *   1. kill -> running: `podman kill` of the demo's web container until Podman reports it
 *      running again (its StartedAt), N times; median, and the start action's own time (from
 *      its action.succeeded event): the target is 1 s plus the container's start. The demo policy's window is shortened
 *      to 5 s and kills are spaced past it, so that each kill is a first failure (restarted at
 *      once; the backoff applies between restarts): with the demo's 1 m window the 4th kill
 *      within a minute would open the breaker (crash-looping, on purpose).
 *   2. edit -> converged: the demo's DEMO_WORKER_INTERVAL variable is changed in demo.yaml
 *      until the recreated worker runs (its StartedAt), N times; median. Also split into the
 *      actions themselves (the recreate and the start, from the action.succeeded events'
 *      durations) and the rest (noticing the edit, debounce, loading, observing, planning).
 *   3. idle: CPU% and RSS of the watch process (from /proc/<pid>/stat and status, every 10 s;
 *      also the V8 heap in use, from its /metrics)
 *      on the demo, then on a 50-service environment (busybox loops, no health checks), for
 *      --minutes each. CPU is given for the node process alone and with its reaped children
 *      (podman calls made through the CLI), and for the podman REST API service Phoenix
 *      started (health checks, state reads and observations go through it), with its RSS;
 *      and the watcher's output lines per minute (0 when nothing happens).
 *   The targets of docs/benchmarks.md are checked at the end (`targets` in the summary).
 *
 *   4. failed rollout -> rolled back: on an environment of its own with
 *      `policy.rollout.auto_rollback: true`, an edit that makes its service exit at once, until
 *      the watcher's `rollout.rolled-back` event (and the service running the good revision
 *      again), N times; median. Split into noticing the edit and the failed rollout (until
 *      `rollout.failed`) and the rollback itself (from there).
 *
 *   5. many services (--services 50, or a list: --services 10,100,1000): per size, a generated
 *      environment of independent busybox services on one network (Phoenix sizes its subnet),
 *      first convergence by watch, idle as in 3, and kill -> running of one of its services
 *      (--many-kills, spaced past the window). With several sizes, each measure's growth
 *      exponent (least squares on log-log) and a plot (--svg, default bench/results/watch-curve.svg).
 *
 *   6. the soak (--soak 30m, instead of all of the above): --soak-services (100) services
 *      watched for that long while, with --chaos, a random container is killed, stopped or
 *      removed every --chaos-every (15s) (and, with --chaos-edits, a service's variable edited
 *      now and then). Sampled every minute: RSS and CPU of Phoenix and of its Podman API
 *      service, restarts done, failed reconciles, events dropped (sinks, and podman event stream
 *      restarts), containers not running; at the end, how long until every container runs
 *      again. A plot of the minutes (--soak-svg, default bench/results/soak.svg).
 *
 * Options: --minutes 5   --kills 10   --edits 5   --rollbacks 5   --services 50   --skip-demo
 *          --skip-many   --skip-rollback   --out FILE (also write the JSON summary there)
 *          --many-kills 5   --svg FILE   --soak 30m   --soak-services 100   --chaos
 *          --chaos-every 15s   --chaos-edits   --soak-svg FILE   --small-minutes M (idle of every
 *          size but the largest)
 *   BENCH_WATCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" runs the watcher with those Node flags
 *   (a CPU profile of its whole life, written when it exits on SIGTERM).
 *
 * The demo is a copy under a project of its own (phxwm-<hex>) on a free port; everything is
 * taken down afterwards. Note: the watcher follows all of the host's container events, so a
 * busy host (other tests, benches) raises its idle CPU.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse, stringify } from 'yaml';

// The growth fit and the SVG plot are bench/curve.ts, compiled by `tsc -p bench/tsconfig.json`
// (npm run bench:watch does it); BENCH_COMPILED_DIR points elsewhere when that output lives elsewhere.
const compiled = process.env.BENCH_COMPILED_DIR ?? fileURLToPath(new URL('../node_modules/.cache/phoenix-bench', import.meta.url));
const { growthExponent, linearSlope, svgPlot } = await import(pathToFileURL(path.join(compiled, 'curve.js')).href);

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(REPO, 'bin', 'phoenix.js');
const IMAGE = 'localhost/phoenix-demo/busybox:1';
// Sleeps an hour at a time: 1,000 containers forking a sleep every second are a load of their own.
const LOOP = "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $$!; done";
const CLK_TCK = 100;

// ------------------------------------------------------------------------------------------
// options

function options() {
  const args = process.argv.slice(2);
  const value = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
  };
  const duration = (text) => {
    const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text);
    if (match === null) throw new Error(`not a duration: ${text} (e.g. 30m, 90s, 1h)`);
    return Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'];
  };
  const soak = value('--soak', null);
  return {
    soakMs: soak === null ? null : duration(soak),
    soakServices: Number(value('--soak-services', '100')),
    chaos: args.includes('--chaos'),
    chaosEveryMs: duration(value('--chaos-every', '15s')),
    chaosEdits: args.includes('--chaos-edits'),
    soakSvg: value('--soak-svg', path.join(REPO, 'bench', 'results', 'soak.svg')),
    svg: value('--svg', path.join(REPO, 'bench', 'results', 'watch-curve.svg')),
    manyKills: Number(value('--many-kills', '5')),
    minutes: Number(value('--minutes', '5')),
    smallMinutes: value('--small-minutes', null),
    kills: Number(value('--kills', '10')),
    edits: Number(value('--edits', '5')),
    services: value('--services', '50').split(',').map(Number),
    rollbacks: Number(value('--rollbacks', '5')),
    rollback: !args.includes('--skip-rollback'),
    demo: !args.includes('--skip-demo'),
    many: !args.includes('--skip-many'),
    out: value('--out', null),
  };
}

// ------------------------------------------------------------------------------------------
// small helpers

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (text) => process.stderr.write(`[bench:watch] ${text}\n`);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? NaN : sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function stateDirDefault() {
  return process.env.PHOENIX_STATE_DIR || path.join(process.env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state'), 'phoenix');
}

let podmanEnv = { ...process.env };

function podman(args, { allowFailure = false } = {}) {
  return new Promise((resolve, reject) => {
    execFile('podman', args, { env: podmanEnv, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error !== null && !allowFailure) reject(new Error(`podman ${args.join(' ')}: ${String(stderr).trim() || error.message}`));
      else resolve({ code: error === null ? 0 : (error.code ?? 1), stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function inspect(name) {
  const result = await podman(['container', 'inspect', name], { allowFailure: true });
  if (result.code !== 0) return null;
  const [c] = JSON.parse(result.stdout);
  return { id: c.Id, running: c.State.Running, startedAt: c.State.StartedAt, health: c.State.Health?.Status ?? c.State.Healthcheck?.Status ?? null };
}

async function until(what, timeoutMs, probe, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

function get(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function phoenix(args, env = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : (error.code ?? 1), stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** utime+stime and cutime+cstime (ticks), and VmRSS (kB), of a process. */
function sample(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, so index 11.
  const self = Number(fields[11]) + Number(fields[12]);
  const children = Number(fields[13]) + Number(fields[14]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
  return { at: Date.now(), self, children, rssKb };
}

// ------------------------------------------------------------------------------------------
// the environment under test and its watcher

class Bench {
  constructor() {
    this.root = mkdtempSync(path.join(os.tmpdir(), 'phxwm-'));
    this.stateDir = path.join(this.root, 'state');
    this.envDir = path.join(this.root, 'environments');
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    mkdirSync(path.join(this.envDir, 'compose'), { recursive: true });
    // The host's containers.conf fix where Phoenix finds it (src/podman/containers-conf.ts).
    const conf = [path.join(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'phoenix', 'containers.conf'), '/etc/phoenix/containers.conf', path.join(stateDirDefault(), 'containers.conf')].find((file) => existsSync(file));
    if (conf !== undefined) {
      copyFileSync(conf, path.join(this.stateDir, 'containers.conf'));
      if (!process.env.CONTAINERS_CONF) podmanEnv = { ...process.env, CONTAINERS_CONF: conf };
    }
    this.environments = [];
    this.watcher = null;
  }

  location() {
    return ['--environments', this.envDir, '--state-dir', this.stateDir];
  }

  /** A copy of the repository's demo under its own project name; returns its name and project. */
  demo(port) {
    const project = `phxwm-${randomBytes(4).toString('hex')}`;
    cpSync(path.join(REPO, 'environments', 'compose', 'demo.yaml'), path.join(this.envDir, 'compose', 'demo.yaml'));
    cpSync(path.join(REPO, 'environments', 'secrets'), path.join(this.envDir, 'secrets'), { recursive: true });
    const environment = parse(readFileSync(path.join(REPO, 'environments', 'demo.yaml'), 'utf8'));
    environment.project = project;
    (this.projects ??= []).push(project);
    this.demoEnvironment = environment;
    this.writeDemo();
    this.environments.push('demo');
    this.env = { DEMO_WEB_PORT: String(port) };
    return { name: 'demo', project };
  }

  writeDemo(change = (e) => e) {
    this.demoEnvironment = change(this.demoEnvironment);
    writeFileSync(path.join(this.envDir, 'demo.yaml'), stringify(this.demoEnvironment));
  }

  /**
   * `count` independent busybox services on the environment's default network (Phoenix gives
   * it a subnet that holds them all past Podman's /24). `health` is merged into the policy's.
   */
  many(count, health = {}, restart = undefined) {
    const project = `phxwm-${randomBytes(4).toString('hex')}`;
    this.manyNames = Array.from({ length: count }, (_, i) => `s${String(i + 1).padStart(Math.max(2, String(count).length), '0')}`);
    this.manyServices = Object.fromEntries(this.manyNames.map((name) => [name, { image: IMAGE, stop_grace_period: '1s', command: ['sh', '-c', LOOP], environment: { REV: '1' }, ...(restart === undefined ? {} : { restart }) }]));
    this.writeMany();
    writeFileSync(path.join(this.envDir, 'many.yaml'), stringify({ project, compose: ['compose/many.yaml'], policy: { prune: true, resync_interval: '1m', health } }));
    this.environments.push('many');
    this.manyProject = project;
    (this.projects ??= []).push(project);
    return { name: 'many', project };
  }

  writeMany() {
    writeFileSync(path.join(this.envDir, 'compose', 'many.yaml'), stringify({ services: this.manyServices }));
  }

  async startWatch(env) {
    const eventsFile = path.join(this.root, `${env}-events.jsonl`);
    // The default output (text, one line per decision), as people run it; the events file is for the bench.
    const nodeArgs = (process.env.BENCH_WATCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    const child = spawn(process.execPath, [...nodeArgs, BIN, 'watch', '--env', env, ...this.location(), '--listen', '127.0.0.1:0', '--events-file', eventsFile], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdoutTail = '';
    let stdoutLines = 0;
    let streamDrops = 0;
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    // The output: only the tail is kept, for when the watcher misbehaves, and the number of lines (how quiet it is).
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdoutTail = (stdoutTail + chunk).slice(-20_000);
      stdoutLines += chunk.split('\n').length - 1;
      // The watcher's "podman events stream dropped; restarting it" warnings (a chunk may split one; rare enough).
      streamDrops += chunk.split('events stream dropped').length - 1;
    });
    this.eventStreamDrops = () => streamDrops;
    this.logTail = () => stdoutTail;
    this.outputLines = () => stdoutLines;
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.watcher = { child, exited, eventsFile, stderr: () => stderr };
    const url = await until('the telemetry address', 30_000, () => {
      if (child.exitCode !== null) throw new Error(`phoenix watch exited ${child.exitCode}: ${stderr}`);
      return /telemetry on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
    });
    this.watcher.url = url;
    // The first convergence creates every container: about a second each on a loaded 2-core machine.
    await until('/readyz 200', 300_000 + 2000 * (this.manyNames?.length ?? 0), async () => (await get(`${url}/readyz`)).status === 200, 1000);
    return this.watcher;
  }

  events() {
    if (this.watcher === null || !existsSync(this.watcher.eventsFile)) return [];
    return readFileSync(this.watcher.eventsFile, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l));
  }

  async stopWatch() {
    if (this.watcher === null) return null;
    const { child, exited } = this.watcher;
    const sentAt = Date.now();
    if (child.exitCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => {
      log(`the watcher did not stop within 15 s of SIGTERM; killing it. stderr:\n${this.watcher?.stderr()}\nlog tail:\n${this.logTail()}`);
      child.kill('SIGKILL');
    }, Number(process.env.BENCH_STOP_WAIT_MS ?? 15_000));
    const exit = await exited;
    clearTimeout(timer);
    this.watcher = null;
    return { ...exit, ms: Date.now() - sentAt };
  }

  /** The pid of the REST API service Phoenix started on this state dir's socket, or null. */
  apiServicePid() {
    const socket = `unix://${path.join(this.stateDir, 'podman.sock')}`;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(socket)) return Number(entry);
      } catch {
        // gone
      }
    }
    return null;
  }

  async cleanup() {
    await this.stopWatch();
    for (const env of this.environments) {
      const down = await phoenix(['down', '--env', env, ...this.location(), '--yes', '--volumes'], this.env);
      if (down.code !== 0) log(`phoenix down --env ${env} exited ${down.code}: ${down.stderr.trim()}`);
    }
    // What a failed down left (a loaded machine times Podman out): the bench's own projects, by label.
    for (const project of this.projects ?? []) {
      const left = (await podman(['ps', '--all', '--filter', `label=io.phoenix.project=${project}`, '--format', '{{.Names}}'], { allowFailure: true })).stdout.split('\n').filter((n) => n.trim() !== '');
      if (left.length > 0) {
        log(`removing the ${left.length} containers phoenix down left of ${project}`);
        await podman(['rm', '--force', '--time', '1', ...left], { allowFailure: true });
      }
      const networks = (await podman(['network', 'ls', '--format', '{{.Name}}'], { allowFailure: true })).stdout.split('\n').filter((n) => n.startsWith(`${project}-`));
      if (networks.length > 0) await podman(['network', 'rm', '--force', ...networks], { allowFailure: true });
    }
    // The REST API service Phoenix may have started on this state dir's socket.
    const service = this.apiServicePid();
    if (service !== null) process.kill(service, 'SIGTERM');
    rmSync(this.root, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------
// measurements

async function waitHealthy(container, timeoutMs = 60_000) {
  await until(`${container} healthy`, timeoutMs, async () => {
    const c = await inspect(container);
    if (c === null || !c.running) return false;
    return (await podman(['healthcheck', 'run', container], { allowFailure: true })).code === 0;
  }, 200);
}

async function waitRunning(container, timeoutMs = 60_000) {
  await until(`${container} running`, timeoutMs, async () => (await inspect(container))?.running === true, 200);
}

/** `healthy`: wait for the health check before each kill (the demo's web); otherwise only for it to run. */
async function killSeries(bench, container, count, windowMs, healthy = true) {
  const times = [];
  const starts = [];
  const byPhoenix = [];
  for (let i = 0; i < count; i++) {
    await (healthy ? waitHealthy(container) : waitRunning(container));
    const before = await inspect(container);
    const eventsBefore = bench.events().length;
    const killedAt = Date.now();
    await podman(['kill', container]);
    const after = await until(`${container} running again`, 60_000, async () => {
      const c = await inspect(container);
      return c !== null && c.running && c.startedAt !== before.startedAt ? c : null;
    });
    const ms = Date.parse(after.startedAt) - killedAt;
    times.push(ms);
    // Who started it: Phoenix's restart policy, or Podman's own restart policy (unless-stopped).
    await sleep(500);
    const since = bench.events().slice(eventsBefore);
    const restarted = since.some((e) => e.type === 'io.phoenix.container.restarted' && e.data.container === container);
    byPhoenix.push(restarted);
    // The container's start itself (the start action's own time): what the target allows on top of 1 s.
    const start = since.find((e) => e.type === 'io.phoenix.action.succeeded' && e.data.kind === 'container.start' && e.data.resource === container);
    starts.push(start === undefined ? NaN : start.data.durationMs);
    log(`  kill ${i + 1}/${count}: ${ms} ms${start === undefined ? '' : `, of which the start ${start.data.durationMs} ms`}${restarted ? '' : ' (not restarted by Phoenix)'}`);
    // Past the window: the next kill is a first failure again.
    await sleep(Math.max(0, windowMs + 1000 - (Date.now() - Date.parse(after.startedAt))));
  }
  const overheads = times.map((t, i) => t - starts[i]).filter((t) => !Number.isNaN(t));
  return { times, median: median(times), min: Math.min(...times), max: Math.max(...times), startActionMs: starts, startActionMedian: median(starts.filter((t) => !Number.isNaN(t))), overheadMedian: median(overheads), restartedByPhoenix: byPhoenix.filter(Boolean).length };
}

async function editSeries(bench, container, count) {
  const times = [];
  const actions = [];
  for (let i = 0; i < count; i++) {
    const before = await inspect(container);
    const eventsBefore = bench.events().length;
    const editedAt = Date.now();
    bench.writeDemo((e) => ({ ...e, variables: { ...e.variables, DEMO_WORKER_INTERVAL: 4 + i } }));
    const after = await until(`${container} recreated`, 60_000, async () => {
      const c = await inspect(container);
      return c !== null && c.running && c.id !== before.id ? c : null;
    });
    const ms = Date.parse(after.startedAt) - editedAt;
    times.push(ms);
    await sleep(1000);
    // The recreate and the start of the worker this edit caused: the action's own time.
    const actionMs = bench
      .events()
      .slice(eventsBefore)
      .filter((e) => e.type === 'io.phoenix.action.succeeded' && e.data.resource.includes(container) && (e.data.kind === 'container.recreate' || e.data.kind === 'container.start'))
      .reduce((sum, e) => sum + e.data.durationMs, 0);
    actions.push(Math.round(actionMs));
    log(`  edit ${i + 1}/${count}: ${ms} ms, of which the recreate and start ${Math.round(actionMs)} ms, the rest ${ms - Math.round(actionMs)} ms`);
    await sleep(2000);
  }
  const overheads = times.map((t, i) => t - actions[i]);
  return { times, median: median(times), min: Math.min(...times), max: Math.max(...times), actionMs: actions, actionMedian: median(actions), overheadMs: overheads, overheadMedian: median(overheads) };
}

/** The V8 heap in use (MiB), from the watcher's own /metrics (prom-client's default metrics). */
async function heapUsedMiB(url) {
  try {
    const { body } = await get(`${url}/metrics`);
    return Number((Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(body)?.[1]) / 1024 / 1024).toFixed(1));
  } catch {
    return NaN;
  }
}

async function idle(pid, url, minutes, label, servicePid, outputLines = () => NaN) {
  const linesBefore = outputLines();
  // The podman REST API service does the podman work that child processes used to do (health
  // checks, state reads); it is not a child Phoenix reaps, so it is sampled on its own.
  const serviceSample = () => (servicePid === null ? null : sample(servicePid));
  const serviceFirst = serviceSample();
  const samples = [{ ...sample(pid), heapMiB: await heapUsedMiB(url) }];
  const end = Date.now() + minutes * 60_000;
  while (Date.now() < end) {
    await sleep(Math.min(10_000, Math.max(0, end - Date.now())));
    samples.push({ ...sample(pid), heapMiB: await heapUsedMiB(url) });
    const [a, b] = samples.slice(-2);
    log(`  ${label} t+${Math.round((b.at - samples[0].at) / 1000)} s: RSS ${(b.rssKb / 1024).toFixed(1)} MiB, heap used ${b.heapMiB} MiB, CPU ${(((b.self - a.self) / CLK_TCK / ((b.at - a.at) / 1000)) * 100).toFixed(2)}% (+children ${(((b.children - a.children) / CLK_TCK / ((b.at - a.at) / 1000)) * 100).toFixed(2)}%)`);
  }
  const first = samples[0];
  const last = samples.at(-1);
  const seconds = (last.at - first.at) / 1000;
  const rss = samples.map((s) => s.rssKb / 1024);
  // Flatness: the second half's mean against the first half's.
  const half = Math.floor(rss.length / 2);
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const serviceLast = serviceSample();
  return {
    minutes,
    samples: samples.length,
    // What a person watching it reads: lines printed per minute while nothing happens.
    outputLinesPerMinute: Number(((outputLines() - linesBefore) / (seconds / 60)).toFixed(1)),
    apiServiceCpuPercent: serviceFirst === null ? null : Number((((serviceLast.self - serviceFirst.self) / CLK_TCK / ((serviceLast.at - serviceFirst.at) / 1000)) * 100).toFixed(2)),
    apiServiceRssMiB: serviceLast === null ? null : Number((serviceLast.rssKb / 1024).toFixed(1)),
    cpuPercent: Number((((last.self - first.self) / CLK_TCK / seconds) * 100).toFixed(2)),
    cpuPercentWithChildren: Number((((last.self + last.children - first.self - first.children) / CLK_TCK / seconds) * 100).toFixed(2)),
    rssStartMiB: Number(rss[0].toFixed(1)),
    rssEndMiB: Number(rss.at(-1).toFixed(1)),
    rssMinMiB: Number(Math.min(...rss).toFixed(1)),
    rssMaxMiB: Number(Math.max(...rss).toFixed(1)),
    // MiB per minute by least squares over every sample: flat is about 0.
    rssSlopeMiBPerMinute: Number((linearSlope(samples.map((s, i) => ({ x: (s.at - first.at) / 60_000, y: rss[i] }))) ?? NaN).toFixed(3)),
    rssFirstHalfMeanMiB: Number(mean(rss.slice(0, half)).toFixed(1)),
    rssSecondHalfMeanMiB: Number(mean(rss.slice(half)).toFixed(1)),
    rssSeriesMiB: rss.map((r) => Number(r.toFixed(1))),
    heapUsedSeriesMiB: samples.map((s) => s.heapMiB),
  };
}

// ------------------------------------------------------------------------------------------
// failed rollout -> rolled back (policy.rollout.auto_rollback)

/** The compose file of the rollback environment: `app` healthy (a loop) or failing (exits 3 at once), with a value that makes each edit new. */
function rollbackCompose(value, failing) {
  const command = failing ? ['sh', '-c', 'echo cannot start; exit 3'] : ['sh', '-c', LOOP];
  return { services: { app: { image: IMAGE, stop_grace_period: '1s', environment: { VALUE: String(value) }, command } } };
}

/**
 * Measures, `count` times, an edit whose service exits at once until the watcher rolled it
 * back: the time of its `rollout.rolled-back` event minus the time of the edit.
 */
async function rollbackSeries(bench, count) {
  const container = `${bench.rollbackProject}-rollback-app-1`;
  const times = [];
  const detect = [];
  for (let i = 0; i < count; i++) {
    const eventsBefore = bench.events().length;
    const editedAt = Date.now();
    writeFileSync(path.join(bench.envDir, 'compose', 'rollback.yaml'), stringify(rollbackCompose(`bad-${i}`, true)));
    const rolledBack = await until('rollout.rolled-back', 120_000, () => bench.events().slice(eventsBefore).find((e) => e.type === 'io.phoenix.rollout.rolled-back'), 100);
    if (rolledBack.data.ok !== true) throw new Error(`the rollback of edit ${i + 1} failed: ${JSON.stringify(rolledBack.data)}`);
    const failed = bench.events().slice(eventsBefore).find((e) => e.type === 'io.phoenix.rollout.failed');
    const ms = Date.parse(rolledBack.time) - editedAt;
    times.push(ms);
    detect.push(Date.parse(failed.time) - editedAt);
    const running = await inspect(container);
    if (running === null || !running.running) throw new Error(`${container} does not run after the rollback of edit ${i + 1}`);
    log(`  failed rollout ${i + 1}/${count}: rolled back ${ms} ms after the edit (rollout.failed after ${detect.at(-1)} ms)`);
    await sleep(2000);
  }
  const rollbackMs = times.map((t, i) => t - detect[i]);
  return { times, median: median(times), min: Math.min(...times), max: Math.max(...times), failedAfterMs: detect, failedAfterMedian: median(detect), rollbackMs, rollbackMedian: median(rollbackMs) };
}

/** Section 4: its own environment and watcher, taken down afterwards. */
async function rollbackBench(count) {
  const bench = new Bench();
  const stopping = () => void bench.cleanup().finally(() => process.exit(130));
  process.once('SIGINT', stopping);
  try {
    bench.rollbackProject = `phxwm-${randomBytes(4).toString('hex')}`;
    bench.projects = [bench.rollbackProject];
    writeFileSync(path.join(bench.envDir, 'compose', 'rollback.yaml'), stringify(rollbackCompose('good', false)));
    writeFileSync(path.join(bench.envDir, 'rollback.yaml'), stringify({ project: bench.rollbackProject, compose: ['compose/rollback.yaml'], policy: { prune: true, rollout: { auto_rollback: true, timeout: '30s' } } }));
    bench.environments.push('rollback');
    log(`failed rollout -> rolled back, ${count} times, as ${bench.rollbackProject}`);
    await bench.startWatch('rollback');
    return await rollbackSeries(bench, count);
  } finally {
    process.removeListener('SIGINT', stopping);
    await bench.cleanup();
  }
}

// ------------------------------------------------------------------------------------------

/**
 * On the demo: kill -> running and edit -> converged with the watcher's default output, SIGTERM
 * -> exit, then idle with the demo's own policy. Returns its part of the summary.
 */
async function demoBench(opts) {
  const summary = {};
  const bench = new Bench();
  const stopping = () => void bench.cleanup().finally(() => process.exit(130));
  process.once('SIGINT', stopping);
  try {
    const { project } = bench.demo(await freePort());
    const web = `${project}-demo-web-1`;
    const worker = `${project}-demo-worker-1`;
    log(`demo as ${project}`);

    // The demo's policy, window shortened so that every kill is a first failure.
    bench.writeDemo((e) => ({ ...e, policy: { ...e.policy, health: { ...e.policy.health, window: '5s' } } }));
    let watcher = await bench.startWatch('demo');
    log(`kill -> running, demo policy, ${opts.kills} times`);
    summary.killToRunning = await killSeries(bench, web, opts.kills, 5000);
    log(`edit -> converged, ${opts.edits} times`);
    summary.editToConverged = await editSeries(bench, worker, opts.edits);
    summary.sigterm = await bench.stopWatch();

    // Idle, with the demo's own policy again.
    bench.writeDemo((e) => ({ ...e, policy: parse(readFileSync(path.join(REPO, 'environments', 'demo.yaml'), 'utf8')).policy }));
    watcher = await bench.startWatch('demo');
    await sleep(30_000);
    log(`idle on the demo for ${opts.minutes} min`);
    summary.idleDemo = await idle(watcher.child.pid, watcher.url, opts.minutes, 'demo', bench.apiServicePid(), bench.outputLines);
  } finally {
    process.removeListener('SIGINT', stopping);
    await bench.cleanup();
  }
  return summary;
}

/**
 * On `services` independent busybox services: the first convergence by watch, idle, then
 * kill -> running of the middle service (its window shortened to 5 s, kills spaced past it).
 */
async function manyBench(opts, services) {
  const summary = { services };
  const bench = new Bench();
  const stopping = () => void bench.cleanup().finally(() => process.exit(130));
  process.once('SIGINT', stopping);
  try {
    const { project } = bench.many(services, { window: '5s' });
    log(`${services}-service environment as ${project} (load average ${os.loadavg()[0].toFixed(2)})`);
    const startedAt = Date.now();
    const watcher = await bench.startWatch('many');
    summary.firstConvergeMs = Date.now() - startedAt;
    log(`  converged by watch in ${summary.firstConvergeMs} ms`);
    await sleep(30_000);
    log(`idle on ${services} services for ${opts.minutes} min`);
    summary.idle = await idle(watcher.child.pid, watcher.url, opts.minutes, `${services} services`, bench.apiServicePid(), bench.outputLines);
    if (opts.manyKills > 0) {
      const container = `${project}-many-${bench.manyNames[Math.floor(services / 2)]}-1`;
      log(`kill -> running of ${container}, ${opts.manyKills} times`);
      summary.killToRunning = await killSeries(bench, container, opts.manyKills, 5000, false);
    }
    summary.loadAverage = os.loadavg()[0];
  } finally {
    process.removeListener('SIGINT', stopping);
    await bench.cleanup();
  }
  return summary;
}

/** The measures of the many-service runs whose growth with the number of services is fitted and plotted. */
const MANY_MEASURES = [
  { name: 'first convergence by watch (ms)', pick: (m) => m.firstConvergeMs },
  { name: 'kill -> running, median (ms)', pick: (m) => m.killToRunning?.median },
  { name: 'kill -> running besides the start (ms)', pick: (m) => m.killToRunning?.overheadMedian },
  { name: 'idle CPU of watch (%)', pick: (m) => m.idle?.cpuPercent },
  { name: 'idle RSS of watch, max (MiB)', pick: (m) => m.idle?.rssMaxMiB },
  { name: 'idle CPU of the API service (%)', pick: (m) => m.idle?.apiServiceCpuPercent },
  { name: 'idle RSS of the API service (MiB)', pick: (m) => m.idle?.apiServiceRssMiB },
];

/** Growth exponents across the sizes, and the plot (log-log), when there are several sizes. */
function manyGrowth(runs, opts) {
  const series = MANY_MEASURES.map((measure, i) => ({ name: measure.name, color: i, points: runs.map((m) => ({ x: m.services, y: measure.pick(m) })).filter((p) => typeof p.y === 'number' && Number.isFinite(p.y)) }));
  const growth = Object.fromEntries(series.map((s) => [s.name, { values: Object.fromEntries(s.points.map((p) => [p.x, p.y])), exponent: growthExponent(s.points) }]));
  if (runs.length > 1) {
    mkdirSync(path.dirname(opts.svg), { recursive: true });
    writeFileSync(
      opts.svg,
      svgPlot(series.filter((s) => s.points.length > 0), {
        title: 'npm run bench:watch: watch against services (log-log)',
        xLabel: 'services',
        yLabel: 'ms / % / MiB (see each line)',
        logX: true,
        logY: true,
        legendNote: (s) => ` (exp ${growthExponent(s.points)?.toFixed(2) ?? 'n/a'})`,
        footer: [`node bench/watch-measure.mjs ${process.argv.slice(2).join(' ')}; ${new Date().toISOString().slice(0, 16)}Z`, `${os.cpus().length} cores; load average at the end of each size: ${runs.map((m) => `${m.services}: ${m.loadAverage?.toFixed(1)}`).join(', ')}`, 'Exponent: least-squares fit on log-log; 1 is linear, 0 flat'],
      }),
    );
    log(`wrote ${path.relative(process.cwd(), opts.svg)}`);
  }
  return growth;
}

// ------------------------------------------------------------------------------------------
// the soak

/** The sum of every series of a Prometheus metric (text format) whose labels include `match`, e.g. `result="failed"`. */
function metricSum(body, name, match = '') {
  let sum = 0;
  for (const line of body.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    if (match !== '' && !line.includes(match)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return sum;
}

/** The project's containers that do not run, and how many it has. */
async function notRunning(project) {
  const listed = JSON.parse((await podman(['ps', '--all', '--filter', `label=io.phoenix.project=${project}`, '--format', 'json'])).stdout || '[]');
  return { total: listed.length, notRunning: listed.filter((c) => c.State !== 'running').map((c) => c.Names?.[0] ?? c.Id) };
}

/**
 * One chaos step on a random service of the soak's environment: kill, stop or remove its
 * container (or, with edits, change its variable, which recreates it).
 */
async function chaosStep(bench, opts, done) {
  const kinds = opts.chaosEdits ? ['kill', 'stop', 'remove', 'edit'] : ['kill', 'stop', 'remove'];
  const kind = kinds[Math.floor(Math.random() * kinds.length)];
  const service = bench.manyNames[Math.floor(Math.random() * bench.manyNames.length)];
  const container = `${bench.manyProject}-many-${service}-1`;
  let result;
  if (kind === 'kill') result = await podman(['kill', container], { allowFailure: true });
  else if (kind === 'stop') result = await podman(['stop', '--time', '1', container], { allowFailure: true });
  else if (kind === 'remove') result = await podman(['rm', '--force', '--time', '1', container], { allowFailure: true });
  else {
    bench.manyServices[service] = { ...bench.manyServices[service], environment: { REV: String(Number(bench.manyServices[service].environment.REV) + 1) } };
    bench.writeMany();
    result = { code: 0 };
  }
  // A container already down (killed a moment ago, being recreated) is not an action done.
  done[kind] = (done[kind] ?? 0) + (result.code === 0 ? 1 : 0);
  done.missed = (done.missed ?? 0) + (result.code === 0 ? 0 : 1);
}

/**
 * The soak: watch on --soak-services services for --soak, with chaos when asked. Sampled every
 * minute; at the end, the time until every container runs again (at most 3 minutes).
 */
async function soakBench(opts) {
  const bench = new Bench();
  const stopping = () => void bench.cleanup().finally(() => process.exit(130));
  process.once('SIGINT', stopping);
  const summary = { services: opts.soakServices, minutes: opts.soakMs / 60_000, chaos: opts.chaos, chaosEverySeconds: opts.chaosEveryMs / 1000, chaosEdits: opts.chaosEdits, loadAverageStart: os.loadavg() };
  try {
    // A 1-minute window with room for 10 restarts: random chaos hits a service twice within
    // minutes now and then, which is not a crash loop (the breaker is measured elsewhere).
    // restart: always, so that a container stopped by hand is one to start again (with the
    // default `no`, a container that exits 0 on `podman stop` has completed and stays down).
    const { project } = bench.many(opts.soakServices, { window: '1m', max_restarts: 10 }, 'always');
    log(`soak: ${opts.soakServices} services as ${project} for ${summary.minutes} min${opts.chaos ? `, chaos every ${summary.chaosEverySeconds} s` : ''} (load average ${os.loadavg()[0].toFixed(2)})`);
    const startedAt = Date.now();
    const watcher = await bench.startWatch('many');
    summary.firstConvergeMs = Date.now() - startedAt;
    await sleep(20_000);
    const pid = watcher.child.pid;
    const done = {};
    const minutes = [];
    const t0 = Date.now();
    const end = t0 + opts.soakMs;
    let previous = { ...sample(pid), service: null };
    let nextSample = t0;
    let chaosRunning = Promise.resolve();
    const chaosTimer = opts.chaos
      ? setInterval(() => {
          chaosRunning = chaosRunning.then(() => chaosStep(bench, opts, done)).catch((error) => log(`  chaos step failed: ${error.message}`));
        }, opts.chaosEveryMs)
      : null;
    try {
      // A row at minute 0 (before any chaos), then one a minute, and one at the end.
      for (let first = true; first || Date.now() < end; first = false) {
        await sleep(Math.max(0, Math.min(nextSample, end) - Date.now()));
        nextSample += 60_000;
        const now = sample(pid);
        const servicePid = bench.apiServicePid();
        const service = servicePid === null ? null : sample(servicePid);
        const { body } = await get(`${watcher.url}/metrics`).catch(() => ({ body: '' }));
        const events = bench.events();
        const count = (type) => events.filter((e) => e.type === `io.phoenix.${type}`).length;
        const state = await notRunning(project);
        const row = {
          minute: Number(((now.at - t0) / 60_000).toFixed(2)),
          rssMiB: Number((now.rssKb / 1024).toFixed(1)),
          cpuPercent: now.at - previous.at < 1000 ? null : Number((((now.self - previous.self) / CLK_TCK / ((now.at - previous.at) / 1000)) * 100).toFixed(2)),
          apiServiceRssMiB: service === null ? null : Number((service.rssKb / 1024).toFixed(1)),
          apiServiceCpuPercent: service === null || previous.service === null || previous.servicePid !== servicePid ? null : Number((((service.self - previous.service.self) / CLK_TCK / ((service.at - previous.service.at) / 1000)) * 100).toFixed(2)),
          heapMiB: Number((metricSum(body, 'nodejs_heap_size_used_bytes') / 1024 / 1024).toFixed(1)),
          restartsByPhoenix: metricSum(body, 'phoenix_restarts_total'),
          containerRestartedEvents: count('container.restarted'),
          reconcilesSucceeded: metricSum(body, 'phoenix_reconciles_total', 'result="succeeded"'),
          reconcilesFailed: metricSum(body, 'phoenix_reconciles_total', 'result="failed"'),
          actionsSucceeded: metricSum(body, 'phoenix_actions_total', 'outcome="succeeded"'),
          actionsFailed: metricSum(body, 'phoenix_actions_total', 'outcome="failed"'),
          eventsDropped: metricSum(body, 'phoenix_events_dropped_total'),
          podmanEventStreamDrops: bench.eventStreamDrops(),
          crashLooping: metricSum(body, 'phoenix_crash_looping'),
          notRunning: state.notRunning.length,
          containers: state.total,
          chaos: { ...done },
          loadAverage: Number(os.loadavg()[0].toFixed(2)),
        };
        minutes.push(row);
        previous = { ...now, service, servicePid };
        log(`  soak minute ${row.minute}: RSS ${row.rssMiB} MiB (API service ${row.apiServiceRssMiB} MiB), CPU ${row.cpuPercent}%, restarts ${row.restartsByPhoenix}, reconciles failed ${row.reconcilesFailed}, events dropped ${row.eventsDropped}, stream drops ${row.podmanEventStreamDrops}, not running ${row.notRunning}/${row.containers}, chaos ${JSON.stringify(done)}, load ${row.loadAverage}`);
      }
    } finally {
      if (chaosTimer !== null) clearInterval(chaosTimer);
      await chaosRunning;
    }
    const settleStarted = Date.now();
    let last = await notRunning(project);
    while ((last.notRunning.length > 0 || last.total < opts.soakServices) && Date.now() - settleStarted < 180_000) {
      await sleep(2000);
      last = await notRunning(project);
    }
    summary.chaosDone = done;
    // Why reconciles and actions failed, by message (counted), and what was left down: the events file goes with the temp folder.
    const failures = new Map();
    for (const e of bench.events()) {
      if (e.type !== 'io.phoenix.reconcile.failed' && e.type !== 'io.phoenix.action.failed') continue;
      const key = `${e.type.slice('io.phoenix.'.length)} ${e.data.kind ?? ''} ${e.data.error.code}: ${String(e.data.error.message).replace(/phxwm-[0-9a-f]{8}-many-s\d+-1/g, '<container>').slice(0, 240)}`;
      failures.set(key, (failures.get(key) ?? 0) + 1);
    }
    summary.failures = Object.fromEntries([...failures].sort((a, b) => b[1] - a[1]));
    summary.watchLogTail = bench.logTail().split('\n').slice(-40);
    summary.minutesSampled = minutes;
    summary.end = { notRunning: last.notRunning, missing: opts.soakServices - last.total, settledInMs: Date.now() - settleStarted };
    const rss = minutes.map((m) => ({ x: m.minute, y: m.rssMiB }));
    const apiRss = minutes.filter((m) => m.apiServiceRssMiB !== null).map((m) => ({ x: m.minute, y: m.apiServiceRssMiB }));
    summary.rssSlopeMiBPerMinute = linearSlope(rss);
    summary.apiServiceRssSlopeMiBPerMinute = linearSlope(apiRss);
    summary.loadAverageEnd = os.loadavg();
    log(`soak done: ${JSON.stringify(done)}; at the end ${last.notRunning.length} not running, ${summary.end.missing} missing (settled in ${summary.end.settledInMs} ms); RSS slope ${summary.rssSlopeMiBPerMinute?.toFixed(3)} MiB/min`);
    const plotted = [
      ['Phoenix RSS (MiB)', rss],
      ['API service RSS (MiB)', apiRss],
      ['restarts by Phoenix (total)', minutes.map((m) => ({ x: m.minute, y: m.restartsByPhoenix }))],
      ['failed reconciles (total)', minutes.map((m) => ({ x: m.minute, y: m.reconcilesFailed }))],
      ['sink drops + event stream restarts (total)', minutes.map((m) => ({ x: m.minute, y: m.eventsDropped + m.podmanEventStreamDrops }))],
      ['containers not running', minutes.map((m) => ({ x: m.minute, y: m.notRunning }))],
      ['chaos actions done (total)', minutes.map((m) => ({ x: m.minute, y: Object.entries(m.chaos).filter(([k]) => k !== 'missed').reduce((a, [, v]) => a + v, 0) }))],
    ].map(([name, points], i) => ({ name, points, color: i }));
    mkdirSync(path.dirname(opts.soakSvg), { recursive: true });
    writeFileSync(
      opts.soakSvg,
      svgPlot(plotted, {
        title: `bench:watch soak: ${opts.soakServices} services, ${summary.minutes} min${opts.chaos ? `, chaos every ${summary.chaosEverySeconds} s` : ''}`,
        xLabel: 'minutes',
        yLabel: 'MiB / count',
        logX: false,
        logY: false,
        legendNote: (s) => ` (end ${s.points.at(-1)?.y ?? 'n/a'})`,
        footer: [`node bench/watch-measure.mjs ${process.argv.slice(2).join(' ')}; ${new Date(t0).toISOString().slice(0, 16)}Z`, `${os.cpus().length} cores; load average ${summary.loadAverageStart[0].toFixed(1)} at the start, ${summary.loadAverageEnd[0].toFixed(1)} at the end; Phoenix RSS slope ${summary.rssSlopeMiBPerMinute?.toFixed(3)} MiB/min`, `chaos done: ${JSON.stringify(done)}; at the end ${last.notRunning.length} not running, ${summary.end.missing} missing`],
      }),
    );
    log(`wrote ${path.relative(process.cwd(), opts.soakSvg)}`);
  } finally {
    process.removeListener('SIGINT', stopping);
    await bench.cleanup();
  }
  return summary;
}

/** RSS counts as flat when its second half's mean is within this much of its first half's. */
const FLAT_RSS_RATIO = 1.1;

/**
 * The targets of docs/benchmarks.md against what was measured: kill -> running within 1 s plus
 * the container's start (the start action's own time); idle RSS at most 120 MB and flat.
 */
function targets(summary) {
  const result = {};
  const kill = summary.killToRunning;
  if (kill !== undefined) result.killToRunning = { met: kill.overheadMedian <= 1000, measured: `median ${kill.median} ms, of which the start ${kill.startActionMedian} ms: ${kill.overheadMedian} ms besides it`, target: '≤ 1 s plus the start' };
  const idles = [['idleDemo', summary.idleDemo, 120], ...(summary.many ?? []).map((m) => [`idle${m.services}`, m.idle, m.services > 100 ? 150 : 120])];
  for (const [key, idleRun, limitMB] of idles) {
    if (idleRun === undefined) continue;
    const maxMB = (idleRun.rssMaxMiB * 1024 * 1024) / 1e6;
    const flat = idleRun.rssSecondHalfMeanMiB <= idleRun.rssFirstHalfMeanMiB * FLAT_RSS_RATIO;
    result[`${key}Rss`] = { met: maxMB <= limitMB && flat, measured: `max ${maxMB.toFixed(1)} MB, halves ${idleRun.rssFirstHalfMeanMiB} → ${idleRun.rssSecondHalfMeanMiB} MiB, slope ${idleRun.rssSlopeMiBPerMinute} MiB/min; CPU ${idleRun.cpuPercent} %; ${idleRun.outputLinesPerMinute} output lines/min`, target: `≤ ${limitMB} MB and flat` };
  }
  for (const m of summary.many ?? []) {
    const k = m.killToRunning;
    if (k !== undefined) result[`killToRunning${m.services}`] = { met: k.overheadMedian <= 1000, measured: `median ${k.median} ms, of which the start ${k.startActionMedian} ms: ${k.overheadMedian} ms besides it`, target: '≤ 1 s plus the start' };
  }
  return result;
}

async function main() {
  const opts = options();
  if (!existsSync(path.join(REPO, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run npm run build first');
  const summary = { host: { cpus: os.cpus().length, node: process.version, podman: (await podman(['--version'])).stdout.trim() }, startedAt: new Date().toISOString() };

  if (opts.soakMs !== null) {
    summary.soak = await soakBench(opts);
  } else {
    if (opts.demo) Object.assign(summary, await demoBench(opts));

    if (opts.rollback) summary.failedRolloutToRolledBack = await rollbackBench(opts.rollbacks);

    if (opts.many) {
      summary.many = [];
      const largest = Math.max(...opts.services);
      // --small-minutes: a shorter idle for every size but the largest, to keep a 10,100,1000 run short.
      for (const services of opts.services) summary.many.push(await manyBench({ ...opts, minutes: services < largest && opts.smallMinutes !== null ? Number(opts.smallMinutes) : opts.minutes }, services));
      summary.manyGrowth = manyGrowth(summary.many, opts);
    }
  }
  summary.targets = targets(summary);
  for (const [what, verdict] of Object.entries(summary.targets)) log(`target ${what}: ${verdict.met ? 'met' : 'NOT met'} (${verdict.measured}; target ${verdict.target})`);

  summary.finishedAt = new Date().toISOString();
  const text = JSON.stringify(summary, null, 2);
  process.stdout.write(`${text}\n`);
  if (opts.out !== null) writeFileSync(opts.out, `${text}\n`);
}

main().catch((error) => {
  process.stderr.write(`[bench:watch] failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
