/**
 * `npm run bench -- --profile`: where the time of an unchanged re-apply goes (10 services in a
 * depends_on chain, already converged; `--n 1000 --shapes independent` profiles the first size
 * and shape given instead). Measures:
 *   - whole processes, round-robin, median of 5: bare `node`, `phoenix --version` (module graph
 *     and commander), `phoenix validate` (+ YAML, schema, desired state), `phoenix plan` and
 *     `phoenix apply` (+ observing Podman, planning);
 *   - in one fresh process (this file with --child), importing dist/ and calling what apply
 *     calls, with timestamps: Node's start, the module graph, loading the environment,
 *     observing Podman (twice: cold and warm), planning;
 *   - which files an unchanged apply loads (a resolve hook and a require hook), by package, and
 *     what importing each package alone costs;
 *   - the podman CLI calls of a CLI observation, alone and at once, and the same lists through
 *     the libpod REST API on Phoenix's socket;
 *   - one `node --cpu-prof` of the apply, its samples summed by package / dist folder.
 * Prints a markdown report and writes bench/results/profile.json.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RunResult, Shape } from './lib.js';
import { benchStateDir, composeYaml, median, must, podmanSetup, repoRoot, run, stopApiService, writeEnvironment } from './lib.js';

const RUNS = 5;
const PROJECT = 'phxbprof';

type Phases = Record<string, number>;

/** The child: runs in a fresh node process so that every import is a first import. */
async function child(root: string, environmentsDir: string, stateDir: string, environment: string): Promise<void> {
  const marks: Phases = { 'Node start (until the first line of a script runs)': performance.now() };
  let last = performance.now();
  const mark = (name: string): void => {
    const now = performance.now();
    marks[name] = now - last;
    last = now;
  };
  const dist = (file: string): string => pathToFileURL(path.join(root, 'dist', file)).href;
  await import(dist('cli/main.js'));
  mark('import dist/cli/main.js (its whole static graph)');
  const loading = (await import(dist('cli/environment-loading.js'))) as {
    loadFromDisk: (name: string, options: object, io: object, requireSecretValues: boolean) => { ok: boolean; desired: { project: string; services: { spec: { image: string } }[] } };
  };
  const wiring = (await import(dist('cli/podman-wiring.js'))) as {
    connectPodman: (options: object, io: object) => { client: { observe: (project: string, refs: string[], options?: object) => Promise<unknown> } };
  };
  const planner = (await import(dist('plan/plan.js'))) as { plan: (desired: unknown, observed: unknown, options: object) => { ok: boolean; value?: { actions: unknown[] } } };
  const io = { stdout: () => undefined, stderr: () => undefined, env: process.env, cwd: root, interactive: false, confirm: () => Promise.resolve(false) };
  const options = { environments: environmentsDir, stateDir };
  last = performance.now();
  const loaded = loading.loadFromDisk(environment, options, io, true);
  if (!loaded.ok) throw new Error('the profile environment did not load');
  mark('load the environment (YAML, schema, interpolation, desired state)');
  const podman = wiring.connectPodman(options, io);
  const refs = [...new Set(loaded.desired.services.map((s) => s.spec.image))];
  const observed = await podman.client.observe(loaded.desired.project, refs);
  mark('observe Podman (first call of the process)');
  const planned = planner.plan(loaded.desired, observed, { adopt: false, removeVolumes: false });
  if (!planned.ok || (planned.value?.actions.length ?? -1) !== 0) throw new Error('the profile environment is not converged');
  mark('plan');
  await podman.client.observe(loaded.desired.project, refs);
  mark('observe Podman again (warm; not part of an apply)');
  process.stdout.write(`${JSON.stringify(marks)}\n`);
}

function medianPhases(samples: readonly Phases[]): Phases {
  const out: Phases = {};
  for (const key of Object.keys(samples[0] ?? {})) out[key] = median(samples.map((s) => s[key] ?? Number.NaN));
  return out;
}

/** Where a loaded file or profiled function lives: a package, a dist/ folder, or node itself. */
function placeOf(url: string, root: string): string {
  if (url.startsWith('node:')) return 'node: built-ins';
  const filePath = url.startsWith('file:') ? fileURLToPath(url) : url;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(filePath);
  if (nm !== null) return `node_modules/${nm[1] ?? '?'}`;
  if (filePath.startsWith(path.join(root, 'dist') + path.sep)) return `dist/${path.relative(path.join(root, 'dist'), filePath).split(path.sep)[0] ?? ''}`;
  return path.relative(root, filePath);
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

/** Sums a .cpuprofile's sampled time by place; "(idle)" is waiting (for Podman, mostly). */
export function cpuProfileByPlace(file: string, root: string): { place: string; ms: number }[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const place = new Map<number, string>();
  for (const node of profile.nodes) {
    const { url, functionName } = node.callFrame;
    const where = url === '' ? (functionName.startsWith('(') ? functionName : '(native)') : url.startsWith('node:') ? 'node: built-ins (incl. the ESM loader)' : placeOf(url, root);
    place.set(node.id, where);
  }
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const where = place.get(id) ?? '?';
    totals.set(where, (totals.get(where) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...totals].map(([p, ms]) => ({ place: p, ms })).sort((a, b) => b.ms - a.ms);
}

/** Hooks that append every file an ESM import or a CommonJS require resolves to `log`. */
function writeLoadTracer(dir: string, log: string): { esm: string; cjs: string } {
  const hooks = `import { appendFileSync } from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  const result = await next(specifier, context);\n  appendFileSync(${JSON.stringify(log)}, result.url + '\\n');\n  return result;\n}\n`;
  const esm = path.join(dir, 'trace-esm.mjs');
  writeFileSync(esm, `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});\n`);
  const cjs = path.join(dir, 'trace-cjs.cjs');
  writeFileSync(
    cjs,
    `const Module = require('node:module');\nconst { appendFileSync } = require('node:fs');\nconst original = Module._resolveFilename;\nModule._resolveFilename = function (...args) {\n  const file = original.apply(this, args);\n  appendFileSync(${JSON.stringify(log)}, (file.startsWith('/') ? 'file://' + file : 'node:' + file.replace(/^node:/, '')) + '\\n');\n  return file;\n};\n`,
  );
  return { esm, cjs };
}

/** GET over a unix socket, timed. */
function getOverSocket(socketPath: string, urlPath: string): Promise<{ ms: number; ok: boolean }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request({ socketPath, path: urlPath, method: 'GET', timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: performance.now() - started, ok: res.statusCode === 200 }));
    });
    req.on('error', () => resolve({ ms: performance.now() - started, ok: false }));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Profiles an unchanged re-apply of `services` services of `shape` (10 in a chain unless told). */
export async function profileUnchanged(root: string, image: string, services = 10, shape: Shape = 'chain'): Promise<number> {
  const ENV = `${shape}${services}`;
  const setup = podmanSetup();
  const loadStart = os.loadavg()[0]?.toFixed(2) ?? '?';
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'phxb-profile-'));
  const stateDir = benchStateDir(tmp, setup);
  const environmentsDir = path.join(tmp, 'environments');
  writeEnvironment(environmentsDir, ENV, PROJECT, composeYaml(shape, services, image));
  const phoenixArgs = (args: readonly string[]): string[] => [path.join(root, 'bin', 'phoenix.js'), ...args, '--env', ENV, '--environments', environmentsDir, '--state-dir', stateDir];
  const phoenix = (args: readonly string[], nodeArgs: readonly string[] = []): Promise<RunResult> => run(process.execPath, [...nodeArgs, ...phoenixArgs(args)], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
  const fmt = (ms: number | undefined): string => (ms === undefined ? '' : `${Math.round(ms)} ms`);
  try {
    const cold = await phoenix(['apply', '--yes']);
    if (cold.code !== 0) throw new Error(`phoenix apply failed:\n${cold.stdout}${cold.stderr}`);
    await phoenix(['apply', '--yes']); // warm the page cache and (where used) the API service

    // Round-robin, so that a burst of load elsewhere on the machine spreads over every command.
    const commands: [string, () => Promise<RunResult>][] = [
      ['node -e 0 (bare Node start and exit)', () => run(process.execPath, ['-e', '0'])],
      ['phoenix --version (+ the module graph, commander)', () => run(process.execPath, [path.join(root, 'bin', 'phoenix.js'), '--version'], { cwd: root })],
      ['phoenix validate (+ YAML, schema, desired state)', () => phoenix(['validate'])],
      ['phoenix plan (+ observe Podman, plan)', () => phoenix(['plan'])],
      ['phoenix apply, nothing changed', () => phoenix(['apply', '--yes'])],
    ];
    const samples = new Map<string, number[]>(commands.map(([label]) => [label, []]));
    for (let i = 0; i < RUNS; i += 1) {
      for (const [label, command] of commands) {
        const r = await command();
        if (r.code !== 0) throw new Error(`${label} failed: ${r.stderr.slice(0, 500)}`);
        samples.get(label)?.push(r.ms);
      }
    }
    const processes = Object.fromEntries([...samples].map(([label, runs]) => [label, { runs, median: median(runs) }]));
    const bareNode = processes['node -e 0 (bare Node start and exit)']?.median ?? 0;

    const self = fileURLToPath(import.meta.url);
    const phaseSamples: Phases[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const r = await must(process.execPath, [self, '--child', root, environmentsDir, stateDir, ENV], { cwd: root });
      phaseSamples.push(JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Phases);
    }
    const phases = medianPhases(phaseSamples);

    // Which files an unchanged apply loads, by package.
    const traceLog = path.join(tmp, 'loaded.txt');
    writeFileSync(traceLog, '');
    const tracer = writeLoadTracer(tmp, traceLog);
    const traced = await phoenix(['apply', '--yes'], ['--require', tracer.cjs, '--import', pathToFileURL(tracer.esm).href]);
    if (traced.code !== 0) throw new Error(`the traced apply failed: ${traced.stderr.slice(0, 500)}`);
    const loadedFiles = [...new Set(readFileSync(traceLog, 'utf8').split('\n').filter((line) => line !== '' && !line.includes('/trace-')))];
    const census = new Map<string, number>();
    for (const url of loadedFiles) census.set(placeOf(url, root), (census.get(placeOf(url, root)) ?? 0) + 1);
    const packages = [...census.keys()].filter((p) => p.startsWith('node_modules/')).map((p) => p.slice('node_modules/'.length));
    const direct = Object.keys((JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {});
    // Each dependency of package.json that the apply loads, imported alone in a fresh process.
    const importAlone: Record<string, number> = {};
    for (const name of direct.filter((d) => packages.includes(d))) {
      const runs: number[] = [];
      for (let i = 0; i < RUNS; i += 1) runs.push((await must(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(name)})`], { cwd: root })).ms);
      importAlone[name] = median(runs) - bareNode;
    }

    // Observation's lists: podman CLI processes, and the REST API where Phoenix runs its service.
    const cli = { env: setup.env };
    const calls: [string, string[], string][] = [
      ['containers', ['ps', '--all', '--format', 'json'], '/v4.0.0/libpod/containers/json?all=true'],
      ['networks', ['network', 'ls', '--format', 'json'], '/v4.0.0/libpod/networks/json'],
      ['volumes', ['volume', 'ls', '--format', 'json'], '/v4.0.0/libpod/volumes/json'],
      ['secrets', ['secret', 'ls', '--format', '{{json .}}'], '/v4.0.0/libpod/secrets/json'],
      ['images', ['images', '--format', 'json'], '/v4.0.0/libpod/images/json'],
    ];
    const socket = path.join(stateDir, 'podman.sock');
    const apiUp = (await getOverSocket(socket, '/v4.0.0/libpod/_ping')).ok;
    const observation: { list: string; cliMs: number; apiMs: number | null }[] = [];
    for (const [list, args, apiPath] of calls) {
      const cliRuns: number[] = [];
      const apiRuns: number[] = [];
      for (let i = 0; i < RUNS; i += 1) {
        cliRuns.push((await must('podman', args, cli)).ms);
        if (apiUp) apiRuns.push((await getOverSocket(socket, apiPath)).ms);
      }
      observation.push({ list, cliMs: median(cliRuns), apiMs: apiUp ? median(apiRuns) : null });
    }
    const allCli: number[] = [];
    const allApi: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      let started = performance.now();
      await Promise.all(calls.map(([, args]) => must('podman', args, cli)));
      allCli.push(performance.now() - started);
      started = performance.now();
      if (apiUp) await Promise.all(calls.map(([, , apiPath]) => getOverSocket(socket, apiPath)));
      allApi.push(performance.now() - started);
    }
    observation.push({ list: 'all five at once', cliMs: median(allCli), apiMs: apiUp ? median(allApi) : null });

    const profDir = path.join(tmp, 'cpuprof');
    mkdirSync(profDir);
    const profiled = await phoenix(['apply', '--yes'], ['--cpu-prof', '--cpu-prof-dir', profDir]);
    if (profiled.code !== 0) throw new Error('the profiled apply failed');
    const profFile = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    const byPlace = profFile === undefined ? [] : cpuProfileByPlace(path.join(profDir, profFile), root);

    const lines = [
      `## Phoenix unchanged re-apply profile (${services} services, ${shape === 'chain' ? 'depends_on chain' : 'independent'}), ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, load average ${loadStart} at start, ${os.loadavg()[0]?.toFixed(2) ?? '?'} at end`,
      '',
      `Whole processes (round-robin, median of ${RUNS}):`,
      '',
      '| command | wall |',
      '| --- | --- |',
      ...Object.entries(processes).map(([k, v]) => `| ${k} | ${fmt(v.median)} |`),
      '',
      `Phases inside one fresh process that imports dist/ and calls what apply calls (median of ${RUNS}):`,
      '',
      '| phase | ms |',
      '| --- | --- |',
      ...Object.entries(phases).map(([k, v]) => `| ${k} | ${fmt(v)} |`),
      '',
      `Files an unchanged apply loads: ${loadedFiles.filter((u) => !u.startsWith('node:')).length} (plus ${loadedFiles.filter((u) => u.startsWith('node:')).length} built-ins):`,
      '',
      '| where | files | importing the package alone (fresh process, minus bare Node) |',
      '| --- | --- | --- |',
      ...[...census]
        .filter(([place]) => place !== 'node: built-ins')
        .sort((a, b) => b[1] - a[1])
        .map(([place, count]) => {
          const name = place.startsWith('node_modules/') ? place.slice('node_modules/'.length) : '';
          return `| ${place} | ${count} | ${fmt(importAlone[name])} |`;
        }),
      '',
      `Observation's lists (median of ${RUNS}): one podman process each, or one request to the libpod REST API on Phoenix's socket${apiUp ? '' : ' (no API service was running: not measured)'}:`,
      '',
      '| list | podman CLI | REST API |',
      '| --- | --- | --- |',
      ...observation.map((o) => `| ${o.list} | ${fmt(o.cliMs)} | ${o.apiMs === null ? 'n/a' : `${o.apiMs.toFixed(1)} ms`} |`),
      '',
      'CPU profile of one unchanged apply (`node --cpu-prof`), sampled time by place ("(idle)": waiting, mostly for Podman):',
      '',
      '| place | ms |',
      '| --- | --- |',
      ...byPlace.slice(0, 14).map((p) => `| ${p.place} | ${fmt(p.ms)} |`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const out = path.join(root, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      path.join(out, 'profile.json'),
      `${JSON.stringify({ date: new Date().toISOString(), cpus: os.cpus().length, loadAverage: { start: Number(loadStart), end: os.loadavg()[0] }, processes, phases, phaseSamples, loadedFiles, importAlone, observation, cpuProfile: byPlace }, null, 2)}\n`,
    );
    return 0;
  } finally {
    await phoenix(['down', '--yes', '--volumes']);
    stopApiService(stateDir);
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  const [, , , root = repoRoot(), environmentsDir = '', stateDir = '', environment = 'chain10'] = process.argv;
  await child(root, environmentsDir, stateDir, environment);
}
