/**
 * `npm run bench:scale`: how validation and the pure planner grow with the size of the input,
 * without Podman. Each size is generated into a temporary folder and loaded from disk exactly
 * as `phoenix validate` and `phoenix plan --observed` load it, then planned in-process.
 *
 *   replicas  one service with `deploy.replicas: N` and a second one that depends on it:
 *             validate; plan against an empty Podman (N creates and starts); plan against a
 *             Podman that already runs all N containers as planned (nothing to do).
 *   env-keys  an environment file with N `variables:`.
 *   compose-keys  a compose file whose one service has N `environment:` entries.
 *
 * Options (after `npm run bench:scale --`):
 *   --replicas 1000,10000     replica counts
 *   --keys 5000,50000         key counts (both key scenarios)
 *   --runs 3                  runs per size; the median is reported
 *
 * Prints a markdown table with each time, and the exponent of the growth between consecutive
 * sizes (log(t2/t1) / log(n2/n1): 1 is linear, 2 quadratic). Writes bench/results/scale.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEnvironment } from '../dist/manifest/load.js';
import { nodeReader } from '../dist/manifest/node-reader.js';
import { SecretDigester } from '../dist/model/hash.js';
import { LABEL } from '../dist/model/desired.js';
import { plan } from '../dist/plan/plan.js';

const repo = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

function parseOptions(argv) {
  const options = { replicas: [1000, 10000], keys: [5000, 50000], runs: 3 };
  const list = (value) => (value ?? '').split(',').map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`not a whole number: ${s}`);
    return n;
  });
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--replicas') options.replicas = list(value);
    else if (flag === '--keys') options.keys = list(value);
    else if (flag === '--runs') options.runs = list(value)[0];
    else throw new Error(`unknown option ${flag}`);
  }
  return options;
}

const digester = new SecretDigester(Buffer.alloc(32, 7));

function load(dir, name = 'bench') {
  const result = loadEnvironment({ environmentsDir: dir, name, reader: nodeReader, processEnv: {}, cwd: dir, homeDir: os.homedir(), digester, requireSecretValues: false });
  if (!result.ok) throw new Error(`the generated environment did not validate: ${JSON.stringify(result.issues.slice(0, 3))}`);
  return result.desired;
}

function timed(fn) {
  const started = performance.now();
  const value = fn();
  return { ms: performance.now() - started, value };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function writeReplicas(dir, n) {
  writeFileSync(path.join(dir, 'bench.yaml'), 'project: scale\ncompose: [compose.yaml]\n');
  writeFileSync(
    path.join(dir, 'compose.yaml'),
    [
      'services:',
      '  worker:',
      '    image: localhost/phoenix-demo/busybox:1',
      '    command: ["sleep", "3600"]',
      '    environment: {ROLE: worker}',
      `    deploy: {replicas: ${n}}`,
      '  api:',
      '    image: localhost/phoenix-demo/busybox:1',
      '    command: ["sleep", "3600"]',
      '    depends_on: [worker]',
      '',
    ].join('\n'),
  );
}

/** What Podman would show after the plan against an empty Podman had been applied. */
function runningAsPlanned(desired) {
  const containers = desired.services.flatMap((service) =>
    service.containerNames.map((name, index) => ({
      id: `${name}-id`,
      name,
      labels: { ...service.ownerLabels, [LABEL.replica]: String(index + 1) },
      state: 'running',
      exitCode: null,
      image: service.spec.image,
      imageId: 'sha256:image',
      startedAt: null,
      health: 'none',
      restartCount: 0,
    })),
  );
  const networks = desired.networks.map((n) => ({ id: `${n.podmanName}-id`, name: n.podmanName, labels: n.labels, subnets: n.subnets }));
  const images = Object.fromEntries(desired.services.map((s) => [s.spec.image, 'sha256:image']));
  return { containers, networks, volumes: [], secrets: [], images };
}

function writeEnvKeys(dir, n) {
  const lines = ['project: scale', 'compose: [compose.yaml]', 'variables:'];
  for (let i = 0; i < n; i++) lines.push(`  VAR_${i}: value-${i}`);
  writeFileSync(path.join(dir, 'bench.yaml'), `${lines.join('\n')}\n`);
  writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  app:\n    image: localhost/phoenix-demo/busybox:1\n    environment: {A: "${VAR_0}"}\n');
}

function writeComposeKeys(dir, n) {
  writeFileSync(path.join(dir, 'bench.yaml'), 'project: scale\ncompose: [compose.yaml]\n');
  const lines = ['services:', '  app:', '    image: localhost/phoenix-demo/busybox:1', '    environment:'];
  for (let i = 0; i < n; i++) lines.push(`      KEY_${i}: value-${i}`);
  writeFileSync(path.join(dir, 'compose.yaml'), `${lines.join('\n')}\n`);
}

function measure(root, label, n, runs, write, steps) {
  const dir = path.join(root, `${label}-${n}`);
  mkdirSync(dir, { recursive: true });
  write(dir, n);
  const samples = Object.fromEntries(steps.map((s) => [s.name, []]));
  for (let run = 0; run < runs; run++) {
    let desired = null;
    for (const step of steps) {
      const { ms, value } = timed(() => step.fn(dir, desired));
      if (step.name === 'validate') desired = value;
      samples[step.name].push(ms);
    }
  }
  return { scenario: label, n, ...Object.fromEntries(steps.map((s) => [s.name, median(samples[s.name])])) };
}

const options = parseOptions(process.argv.slice(2));
const root = mkdtempSync(path.join(os.tmpdir(), 'phoenix-scale-'));
const rows = [];
try {
  const validate = { name: 'validate', fn: (dir) => load(dir) };
  const planEmpty = {
    name: 'plan (empty Podman)',
    fn: (_dir, desired) => {
      const result = plan(desired, { containers: [], networks: [], volumes: [], secrets: [], images: {} });
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
      return result.value;
    },
  };
  const planUnchanged = {
    name: 'plan (all running)',
    fn: (_dir, desired) => {
      const result = plan(desired, runningAsPlanned(desired));
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
      if (result.value.actions.length !== 0) throw new Error(`an unchanged plan has ${result.value.actions.length} actions`);
      return result.value;
    },
  };
  for (const n of options.replicas) rows.push(measure(root, 'replicas', n, options.runs, writeReplicas, [validate, planEmpty, planUnchanged]));
  for (const n of options.keys) rows.push(measure(root, 'env-keys', n, options.runs, writeEnvKeys, [validate]));
  for (const n of options.keys) rows.push(measure(root, 'compose-keys', n, options.runs, writeComposeKeys, [validate]));
} finally {
  rmSync(root, { recursive: true, force: true });
}

const columns = ['validate', 'plan (empty Podman)', 'plan (all running)'];
const ms = (value) => (value === undefined ? '—' : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`);
console.log(`| scenario | n | ${columns.join(' | ')} | growth exponent (${columns[0]}${rows.some((r) => r[columns[1]] !== undefined) ? ' / plans' : ''}) |`);
console.log(`| --- | --- | ${columns.map(() => '---').join(' | ')} | --- |`);
for (const [index, row] of rows.entries()) {
  const previous = rows[index - 1]?.scenario === row.scenario ? rows[index - 1] : null;
  const exponent = (column) => (previous === null || row[column] === undefined ? null : Math.log(row[column] / previous[column]) / Math.log(row.n / previous.n));
  const growth = previous === null ? '—' : columns.map(exponent).filter((e) => e !== null).map((e) => e.toFixed(2)).join(' / ');
  console.log(`| ${row.scenario} | ${row.n} | ${columns.map((c) => ms(row[c])).join(' | ')} | ${growth} |`);
}
mkdirSync(path.join(repo, 'bench', 'results'), { recursive: true });
writeFileSync(path.join(repo, 'bench', 'results', 'scale.json'), `${JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`);
