/**
 * PodmanCli against the real Podman of this machine: no mocks. Every object is named
 * `phxtest-<random>-...` and swept away after each test, whatever happened in it.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PodmanCli } from '../../src/podman/podman-cli.js';
import { PodmanError } from '../../src/podman/podman-error.js';
import type { LogLine } from '../../src/podman/podman-client.js';
import { DEMO_IMAGE, containerIntent, desiredNetwork, desiredVolume } from '../support/podman-fixtures.js';
import { eventually, freePort, podman, podmanEnv, requirePodman, sweep, testPrefix } from '../support/podman-host.js';

const prefix = testPrefix();
const client = new PodmanCli({ env: podmanEnv() });
/** The same, with starts, stops, removals, states and health checks through the REST API. */
const apiClient = new PodmanCli({ env: podmanEnv(), apiSocket: path.join(mkdtempSync(path.join(os.tmpdir(), 'phx-api-')), 'podman.sock') });
const labels = { 'io.phoenix.managed-by': 'phoenix', 'io.phoenix.project': prefix };
let counter = 0;
/** A name unique to this run and test. */
const unique = (what: string): string => `${prefix}-${what}-${++counter}`;

async function expectPodmanError(promise: Promise<unknown>, code: string): Promise<PodmanError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected ${code}, but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PodmanError);
  const podmanError = error as PodmanError;
  expect(podmanError.code, podmanError.message).toBe(code);
  expect(podmanError.remediation).not.toBe('');
  return podmanError;
}

// A missing Podman fails the suite (beforeAll throws, with what to do); it never skips it.
let podmanReady = false;
beforeAll(async () => {
  await requirePodman();
  podmanReady = true;
}, 120_000);
afterEach(async () => {
  if (podmanReady) await sweep(prefix);
}, 30_000);
afterAll(async () => {
  if (podmanReady) await sweep(prefix);
}, 30_000);

describe('PodmanCli against real Podman', () => {
  it("observe({restartCounts: true}) counts Podman's own restarts (RestartCount), through the API and through the CLI alike", async () => {
    const name = unique('restarts');
    await podman(['run', '-d', '--name', name, '--label', 'io.phoenix.managed-by=phoenix', '--label', `io.phoenix.project=${prefix}`, '--restart', 'on-failure:2', DEMO_IMAGE, 'sh', '-c', 'exit 3']);
    await eventually(async () => ((await podman(['inspect', '--format', '{{.RestartCount}} {{.State.Status}}', name])).trim() === '2 exited' ? true : undefined), 20_000, 'two restarts by Podman');
    for (const observer of [apiClient, client]) {
      const observed = await observer.observe(prefix, [], { restartCounts: true });
      expect(observed.containers.find((c) => c.name === name)?.restartCount).toBe(2);
      // A plan does not ask for them: the list alone, without one inspect per container.
      expect((await observer.observe(prefix, [])).containers.find((c) => c.name === name)?.restartCount).toBe(0);
    }
  });

  it('a long-lived client (watch) remembers restart counts yet reads one again once Podman restarted that container', async () => {
    const name = unique('rereads');
    const watchers = [new PodmanCli({ env: podmanEnv(), apiSocket: path.join(mkdtempSync(path.join(os.tmpdir(), 'phx-api-')), 'podman.sock') }), new PodmanCli({ env: podmanEnv() })];
    await podman(['run', '-d', '--name', name, '--label', 'io.phoenix.managed-by=phoenix', '--label', `io.phoenix.project=${prefix}`, '--restart', 'on-failure:1', DEMO_IMAGE, 'sh', '-c', 'sleep 5; exit 3']);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // its start is settled (restart-counts.ts): the count is kept from here on
    for (const watcher of watchers) expect((await watcher.observe(prefix, [], { restartCounts: true })).containers.find((c) => c.name === name)?.restartCount).toBe(0);
    await eventually(async () => ((await podman(['inspect', '--format', '{{.RestartCount}} {{.State.Status}}', name])).trim() === '1 running' ? true : undefined), 20_000, 'one restart by Podman');
    for (const watcher of watchers) expect((await watcher.observe(prefix, [], { restartCounts: true })).containers.find((c) => c.name === name)?.restartCount).toBe(1);
  });

  it('observe() returns the containers, networks, volumes and secrets it created, with their labels', async () => {
    const network = unique('net');
    const volume = unique('vol');
    const secret = unique('sec');
    const container = unique('ctr');
    await Promise.all([
      client.createNetwork(desiredNetwork(network, { labels: { ...labels, 'io.phoenix.network': 'net' }, subnets: ['10.123.45.0/24'], internal: true })),
      client.createVolume(desiredVolume(volume, { labels: { ...labels, 'io.phoenix.volume': 'vol' } })),
      client.createSecret(secret, new TextEncoder().encode('observe-me'), { ...labels, 'io.phoenix.secret': 'sec' }),
    ]);
    const id = await client.createContainer(containerIntent(container, { labels: { user: 'label' }, networks: [{ network, aliases: [], ipv4Address: null }] }, labels));

    const observed = await client.observe(prefix, [DEMO_IMAGE, 'phxtest.invalid/none/missing:1']);

    const c = observed.containers.find((x) => x.name === container);
    expect(c).toMatchObject({ id, state: 'created', exitCode: null, startedAt: null, health: 'none', image: DEMO_IMAGE, labels: { ...labels, user: 'label' } });
    expect(c?.imageId).toMatch(/^[0-9a-f]{64}$/);
    expect(observed.images[DEMO_IMAGE]).toBe(c?.imageId);
    expect(observed.images['phxtest.invalid/none/missing:1']).toBeNull();
    expect(observed.networks.find((n) => n.name === network)?.labels).toEqual({ ...labels, 'io.phoenix.network': 'net' });
    expect(observed.volumes.find((v) => v.name === volume)?.labels).toEqual({ ...labels, 'io.phoenix.volume': 'vol' });
    const s = observed.secrets.find((x) => x.name === secret);
    expect(s?.labels).toEqual({ ...labels, 'io.phoenix.secret': 'sec' });
    expect(s?.id).not.toBe('');
    const inspect = JSON.parse(await podman(['network', 'inspect', network])) as [{ internal: boolean; subnets: { subnet: string }[] }];
    expect(inspect[0]).toMatchObject({ internal: true, subnets: [{ subnet: '10.123.45.0/24' }] });
  });

  it('observe() through the REST API sees exactly what the CLI sees', async () => {
    const network = unique('net');
    const volume = unique('vol');
    const secret = unique('sec');
    const container = unique('ctr');
    await Promise.all([
      client.createNetwork(desiredNetwork(network, { labels: { ...labels, 'io.phoenix.network': 'net' } })),
      client.createVolume(desiredVolume(volume, { labels: { ...labels, 'io.phoenix.volume': 'vol' } })),
      client.createSecret(secret, new TextEncoder().encode('observe-me-too'), { ...labels, 'io.phoenix.secret': 'sec' }),
    ]);
    await client.createContainer(containerIntent(container, { networks: [{ network, aliases: [], ipv4Address: null }] }, labels));
    const socketDir = mkdtempSync(path.join(os.tmpdir(), 'phx-api-'));
    const viaApi = new PodmanCli({ env: podmanEnv(), apiSocket: path.join(socketDir, 'podman.sock') });
    const refs = [DEMO_IMAGE, 'phxtest.invalid/none/missing:1'];
    const [fromCli, fromApi] = await Promise.all([client.observe(prefix, refs), viaApi.observe(prefix, refs)]);
    // The API path really was used: the service Phoenix started answers on the socket.
    expect(existsSync(path.join(socketDir, 'podman.sock'))).toBe(true);
    const mine = <T extends { name: string }>(items: readonly T[]): T[] => items.filter((i) => i.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
    expect(mine(fromApi.containers)).toEqual(mine(fromCli.containers));
    expect(mine(fromApi.networks)).toEqual(mine(fromCli.networks));
    expect(mine(fromApi.volumes)).toEqual(mine(fromCli.volumes));
    expect(mine(fromApi.secrets)).toEqual(mine(fromCli.secrets));
    expect(mine(fromApi.secrets)).toHaveLength(1);
    expect(fromApi.images).toEqual(fromCli.images);
  });

  it('starts the API service in /, not in the directory it was started from (conmon inherits it)', async () => {
    // Regression: a service started from a project folder that was later deleted failed every
    // container start with "write child: broken pipe" ("[conmon:e] Failed to get working directory").
    await apiClient.observe(prefix, []);
    const socket = (apiClient as unknown as { apiOptions: { socketPath: string } }).apiOptions.socketPath;
    const pids = readdirSync('/proc').filter((entry) => {
      if (!/^\d+$/.test(entry)) return false;
      try {
        return readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(`unix://${socket}`);
      } catch {
        return false;
      }
    });
    expect(pids).toHaveLength(1);
    expect(readlinkSync(`/proc/${pids[0]!}/cwd`)).toBe('/');
  });

  // The same calls through both doors: the CLI, and the REST API that actions use where a
  // service answers (src/podman/podman-api.ts). Same results, same error codes.
  describe.each([
    ['the CLI', () => client],
    ['the REST API', () => apiClient],
  ])('through %s', (_door, clientOf) => {
    let client: PodmanCli;
    beforeAll(() => {
      client = clientOf();
    });

    it('creates, starts, health-checks, stops, renames and removes a container; the secret never shows in its config', async () => {
      const secretValue = `phx-secret-${Math.random().toString(36).slice(2)}`;
      const secret = unique('token');
      const volume = unique('data');
      const network = unique('app');
      const name = unique('web');
      const port = await freePort();
      await client.createSecret(secret, new TextEncoder().encode(secretValue), labels);
      await client.createVolume(desiredVolume(volume, { labels }));
      await client.createNetwork(desiredNetwork(network, { labels }));
      const script = [
        "trap 'exit 0' TERM INT",
        'cp /run/secrets/token /data/copy',
        'mkdir -p /tmp/www && echo ok > /tmp/www/health',
        'httpd -f -p 8080 -h /tmp/www &',
        'wait $!',
      ].join('\n');
      const intent = containerIntent(
        name,
        {
          command: ['sh', '-c', script],
          user: '65534:65534',
          environment: { GREETING: 'hello world', EMPTY: '' },
          labels: { tier: 'web' },
          ports: [{ hostIp: '127.0.0.1', published: String(port), target: '8080', protocol: 'tcp' }],
          mounts: [{ type: 'volume', source: volume, target: '/data', readOnly: false }],
          networks: [{ network, aliases: ['www'], ipv4Address: null }],
          secrets: [{ secret: 'token', podmanName: secret, digest: 'd', target: '/run/secrets/token', uid: '65534', gid: '65534', mode: 0o400 }],
          healthcheck: { test: ['CMD', 'wget', '-q', '-O', '-', 'http://127.0.0.1:8080/health'], intervalMs: 2000, timeoutMs: 2000, retries: 3, startPeriodMs: 1000, startIntervalMs: 0 },
          securityOpt: ['no-new-privileges:true'],
          capDrop: ['ALL'],
          stopGracePeriodSeconds: 2,
          restart: 'unless-stopped',
        },
        labels,
      );

      const id = await client.createContainer(intent);
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      expect(await client.containerStatus(name)).toEqual({ exists: true, state: 'created', exitCode: null, running: false });

      await client.startContainer(name);
      expect(await client.containerStatus(name)).toMatchObject({ exists: true, state: 'running', running: true });

      // The secret reached the container (as a file only nobody may read) and the volume.
      const copied = await eventually(async () => (await podman(['exec', name, 'cat', '/data/copy'])) || undefined, 5000, 'the secret copy in the volume');
      expect(copied).toBe(secretValue);
      expect(await podman(['exec', name, 'stat', '-c', '%u:%g %a', '/run/secrets/token'])).toBe('65534:65534 400');
      // ... and is nowhere in what Podman records about the container: argv, environment, labels.
      const [inspected] = JSON.parse(await podman(['container', 'inspect', name])) as [{ Config: { Cmd: string[]; Env: string[]; Entrypoint: unknown; Labels: Record<string, string> }; Args: string[] }];
      expect(JSON.stringify([inspected.Config.Cmd, inspected.Config.Env, inspected.Config.Entrypoint, inspected.Args, inspected.Config.Labels])).not.toContain(secretValue);
      expect(JSON.stringify(inspected)).not.toContain(secretValue);
      expect(inspected.Config.Env).toEqual(expect.arrayContaining(['GREETING=hello world', 'EMPTY=']));
      expect(inspected.Config.Labels).toMatchObject({ ...labels, tier: 'web' });

      // Port mapping and health check, run on demand (Podman's own timers need systemd).
      const body = await eventually(async () => {
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        return response.ok ? (await response.text()).trim() : undefined;
      }, 5000, 'the published port to answer');
      expect(body).toBe('ok');
      expect((await client.runHealthCheck(name)).healthy).toBe(true);
      await podman(['exec', name, 'rm', '/tmp/www/health']);
      const unhealthy = await client.runHealthCheck(name);
      expect(unhealthy.healthy).toBe(false);
      expect(unhealthy.output).toMatch(/404|not found|unhealthy/i);
      const observed = await client.observe(prefix, []);
      // One failed probe is not yet "unhealthy" in Podman's status: that takes `retries` (3) in a row.
      expect(observed.containers.find((c) => c.name === name)).toMatchObject({ id, state: 'running', health: 'healthy' });
      expect(observed.containers.find((c) => c.name === name)?.startedAt).toMatch(/^\d{4}-\d\d-\d\dT/);

      await client.stopContainer(name, 2);
      expect(await client.containerStatus(name)).toEqual({ exists: true, state: 'exited', exitCode: 0, running: false });

      const renamed = `${name}-renamed`;
      await client.renameContainer(name, renamed);
      expect((await client.containerStatus(name)).exists).toBe(false);
      expect(await client.containerStatus(renamed)).toMatchObject({ exists: true, state: 'exited' });

      await client.removeContainer(renamed, 1);
      expect(await client.containerStatus(renamed)).toEqual({ exists: false, state: 'missing', exitCode: null, running: false });
      await client.removeContainer(renamed, 1); // already gone: no error
      await client.removeSecret(secret);
      await client.removeVolume(volume);
      await client.removeNetwork(network);
      await client.removeSecret(secret); // already gone: no error
      const after = await client.observe(prefix, []);
      expect([...after.secrets, ...after.volumes, ...after.networks].map((o) => o.name).filter((n) => n.startsWith(prefix))).toEqual([]);
    });

    it('reports a failing check as unhealthy with its output, and a container without a check or without existence as errors', async () => {
      const name = unique('hc');
      await client.createContainer(containerIntent(name, { healthcheck: { test: ['CMD-SHELL', 'echo checking; exit 3'], intervalMs: 0, timeoutMs: 1000, retries: 1, startPeriodMs: 0, startIntervalMs: 0 } }));
      await client.startContainer(name);
      expect(await client.runHealthCheck(name)).toEqual({ healthy: false, output: 'checking' });
      // A stopped container is an unhealthy answer, not a Podman failure (which would trip the breaker).
      const stopped = unique('hcstopped');
      await client.createContainer(containerIntent(stopped, { healthcheck: { test: ['CMD-SHELL', 'true'], intervalMs: 0, timeoutMs: 1000, retries: 1, startPeriodMs: 0, startIntervalMs: 0 } }));
      expect(await client.runHealthCheck(stopped)).toEqual({ healthy: false, output: `${stopped} is not running` });
      const plain = unique('nohc');
      await client.createContainer(containerIntent(plain));
      await client.startContainer(plain);
      await expectPodmanError(client.runHealthCheck(plain), 'PODMAN-FAILED');
      await expectPodmanError(client.runHealthCheck(unique('missing')), 'PODMAN-NO-SUCH-OBJECT');
    });

    it('maps Podman failures to stable codes: name in use, image not found, port in use, no such object', async () => {
      const name = unique('dup');
      await client.createContainer(containerIntent(name));
      const inUse = await expectPodmanError(client.createContainer(containerIntent(name)), 'PODMAN-NAME-IN-USE');
      expect(inUse.message).toContain('already in use');

      await expectPodmanError(client.createContainer(containerIntent(unique('img'), { image: 'phxtest.invalid/none/missing:1' })), 'PODMAN-IMAGE-NOT-FOUND');

      const port = await freePort();
      const ports = [{ hostIp: '', published: String(port), target: '8080', protocol: 'tcp' as const }];
      const first = unique('port-a');
      const second = unique('port-b');
      await client.createContainer(containerIntent(first, { ports }));
      await client.createContainer(containerIntent(second, { ports }));
      await client.startContainer(first);
      const portError = await expectPodmanError(client.startContainer(second), 'PODMAN-PORT-IN-USE');
      expect(portError.message).toContain(String(port));

      const secret = unique('sec');
      await client.createSecret(secret, new TextEncoder().encode('x'), {});
      await expectPodmanError(client.createSecret(secret, new TextEncoder().encode('y'), {}), 'PODMAN-NAME-IN-USE');
      const network = unique('net');
      await client.createNetwork(desiredNetwork(network));
      await expectPodmanError(client.createNetwork(desiredNetwork(network)), 'PODMAN-NAME-IN-USE');

      await expectPodmanError(client.startContainer(unique('ghost')), 'PODMAN-NO-SUCH-OBJECT');
      await expectPodmanError(client.stopContainer(unique('ghost'), 1), 'PODMAN-NO-SUCH-OBJECT');
      await expectPodmanError(client.renameContainer(unique('ghost'), unique('other')), 'PODMAN-NO-SUCH-OBJECT');
    });

  });

  it('streams each container’s logs, tagged with its name and stream; reports its version', async () => {
    const a = unique('log-a');
    const b = unique('log-b');
    await client.createContainer(containerIntent(a, { command: ['sh', '-c', 'echo one; echo two; echo oops >&2'] }));
    await client.createContainer(containerIntent(b, { command: ['sh', '-c', 'echo three'] }));
    await Promise.all([client.startContainer(a), client.startContainer(b)]);
    await eventually(async () => ((await client.containerStatus(a)).state === 'exited' && (await client.containerStatus(b)).state === 'exited' ? true : undefined), 5000, 'both to exit');
    const lines: LogLine[] = [];
    await client.streamLogs([a, b], { follow: false }, (line) => lines.push(line));
    expect(lines.filter((l) => l.container === a).map((l) => `${l.stream}:${l.text}`).sort()).toEqual(['stderr:oops', 'stdout:one', 'stdout:two']);
    expect(lines.filter((l) => l.container === b)).toEqual([{ container: b, stream: 'stdout', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d)$/), text: 'three' }]);

    const tail: LogLine[] = [];
    await client.streamLogs([a], { follow: false, tail: 1 }, (line) => tail.push(line));
    expect(tail).toHaveLength(1);

    // A follow ends when its signal aborts.
    const c = unique('log-c');
    await client.createContainer(containerIntent(c, { command: ['sh', '-c', "trap 'exit 0' TERM; echo started; while :; do sleep 1; done"] }));
    await client.startContainer(c);
    const controller = new AbortController();
    const followed: string[] = [];
    await client.streamLogs([c], { follow: true }, (line) => {
      followed.push(line.text);
      controller.abort();
    }, controller.signal);
    expect(followed[0]).toBe('started');

    await expectPodmanError(client.streamLogs([unique('ghost')], { follow: false }, () => undefined), 'PODMAN-NO-SUCH-OBJECT');
    expect((await client.version()).version).toMatch(/^\d+\.\d+/);
  });

  it('fails with PODMAN-NOT-INSTALLED when the binary does not exist', async () => {
    const missing = new PodmanCli({ binary: '/nonexistent/podman' });
    await expectPodmanError(missing.observe(prefix, []), 'PODMAN-NOT-INSTALLED');
  });

  it('fails with PODMAN-ABORTED when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    await expectPodmanError(client.observe(prefix, [], { signal: controller.signal }), 'PODMAN-ABORTED');
  });
});
