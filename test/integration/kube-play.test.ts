/**
 * The exported demo environment run by a real engine: `phoenix export --target podman` played
 * with `podman kube play` (real Podman), then taken down with `podman kube down`.
 *
 * It proves what kube play can show on one host: the pods start, the one-shot exits 0, the
 * web server's probe became a Podman health check that passes, the worker reaches web by name
 * on the network, reads its secret and writes its volume as the unprivileged user with no
 * capabilities and no-new-privileges, the host port answers, and kube down removes the pods.
 *
 * The demo's files are copied with a unique project name and service names (web-<id>, ...):
 * kube play names a pod after the object and pod names are global in Podman, so a fixed name
 * could collide with another run. Nothing else of the demo changes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { KubeObject } from '../../src/export/kube-objects.js';
import { cliWorkspace, REPO_ROOT, runCli } from '../support/cli-run.js';
import { kubeSchemaProblems } from '../support/kube-schema.js';
import { eventually, freePort, podman, podmanResult, requirePodman } from './support.js';

const id = randomBytes(3).toString('hex');
const project = `phxkube-${id}`;
const network = `phxkube-${id}-net`;
const name = (service: string): string => `${service}-${id}`;
/** kube play names a pod's container `<pod>-<container>`; the export names both after the service. */
const container = (service: string): string => `${name(service)}-${name(service)}`;

let root: string;
let file: string;
let hostPort: number;
let objects: KubeObject[] = [];
const timings: Record<string, number> = {};

/** The demo's compose file with every service renamed (and the worker's URL of web with it). */
function renamedDemo(text: string): string {
  const compose = parse(text, { merge: true }) as { services: Record<string, { depends_on?: Record<string, unknown>; environment?: Record<string, string> }> };
  const services: typeof compose.services = {};
  for (const [service, definition] of Object.entries(compose.services)) {
    if (definition.depends_on !== undefined) definition.depends_on = Object.fromEntries(Object.entries(definition.depends_on).map(([k, v]) => [name(k), v]));
    if (definition.environment?.WEB_URL !== undefined) definition.environment.WEB_URL = definition.environment.WEB_URL.replace('//web:', `//${name('web')}:`);
    services[name(service)] = definition;
  }
  return stringify({ ...compose, services });
}

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    timings[label] = Date.now() - started;
  }
}

beforeAll(async () => {
  await requirePodman();
  root = mkdtempSync(path.join(os.tmpdir(), 'phoenix-kube-play-'));
  const ws = cliWorkspace(root, {}, true);
  const demoFile = path.join(ws, 'environments', 'demo.yaml');
  writeFileSync(demoFile, readFileSync(demoFile, 'utf8').replace(/^project: phoenix-demo$/m, `project: ${project}`));
  const composeFile = path.join(ws, 'environments', 'compose', 'demo.yaml');
  writeFileSync(composeFile, renamedDemo(readFileSync(composeFile, 'utf8')));
  hostPort = await freePort();
  const run = await runCli(ws, ['export', '--env', 'demo', '--format', 'kubernetes', '--target', 'podman', '--include-secret-values'], path.join(root, 'state'), {
    DEMO_WEB_PORT: String(hostPort),
  });
  if (run.code !== 0) throw new Error(`phoenix export failed:\n${run.stderr}`);
  objects = parseAllDocuments(run.stdout).map((doc) => doc.toJS() as KubeObject);
  file = path.join(root, 'demo.kube.yaml');
  writeFileSync(file, run.stdout);
  await podman(['network', 'create', network]);
}, 60_000);

afterAll(async () => {
  // Whatever happened: nothing of this run stays in Podman.
  if (file !== undefined) await podmanResult(['kube', 'down', file]);
  await podmanResult(['pod', 'rm', '--force', '--time', '0', ...['migrate', 'web', 'worker'].map(name)]);
  const claims = objects.filter((o) => o.kind === 'PersistentVolumeClaim').map((o) => o.metadata?.name ?? '');
  const secrets = objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata?.name ?? '');
  // Podman 4.3 keeps a Secret volume's files in a named volume called after the Secret.
  await podmanResult(['volume', 'rm', '--force', ...claims, ...secrets]);
  for (const secret of secrets) await podmanResult(['secret', 'rm', secret]);
  await podmanResult(['network', 'rm', '--force', network]);
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  console.log(`kube play timings (ms): ${JSON.stringify(timings)}`);
}, 120_000);

describe('podman kube play of the exported demo', () => {
  it('the export is schema-valid and holds the pods kube play resolves by name', () => {
    expect(kubeSchemaProblems(objects)).toEqual([]);
    expect(objects.filter((o) => o.kind === 'Pod').map((o) => o.metadata?.name)).toEqual(['migrate', 'web', 'worker'].map(name));
  });

  it('plays, and the services run: migrate exits 0, web is healthy by its probe, worker reaches web by name with its secret and volume', async () => {
    const played = await timed('play', () => podmanResult(['kube', 'play', '--network', network, file]));
    expect(played.code, played.stderr).toBe(0);

    await timed('migrate exited 0', () =>
      eventually('migrate to exit', 30_000, async () => {
        const state = (await podman(['container', 'inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', container('migrate')])).trim();
        return state.startsWith('exited') ? state : undefined;
      }).then((state) => expect(state).toBe('exited 0')),
    );

    // The liveness probe became a Podman health check with the manifest's timing.
    const check = JSON.parse(await podman(['container', 'inspect', '--format', '{{json .Config.Healthcheck}}', container('web')])) as { Test: string[]; Interval: number; Timeout: number; Retries: number; StartPeriod: number };
    expect(check.Test.join(' ')).toContain('wget -q -O - http://127.0.0.1:8080/health');
    expect({ interval: check.Interval, timeout: check.Timeout, retries: check.Retries, startPeriod: check.StartPeriod }).toEqual({ interval: 2e9, timeout: 2e9, retries: 3, startPeriod: 2e9 });
    // No systemd here to schedule it: run the check on demand, as Phoenix does.
    await timed('web healthy', () => eventually('web health check to pass', 30_000, async () => ((await podmanResult(['healthcheck', 'run', container('web')])).code === 0 ? true : undefined)));

    // The worker's own loop: it resolves web-<id> by name, reads the secret, writes /data.
    await timed('worker reached web', () =>
      eventually('the worker to reach web', 45_000, async () => {
        const logs = await podmanResult(['logs', container('worker')]);
        return /worker: web answered \(request \d+\)/.test(logs.stdout + logs.stderr) ? true : undefined;
      }),
    );
    const logs = await podmanResult(['logs', container('worker')]);
    expect(logs.stdout + logs.stderr).toContain('worker: secret demo_token loaded (value not shown)');

    // And by hand, from inside the worker: the name resolves and web answers. (nc, not wget: the
    // static busybox's wget resolves names in the worker's own process but crashes in an exec
    // session. stdin stays open a second so that nc reads the answer before it hangs up.)
    // Retried: on this loaded 2-core machine a single connect now and then times out.
    const answer = await eventually('web to answer the worker by name', 60_000, async () => {
      const run = await podmanResult(['exec', container('worker'), 'sh', '-c', `(printf 'GET /health HTTP/1.0\\r\\n\\r\\n'; sleep 1) | nc -w 5 ${name('web')} 8080`]);
      return /^HTTP\/1\.[01] 200 OK\r?$/m.test(run.stdout) ? run.stdout : undefined;
    });
    expect(answer).toMatch(/^ok$/m);
  }, 180_000);

  it('publishes the host port, and runs the worker as nobody with no capabilities and no-new-privileges', async () => {
    const response = await fetch(`http://127.0.0.1:${hostPort}/health`);
    expect(await response.text()).toBe('ok\n');
    const status = await podman(['exec', container('worker'), 'cat', '/proc/1/status']);
    expect(status).toMatch(/^Uid:\s+65534\s/m);
    expect(status).toMatch(/^Gid:\s+65534\s/m);
    expect(status).toMatch(/^CapEff:\s+0000000000000000$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    // The secret reached the file: Podman 4.3.1 writes a Secret's `data` still base64-encoded
    // (docs/kubernetes.md); a Podman that decodes it writes the value itself.
    const token = readFileSync(path.join(REPO_ROOT, 'environments', 'secrets', 'demo', 'demo_token.txt'));
    const mounted = await podman(['exec', container('worker'), 'cat', '/run/secrets/demo_token']);
    expect([token.toString('base64'), token.toString('utf8')]).toContain(mounted);
    const checks = Number((await podman(['exec', container('worker'), 'cat', '/data/checks'])).trim());
    expect(checks).toBeGreaterThan(0);
  }, 60_000);

  it('kube down removes the pods and their containers', async () => {
    const down = await timed('down', () => podmanResult(['kube', 'down', file]));
    expect(down.code, down.stderr).toBe(0);
    for (const service of ['migrate', 'web', 'worker']) {
      expect((await podmanResult(['pod', 'exists', name(service)])).code).toBe(1);
      expect((await podmanResult(['container', 'exists', container(service)])).code).toBe(1);
    }
  }, 60_000);
});
