/**
 * A bounded chaos test of watch mode against real Podman: for about 35 s, every 1-3 s one of
 * the containers of a demo-like environment (an HTTP server with a health check, a worker
 * polling it, a plain loop) is killed or stopped at random. Afterwards, within a settle period,
 * every service runs again and the web server is healthy, and Phoenix started containers a
 * bounded number of times: no restart storm.
 */
import { describe, expect, it } from 'vitest';
import { eventually, podmanResult, service, sleep } from './support.js';
import { startWatch, tryInspect, waitAllRunning, useWatchSuite } from './watch-support.js';

const suite = useWatchSuite();

const CHAOS_MS = 35_000;

/** A small deterministic PRNG (mulberry32), so that a failing run can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('watch under chaos', { timeout: 150_000 }, () => {
  it('random kills and stops every 1-3 s: everything runs and is healthy afterwards, with no restart storm', async () => {
    const project = suite.project();
    // Generous breaker: this test is about recovering from outside disruptions, not about
    // declaring a service crash-looping (watch-health.test.ts covers that).
    project.writeEnvironment({ policy: { prune: false, resync_interval: '5s', health: { max_restarts: 100, window: '1m', backoff: { initial: '200ms', max: '1s' } } } });
    const demo = { restart: 'unless-stopped', networks: ['app'] };
    project.writeCompose({
      services: {
        web: service({
          ...demo,
          command: ['sh', '-c', "trap 'exit 0' TERM INT\nmkdir -p /www && echo ok > /www/health\nhttpd -f -p 8080 -h /www &\nwait $$!"],
          healthcheck: { test: ['CMD', 'wget', '-q', '-O', '-', 'http://127.0.0.1:8080/health'], interval: '1s', timeout: '2s', retries: 2 },
        }),
        worker: service({
          ...demo,
          depends_on: { web: { condition: 'service_healthy' } },
          command: ['sh', '-c', "trap 'exit 0' TERM INT\nwhile :; do wget -q -O /dev/null http://web:8080/health || echo 'web down' >&2; sleep 1 & wait $$!; done"],
        }),
        cache: service(demo),
      },
      networks: { app: {} },
    });
    const watch = await startWatch(project);
    const names = [project.container('web'), project.container('worker'), project.container('cache')];
    await waitAllRunning(names, 30_000);
    await watch.waitForEvent('web to be healthy', 30_000, (e) => e.event === 'container.healthy');
    const from = watch.events().length;

    const seed = Number(process.env.PHOENIX_CHAOS_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    const disruptions: string[] = [];
    const chaosEnd = Date.now() + CHAOS_MS;
    while (Date.now() < chaosEnd) {
      await sleep(1000 + Math.floor(random() * 2000));
      const target = names[Math.floor(random() * names.length)]!;
      const how = random() < 0.5 ? 'kill' : 'stop';
      // A container that is not running (being restarted right now) cannot be killed: that is no disruption.
      const result = await podmanResult(how === 'kill' ? ['kill', target] : ['stop', '--time', '1', target]);
      if (result.code === 0) disruptions.push(`${how} ${target}`);
    }
    console.log(`[watch] chaos (seed ${seed}): ${disruptions.length} disruptions in ${CHAOS_MS / 1000} s: ${disruptions.join(', ')}`);
    expect(disruptions.length).toBeGreaterThanOrEqual(8);

    // Settle: every container runs, web is healthy (its check passes now), Phoenix sees it so.
    const settleStart = Date.now();
    await eventually('every service running, web healthy', 60_000, async () => {
      const all = await Promise.all(names.map((name) => tryInspect(name)));
      if (!all.every((c) => c?.running === true)) return undefined;
      const check = await podmanResult(['healthcheck', 'run', project.container('web')]);
      if (check.code !== 0) return undefined;
      const status = await watch.status();
      const services = status.environments[0]!.services;
      const healthy = services.find((s) => s.service === 'web')?.health[0]?.condition === 'healthy';
      return healthy && services.every((s) => s.runningReplicas === 1 && s.restarts.every((r) => !r.crashLooping)) ? true : undefined;
    });
    console.log(`[watch] chaos: settled ${Date.now() - settleStart} ms after the last disruption`);

    const starts = watch.since(from, 'action.succeeded').filter((e) => e.data.kind === 'container.start').length;
    const restarted = watch.since(from, 'container.restarted').length;
    const failedReconciles = watch.since(from, 'reconcile.failed').length;
    console.log(`[watch] chaos: ${starts} container starts, ${restarted} container.restarted events, ${failedReconciles} failed reconciles for ${disruptions.length} disruptions`);
    // Every disruption had to be answered, but not many times over.
    expect(starts).toBeGreaterThan(0);
    expect(starts).toBeLessThan(3 * disruptions.length);
    expect(restarted).toBeLessThan(3 * disruptions.length);
    expect(watch.since(from, 'service.crash-looping')).toEqual([]);
    // Nothing was recreated: chaos is no reason to make containers again.
    expect(watch.since(from, 'action.started').filter((e) => e.data.kind !== 'container.start' && e.data.kind !== 'container.stop')).toEqual([]);
  });
});
