/**
 * The true floor of a cold apply: the same N containers made with the fewest Podman calls
 * there are, over the libpod REST API (`POST /libpod/containers/create`, then `…/start`) with
 * no parsing, planning or waiting of Phoenix's: once one after another, once with as many
 * requests in flight as the machine has cores. A chain starts each container only after the one
 * before it started (its creates need not wait), as Phoenix does for `service_started`.
 */
import { Agent, request } from 'node:http';
import type { Shape } from './lib.js';
import { SERVICE_SCRIPT, serviceName } from './lib.js';

/** One libpod request over the socket; rejects on anything but 2xx/304, with Podman's message. */
function libpod(agent: Agent, socketPath: string, method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<void> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, agent, method, path: `/v4.0.0/libpod${path}`, headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if ((status >= 200 && status < 300) || status === 304) resolve();
          else reject(new Error(`${method} ${path}: ${status} ${Buffer.concat(chunks).toString('utf8').trim()}`));
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** At most `limit` of the returned function's tasks run at once; the rest wait their turn. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await task();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}

/**
 * Creates the network `base` and N containers `base-sNN` on it (alias the service name, the
 * bench's command, BENCH_REV=1, stop timeout 1 s) and starts them, `concurrency` requests at a
 * time; resolves to the wall time in ms. The caller removes them. `subnet`: the network's, for
 * more containers than Podman's default /24 holds (null: Podman's default).
 */
export async function apiFloorLoop(socketPath: string, base: string, shape: Shape, n: number, image: string, concurrency: number, subnet: string | null = null): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const slot = limiter(concurrency);
  const started = performance.now();
  try {
    await libpod(agent, socketPath, 'POST', '/networks/create', subnet === null ? { name: base } : { name: base, subnets: [{ subnet }] });
    const starts: Promise<void>[] = [];
    for (let i = 0; i < n; i += 1) {
      const service = serviceName(i, n);
      const name = `${base}-${service}`;
      const created = slot(() =>
        libpod(agent, socketPath, 'POST', '/containers/create', {
          name,
          image,
          command: ['sh', '-c', SERVICE_SCRIPT],
          env: { BENCH_REV: '1' },
          netns: { nsmode: 'bridge' },
          Networks: { [base]: { aliases: [service] } },
          stop_timeout: 1,
        }),
      );
      const before = shape === 'chain' ? starts[i - 1] : undefined;
      const start = Promise.all([created, before]).then(() => slot(() => libpod(agent, socketPath, 'POST', `/containers/${encodeURIComponent(name)}/start`)));
      starts.push(start);
      // One after another means one request in flight: wait for this container before the next.
      if (concurrency === 1) await start.catch(() => undefined);
    }
    // Every outcome is awaited (a failure must not leave others rejecting unobserved); the first failure is reported.
    const failed = (await Promise.allSettled(starts)).find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return performance.now() - started;
  } finally {
    agent.destroy();
  }
}
