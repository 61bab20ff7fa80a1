/**
 * docs/health-checks.md cannot drift: each `<!-- example: NAME -->` manifest fragment is applied
 * as it is, under a project of its own, to real Podman; its check passes while the service
 * works, the doc's `<!-- break: NAME -->` commands make `phoenix status` report it unhealthy
 * (degraded), and the `<!-- repair: NAME -->` commands make it healthy again. The depends_on
 * example starts its consumer only once the queue is healthy; the watch example's policy makes
 * real watch restart, then stop restarting (crash loop), in the order the doc's event list says;
 * the status excerpt is what `phoenix status` prints.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { TestProject } from '../integration/support.js';
import { REPO, eventually, podmanEnv, timeMs } from '../integration/support.js';
import { startWatch, useWatchSuite } from '../integration/watch-support.js';
import type { MarkedBlock } from './doc-blocks.js';
import { blockNamed, readDoc } from './doc-blocks.js';
import { runTool } from './promtool.js';

const DOC = 'docs/health-checks.md';
/** The project and environment the doc's container names are written for. */
const DOC_PREFIX = 'shop-dev-';

const suite = useWatchSuite();
const doc = readDoc(DOC);

interface StatusJson {
  readonly verdict: string;
  readonly services: readonly { readonly service: string; readonly verdict: string; readonly reason: string | null; readonly detail: string; readonly containers: readonly { readonly name: string; readonly health: string; readonly state: string }[] }[];
}

/** The doc's text with its container names made the project's. */
function forProject(project: TestProject, text: string): string {
  return text.replaceAll(DOC_PREFIX, `${project.name}-it-`);
}

/** Runs a doc's shell block for the project (bash -e, Podman's environment of the tests). */
async function runBlock(project: TestProject, block: MarkedBlock): Promise<void> {
  const result = await runTool('bash', ['-e', '-c', forProject(project, block.text)], { cwd: REPO, env: podmanEnv() });
  if (result.code !== 0) throw new Error(`${DOC}:${block.line} <!-- ${block.kind}: ${block.name} --> exited ${result.code}: ${result.stdout}${result.stderr}`);
}

async function status(project: TestProject): Promise<{ code: number; json: StatusJson }> {
  const run = await project.phoenix(['status', '--json']);
  if (run.code === 1) throw new Error(`phoenix status failed: ${run.stdout}${run.stderr}`);
  return { code: run.code, json: JSON.parse(run.stdout) as StatusJson };
}

/** Waits until `phoenix status` (which runs each check now) says the service is `verdict`, with every container's health `health`. */
function statusUntil(project: TestProject, service: string, verdict: string, health: string, timeoutMs = 60_000): Promise<{ code: number; json: StatusJson }> {
  return eventually(`${service} ${verdict} (${health}) in phoenix status`, timeoutMs, async () => {
    const found = await status(project);
    const report = found.json.services.find((s) => s.service === service);
    return report?.verdict === verdict && report.containers.every((c) => c.health === health) ? found : undefined;
  });
}

/** Applies an example's fragment as the project's compose file, waiting for its services to be healthy. */
async function applyExample(project: TestProject, name: string): Promise<void> {
  const example = blockNamed(doc.blocks, 'example', name);
  expect(example.lang).toBe('yaml');
  project.writeCompose(example.text);
  const run = await project.phoenix(['apply', '--yes', '--wait', '--wait-timeout', '30s']);
  if (run.code !== 0) throw new Error(`phoenix apply of ${DOC}:${example.line} exited ${run.code}\n${run.stdout}${run.stderr}`);
}

describe('docs/health-checks.md: every example against real Podman', { timeout: 180_000 }, () => {
  it('marks the examples the tests run, each a services: fragment with a healthcheck', () => {
    const examples = doc.blocks.filter((b) => b.kind === 'example').map((b) => b.name);
    expect(examples).toEqual(['http', 'tcp', 'database', 'worker', 'depends-on']);
    for (const name of ['http', 'tcp', 'database', 'worker']) {
      const services = (parse(blockNamed(doc.blocks, 'example', name).text) as { services: Record<string, { healthcheck?: { test: unknown; interval: string } }> }).services;
      const [service] = Object.values(services);
      expect(service!.healthcheck?.interval, name).toBe('1s');
      blockNamed(doc.blocks, 'break', name);
      blockNamed(doc.blocks, 'repair', name);
    }
  });

  for (const [name, service] of [
    ['http', 'web'],
    ['tcp', 'cache'],
    ['database', 'db'],
    ['worker', 'worker'],
  ] as const) {
    it(`${name}: healthy while ${service} works, unhealthy in phoenix status once broken, healthy again once repaired`, async () => {
      const project = suite.project();
      await applyExample(project, name);
      const healthy = await statusUntil(project, service, 'converged', 'healthy');
      expect(healthy.code).toBe(0);

      await runBlock(project, blockNamed(doc.blocks, 'break', name));
      const broken = await statusUntil(project, service, 'degraded', 'unhealthy');
      expect(broken.code).toBe(3);
      const report = broken.json.services.find((s) => s.service === service)!;
      expect(report.reason).toBe('unhealthy');
      expect(report.containers[0]!.state).toBe('running');
      expect(report.detail).toContain(`${project.container(service)} is unhealthy`);

      if (name === 'http') {
        // The doc's status excerpt is what phoenix status prints for this break.
        const text = await project.phoenix(['status']);
        expect(text.code).toBe(3);
        const printed = new Set(text.stdout.split('\n').map(squeeze));
        for (const line of forProject(project, blockNamed(doc.blocks, 'status', 'http').text).split('\n').filter((l) => l.trim() !== '')) expect(printed, `${line}\n--- printed\n${text.stdout}`).toContain(squeeze(line));
      }

      await runBlock(project, blockNamed(doc.blocks, 'repair', name));
      expect((await statusUntil(project, service, 'converged', 'healthy')).code).toBe(0);
    });
  }

  it('depends-on: the consumer starts only once the queue is healthy', async () => {
    const project = suite.project();
    await applyExample(project, 'depends-on');
    const containers = await project.containers();
    const queue = containers.get(project.container('queue'))!;
    const consumer = containers.get(project.container('consumer'))!;
    expect(consumer.state).toBe('running');
    const firstPass = queue.healthLog.find((entry) => entry.exitCode === 0);
    expect(firstPass, JSON.stringify(queue.healthLog)).toBeDefined();
    expect(timeMs(consumer.startedAt)).toBeGreaterThanOrEqual(timeMs(firstPass!.end));
    // The queue is ready 2 s after its start (a little slack for when Podman records StartedAt).
    expect(timeMs(consumer.startedAt) - timeMs(queue.startedAt)).toBeGreaterThanOrEqual(1750);
    expect((await status(project)).json.verdict).toBe('converged');
  });

  it("watch: restarts the broken HTTP service, then stops restarting it (crash loop) under the doc's policy, events in the doc's order", { timeout: 300_000 }, async () => {
    const project = suite.project();
    const policy = parse(blockNamed(doc.blocks, 'environment', 'watch').text) as { policy: Record<string, unknown> };
    project.writeEnvironment({ policy: { prune: false, ...policy.policy } });
    project.writeCompose(blockNamed(doc.blocks, 'example', 'http').text);
    const watch = await startWatch(project, [], { readyTimeoutMs: 120_000 });
    const container = project.container('web');
    const kinds = new Set(['container.healthy', 'container.unhealthy', 'container.restarted', 'service.crash-looping', 'container.restart-failed']);
    const seen = (): string[] => watch.events().filter((e) => kinds.has(e.event) && e.service === 'web').map((e) => e.event);
    const waitSeen = (count: number, what: string): Promise<string[]> =>
      eventually(what, 90_000, () => Promise.resolve(seen().length >= count ? seen() : undefined)).catch((error: Error) => {
        throw new Error(`${error.message}; events so far: ${seen().join(', ')}\n--- watch log (tail)\n${watch.stdout().slice(-3000)}`);
      });
    const expected = blockNamed(doc.blocks, 'events', 'watch').text.split('\n').filter((l) => l.trim() !== '').map((l) => l.split(/\s+/)[0]!);
    expect(expected).toHaveLength(7);

    await waitSeen(1, 'web healthy after its start');
    await runBlock(project, blockNamed(doc.blocks, 'break', 'http'));
    await waitSeen(4, 'web unhealthy, restarted and healthy again');
    const restarted = watch.events('container.restarted')[0]!;
    expect(restarted.data).toMatchObject({ container, attempt: 1, reason: expect.stringContaining('unhealthy') as unknown });

    await runBlock(project, blockNamed(doc.blocks, 'break', 'http'));
    await waitSeen(6, 'web unhealthy again, and crash-looping');
    const looping = await eventually('/status to judge web crash-looping', 20_000, async () => {
      const web = (await watch.status()).environments[0]!.services.find((s) => s.service === 'web');
      return web?.reason === 'crash-looping' ? web : undefined;
    });
    expect(looping.verdict).toBe('degraded');
    // No restart while the breaker is open: the container keeps its start.
    expect(watch.events('container.restarted')).toHaveLength(1);

    await runBlock(project, blockNamed(doc.blocks, 'repair', 'http'));
    const all = await waitSeen(7, 'web healthy after the repair');
    expect(all).toEqual(expected);
    await eventually('/status to judge web converged', 20_000, async () => {
      const web = (await watch.status()).environments[0]!.services.find((s) => s.service === 'web');
      return web?.verdict === 'converged' ? true : undefined;
    });
    expect(watch.events('container.restarted')).toHaveLength(1);
  });
});

/** A line with its runs of spaces made one (column widths depend on the names' lengths). */
function squeeze(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}
