/**
 * The pure planner's own time on the bench's generated environments, in-process (as
 * `npm run bench:scale` does it): the environment loaded from disk as `phoenix plan` loads it,
 * then planned against an empty Podman (every create and start) and against a Podman that runs
 * every container as planned (nothing to do). No Podman is involved: this is the part of an
 * apply that is Phoenix's own computation, apart from processes, sockets and Podman's work.
 *
 * The built modules are imported from dist/ at run time (the bench compiles apart from src/).
 */
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './lib.js';

/** What one size costs the planner, in milliseconds (medians). */
export interface PlanTime {
  /** Loading the environment: YAML, schema, interpolation, the desired state. */
  readonly loadMs: number;
  readonly planEmptyMs: number;
  readonly planRunningMs: number;
}

interface DesiredService {
  readonly name: string;
  readonly containerNames: readonly string[];
  readonly ownerLabels: Record<string, string>;
  readonly spec: { readonly image: string };
}
interface Desired {
  readonly services: readonly DesiredService[];
  readonly networks: readonly { readonly podmanName: string; readonly labels: Record<string, string>; readonly subnets: readonly string[] }[];
}
type Planned = { ok: true; value: { actions: readonly unknown[] } } | { ok: false; issues: unknown[] };
interface Modules {
  loadEnvironment: (options: Record<string, unknown>) => { ok: true; desired: Desired } | { ok: false; issues: unknown[] };
  nodeReader: unknown;
  SecretDigester: new (key: Buffer) => unknown;
  LABEL: { replica: string };
  plan: (desired: Desired, observed: unknown) => Planned;
}

async function modules(root: string): Promise<Modules> {
  const load = async (file: string): Promise<Record<string, unknown>> => (await import(pathToFileURL(path.join(root, 'dist', file)).href)) as Record<string, unknown>;
  const [loadModule, reader, hash, desired, planner] = await Promise.all([load('manifest/load.js'), load('manifest/node-reader.js'), load('model/hash.js'), load('model/desired.js'), load('plan/plan.js')]);
  return { loadEnvironment: loadModule.loadEnvironment, nodeReader: reader.nodeReader, SecretDigester: hash.SecretDigester, LABEL: desired.LABEL, plan: planner.plan } as Modules;
}

/** What Podman would show after the plan against an empty Podman had been applied. */
function runningAsPlanned(desired: Desired, label: string): unknown {
  const containers = desired.services.flatMap((service) =>
    service.containerNames.map((name, index) => ({ id: `${name}-id`, name, labels: { ...service.ownerLabels, [label]: String(index + 1) }, state: 'running', exitCode: null, image: service.spec.image, imageId: 'sha256:image', startedAt: null, health: 'none', restartCount: 0 })),
  );
  const networks = desired.networks.map((n) => ({ id: `${n.podmanName}-id`, name: n.podmanName, labels: n.labels, subnets: n.subnets }));
  const images = Object.fromEntries(desired.services.map((s) => [s.spec.image, 'sha256:image']));
  return { containers, networks, volumes: [], secrets: [], images };
}

/** Loads and plans the environment `name` of `environmentsDir` `runs` times; medians. */
export async function planTime(root: string, environmentsDir: string, name: string, runs: number): Promise<PlanTime> {
  const m = await modules(root);
  const digester = new m.SecretDigester(Buffer.alloc(32, 7));
  const load: number[] = [];
  const empty: number[] = [];
  const running: number[] = [];
  const timed = <T>(samples: number[], fn: () => T): T => {
    const started = performance.now();
    const value = fn();
    samples.push(performance.now() - started);
    return value;
  };
  for (let r = 0; r < runs; r += 1) {
    const loaded = timed(load, () => m.loadEnvironment({ environmentsDir, name, reader: m.nodeReader, processEnv: {}, cwd: environmentsDir, homeDir: os.homedir(), digester, requireSecretValues: false }));
    if (!loaded.ok) throw new Error(`the generated environment ${name} did not load: ${JSON.stringify(loaded.issues.slice(0, 2))}`);
    const desired = loaded.desired;
    const fresh = timed(empty, () => m.plan(desired, { containers: [], networks: [], volumes: [], secrets: [], images: {} }));
    if (!fresh.ok) throw new Error(`planning ${name} failed: ${JSON.stringify(fresh.issues.slice(0, 2))}`);
    const observed = runningAsPlanned(desired, m.LABEL.replica);
    const unchanged = timed(running, () => m.plan(desired, observed));
    if (!unchanged.ok || unchanged.value.actions.length !== 0) throw new Error(`planning ${name} against its own result was not empty`);
  }
  return { loadMs: median(load), planEmptyMs: median(empty), planRunningMs: median(running) };
}
