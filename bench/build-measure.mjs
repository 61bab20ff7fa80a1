#!/usr/bin/env node
/**
 * `npm run bench:build` (or `node bench/build-measure.mjs` after `npm run build`): what builds
 * cost Phoenix on real Podman, with the built CLI as a real process.
 *
 *   1. cold: `phoenix apply` of 10 services, each built from its own context (a Dockerfile
 *      FROM the demo image that COPYs the context: --files files of --kib KiB each);
 *   2. unchanged: `phoenix apply` again, --runs times; median. It must build nothing and touch
 *      nothing ("No changes");
 *   3. the build digest alone: loading the environment in-process (what every plan does, the
 *      10 contexts hashed included) against loading it with the contexts left out, --runs
 *      times; medians. Also one large context (--large-files files) hashed on its own;
 *   4. one file edited: `phoenix apply` rebuilds and recreates exactly that service;
 *   5. the baseline: the same services on the demo image without builds, an unchanged
 *      `phoenix apply` --runs times, on the same machine in the same minutes.
 *
 * Options: --services 10  --files 50  --kib 4  --large-files 5000  --runs 5  --out FILE
 * Everything is taken down and its images removed afterwards.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(REPO, 'bin', 'phoenix.js');
const IMAGE = 'localhost/phoenix-demo/busybox:1';
const LOOP = "trap 'exit 0' TERM INT; while :; do sleep 1 & wait $$!; done";

function option(name, fallback) {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}
const SERVICES = Number(option('--services', '10'));
const FILES = Number(option('--files', '50'));
const KIB = Number(option('--kib', '4'));
const LARGE_FILES = Number(option('--large-files', '5000'));
const RUNS = Number(option('--runs', '5'));
const OUT = option('--out', null);

const stateHome = process.env.PHOENIX_STATE_DIR ?? path.join(os.homedir(), '.local', 'state', 'phoenix');
// The host's containers.conf fix where Phoenix finds it (src/podman/containers-conf.ts).
const containersConf = process.env.CONTAINERS_CONF || ([path.join(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'phoenix', 'containers.conf'), '/etc/phoenix/containers.conf', path.join(stateHome, 'containers.conf')].find((file) => existsSync(file)) ?? null);
const podmanEnv = containersConf === null ? { ...process.env } : { ...process.env, CONTAINERS_CONF: containersConf };

function run(command, args, env = process.env) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

function podman(args) {
  return new Promise((resolve, reject) => execFile('podman', args, { env: podmanEnv, maxBuffer: 64 << 20 }, (error, stdout, stderr) => (error ? reject(new Error(`podman ${args.join(' ')}: ${stderr}`)) : resolve(stdout))));
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => Math.round(value);

const root = mkdtempSync(path.join(os.tmpdir(), 'phxbb-'));
const project = `phxbb${Math.random().toString(16).slice(2, 8)}`;
const envDir = path.join(root, 'environments');
const stateDir = path.join(root, 'state');
mkdirSync(stateDir, { recursive: true, mode: 0o700 });
if (containersConf !== null) writeFileSync(path.join(stateDir, 'containers.conf'), await import('node:fs').then((fs) => fs.readFileSync(containersConf)));

function phoenix(command, extra = [], env = 'bench') {
  return run(process.execPath, [BIN, command, '--env', env, '--environments', envDir, '--state-dir', stateDir, ...extra], { ...process.env, NO_COLOR: '1' });
}

/** A context folder of `files` files of KIB KiB, spread over a few subfolders. */
function writeContext(dir, files, withDockerfile) {
  mkdirSync(dir, { recursive: true });
  if (withDockerfile) writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${IMAGE}\nCOPY . /app\n`);
  const chunk = 'x'.repeat(KIB * 1024 - 16);
  for (let i = 0; i < files; i += 1) {
    const sub = path.join(dir, `d${i % 10}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, `f${i}.txt`), `${i}\n${chunk}\n`);
  }
}

const names = Array.from({ length: SERVICES }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);
mkdirSync(envDir, { recursive: true });
for (const name of names) writeContext(path.join(envDir, 'ctx', name), FILES, true);
writeFileSync(path.join(envDir, 'bench.yaml'), `project: ${project}\ncompose: [compose.yaml]\n`);
const compose = (withBuild) =>
  `services:\n${names.map((name) => `  ${name}:\n${withBuild ? `    build: ./ctx/${name}\n` : `    image: ${IMAGE}\n`}    command: ["sh", "-c", "${LOOP}"]\n    stop_grace_period: 1s\n`).join('')}`;
writeFileSync(path.join(envDir, 'compose.yaml'), compose(true));
writeFileSync(path.join(envDir, 'plain.yaml'), `project: ${project}\ncompose: [plain-compose.yaml]\n`);
writeFileSync(path.join(envDir, 'plain-compose.yaml'), compose(false));

const result = { date: new Date().toISOString(), services: SERVICES, filesPerContext: FILES, kibPerFile: KIB };
try {
  const cold = await phoenix('apply', ['--yes']);
  if (cold.code !== 0) throw new Error(`cold apply failed:\n${cold.stdout}\n${cold.stderr}`);
  result.coldApplyMs = ms(cold.ms);
  console.log(`cold apply (${SERVICES} builds): ${ms(cold.ms)} ms`);

  const unchanged = [];
  for (let r = 0; r < RUNS; r += 1) {
    const again = await phoenix('apply', ['--yes']);
    if (again.code !== 0 || !again.stdout.includes('No changes') || again.stdout.includes('build image')) throw new Error(`an unchanged apply did something:\n${again.stdout}`);
    unchanged.push(again.ms);
  }
  result.unchangedApplyMs = unchanged.map(ms);
  result.unchangedApplyMedianMs = ms(median(unchanged));
  console.log(`unchanged re-apply: ${unchanged.map(ms).join(' / ')} ms (median ${ms(median(unchanged))}); nothing built`);

  // The digest alone: load the environment in-process with and without builds.
  const { loadEnvironment } = await import(pathToFileURL(path.join(REPO, 'dist', 'manifest', 'load.js')).href);
  const { nodeReader } = await import(pathToFileURL(path.join(REPO, 'dist', 'manifest', 'node-reader.js')).href);
  const { nodeContextReader } = await import(pathToFileURL(path.join(REPO, 'dist', 'manifest', 'context-reader.js')).href);
  const { digestBuildInputs } = await import(pathToFileURL(path.join(REPO, 'dist', 'manifest', 'build-inputs.js')).href);
  const { SecretDigester } = await import(pathToFileURL(path.join(REPO, 'dist', 'model', 'hash.js')).href);
  const load = () => {
    const started = performance.now();
    const loaded = loadEnvironment({ environmentsDir: envDir, name: 'bench', reader: nodeReader, contextReader: nodeContextReader, processEnv: {}, cwd: root, homeDir: root, digester: new SecretDigester(new Uint8Array(32)), requireSecretValues: true });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    return performance.now() - started;
  };
  load();
  const withBuilds = Array.from({ length: RUNS }, load);
  writeFileSync(path.join(envDir, 'compose.yaml'), compose(false));
  load();
  const withoutBuilds = Array.from({ length: RUNS }, load);
  writeFileSync(path.join(envDir, 'compose.yaml'), compose(true));
  result.loadWithBuildsMedianMs = Number(median(withBuilds).toFixed(1));
  result.loadWithoutBuildsMedianMs = Number(median(withoutBuilds).toFixed(1));
  result.digestOf10ContextsMs = Number((median(withBuilds) - median(withoutBuilds)).toFixed(1));
  console.log(`load with ${SERVICES} build digests: ${result.loadWithBuildsMedianMs} ms; without: ${result.loadWithoutBuildsMedianMs} ms; the digests: ${result.digestOf10ContextsMs} ms (${SERVICES * FILES} files, ${(SERVICES * FILES * KIB) / 1024} MiB)`);

  const large = path.join(root, 'large');
  writeContext(large, LARGE_FILES, true);
  const recipe = { dockerfileText: '', dockerfileName: 'Dockerfile', args: {}, target: null, labels: {}, runOptions: {} };
  digestBuildInputs(large, recipe, nodeContextReader);
  const largeRuns = Array.from({ length: RUNS }, () => {
    const started = performance.now();
    digestBuildInputs(large, recipe, nodeContextReader);
    return performance.now() - started;
  });
  result.largeContext = { files: LARGE_FILES, mib: (LARGE_FILES * KIB) / 1024, digestMedianMs: ms(median(largeRuns)) };
  console.log(`one context of ${LARGE_FILES} files (${(LARGE_FILES * KIB) / 1024} MiB): digest ${ms(median(largeRuns))} ms`);

  writeFileSync(path.join(envDir, 'ctx', names[0], 'd0', 'f0.txt'), 'edited\n');
  const edited = await phoenix('apply', ['--yes']);
  if (edited.code !== 0 || !edited.stdout.includes('1 built, 0 created, 1 recreated')) throw new Error(`an edited file did not rebuild exactly one service:\n${edited.stdout}`);
  result.oneFileEditedApplyMs = ms(edited.ms);
  console.log(`one file edited: ${ms(edited.ms)} ms (1 built, 1 recreated)`);

  const plainCold = await phoenix('apply', ['--yes'], 'plain');
  if (plainCold.code !== 0) throw new Error(`baseline apply failed:\n${plainCold.stdout}\n${plainCold.stderr}`);
  const plain = [];
  for (let r = 0; r < RUNS; r += 1) {
    const again = await phoenix('apply', ['--yes'], 'plain');
    if (again.code !== 0 || !again.stdout.includes('No changes')) throw new Error(`an unchanged baseline apply did something:\n${again.stdout}`);
    plain.push(again.ms);
  }
  result.baselineUnchangedApplyMedianMs = ms(median(plain));
  console.log(`baseline (no builds) unchanged re-apply: ${plain.map(ms).join(' / ')} ms (median ${ms(median(plain))})`);
} finally {
  await phoenix('down', ['--yes', '--volumes'], 'plain');
  await phoenix('down', ['--yes', '--volumes']);
  for (const name of names) await podman(['rmi', '--force', `localhost/${project}-${name}:latest`]).catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
}
console.log(JSON.stringify(result, null, 2));
if (OUT !== null) writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
