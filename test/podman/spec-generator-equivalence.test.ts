/**
 * The REST create (spec-generator.ts, `POST /libpod/containers/create`) against `podman
 * create` on the real Podman of this machine: every container of the demo environment and of
 * a fixture that sets most options is created both ways under two names, and `podman container
 * inspect` of the two must agree on everything but what always differs (id, name, creation
 * time, paths holding the id, the create command, names of anonymous volumes and host ports
 * Podman picks). Any other difference fails the test with the field and both values.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL } from '../../src/model/desired.js';
import type { ContainerSpec } from '../../src/model/desired.js';
import type { ContainerIntent } from '../../src/plan/actions.js';
import { PodmanApi } from '../../src/podman/podman-api.js';
import { PodmanCli } from '../../src/podman/podman-cli.js';
import { networkRequest } from '../../src/podman/network-request.js';
import { specGenerator } from '../../src/podman/spec-generator.js';
import { desiredFrom } from '../support/load-fixture.js';
import { containerSpec, desiredNetwork } from '../support/podman-fixtures.js';
import { podman, podmanEnv, requirePodman, sweep, testPrefix } from '../support/podman-host.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const prefix = testPrefix();
/** The value of every secret and config here: it must never reach a request, a log or a debug line. */
const SECRET_VALUE = `phx-secret-${randomBytes(12).toString('hex')}`;
const socketDir = mkdtempSync(path.join(os.tmpdir(), 'phx-specgen-'));
const socketPath = path.join(socketDir, 'podman.sock');
const debugLines: string[] = [];
/** Creates through the API service on `socketPath` (this test's own, logging every request). */
const viaApi = new PodmanCli({ env: podmanEnv(), apiSocket: socketPath, debug: (line) => debugLines.push(line) });
/** Creates with `podman create`. */
const viaCli = new PodmanCli({ env: podmanEnv() });
let service: ChildProcess | null = null;
const serviceLog: Buffer[] = [];
let podmanReady = false;

// A subnet of its own for the static address (a collision with another run's network would fail the create).
const subnet = `10.${randomInt(200, 250)}.${randomInt(0, 255)}`;
const network = `${prefix}-back`;
const frontNetwork = `${prefix}-front`;
const volume = `${prefix}-data`;
const secretName = `${prefix}-token`;
const configName = `${prefix}-conf`;
const bindSource = mkdtempSync(path.join(os.tmpdir(), 'phx-specgen-bind-'));

beforeAll(async () => {
  await requirePodman();
  podmanReady = true;
  // The service this test's REST creates go to, at debug level: its log must not hold a secret either.
  service = spawn('podman', ['--log-level=debug', 'system', 'service', '--time=0', `unix://${socketPath}`], { env: podmanEnv(), stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' });
  service.stdout?.on('data', (chunk: Buffer) => serviceLog.push(chunk));
  service.stderr?.on('data', (chunk: Buffer) => serviceLog.push(chunk));
  const api = new PodmanApi(socketPath);
  const deadline = Date.now() + 20_000;
  while (!(await api.ping(500))) {
    if (Date.now() > deadline) throw new Error('podman system service did not answer within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await podman(['network', 'create', '--subnet', `${subnet}.0/24`, network]);
  await podman(['network', 'create', frontNetwork]);
  await podman(['volume', 'create', volume]);
  await viaCli.createSecret(secretName, new TextEncoder().encode(SECRET_VALUE), {});
  await viaCli.createSecret(configName, new TextEncoder().encode(SECRET_VALUE), {});
}, 120_000);

afterAll(async () => {
  if (service?.pid !== undefined) service.kill('SIGTERM');
  if (podmanReady) await sweep(prefix);
  rmSync(socketDir, { recursive: true, force: true });
  rmSync(bindSource, { recursive: true, force: true });
}, 600_000);

/** What `podman container inspect` says of a container, minus what differs between any two containers. */
function comparable(raw: Record<string, unknown>): unknown {
  const id = String(raw.Id);
  const mounts = (raw.Mounts ?? []) as { Type?: string; Name?: string; Destination?: string }[];
  let text = JSON.stringify(raw);
  for (const mount of mounts) {
    if (mount.Type === 'volume' && /^[0-9a-f]{64}$/.test(mount.Name ?? '')) text = text.split(mount.Name!).join(`<anonymous volume at ${mount.Destination}>`);
  }
  text = text.split(id).join('<id>').split(id.slice(0, 12)).join('<short id>').split(String(raw.Name)).join('<name>');
  type Inspect = Record<string, unknown> & { Config: Record<string, unknown>; HostConfig: Record<string, unknown>; NetworkSettings?: Record<string, unknown> };
  const inspect = JSON.parse(text) as Inspect;
  for (const key of ['Created', 'StaticDir', 'ConmonPidFile', 'PidFile', 'GraphDriver', 'State']) delete inspect[key];
  delete inspect.Config.CreateCommand;
  const bySortKey = (key: string) => (a: Record<string, unknown>, b: Record<string, unknown>) => String(a[key]).localeCompare(String(b[key]));
  // Podman lists mounts, variables and binds in map order: the order carries no meaning.
  inspect.Mounts = [...((inspect.Mounts ?? []) as Record<string, unknown>[])].sort(bySortKey('Destination'));
  inspect.Config.Env = [...((inspect.Config.Env ?? []) as string[])].sort();
  inspect.HostConfig.Binds = [...((inspect.HostConfig.Binds ?? []) as string[])].sort();
  // Host ports Podman picks (a published port without a host port) differ from one container to the next.
  for (const ports of [inspect.HostConfig.PortBindings, inspect.NetworkSettings?.Ports]) {
    for (const bindings of Object.values((ports ?? {}) as Record<string, { HostPort: string }[] | null>)) {
      for (const binding of bindings ?? []) if (!pinnedPorts.has(binding.HostPort)) binding.HostPort = '<picked by Podman>';
    }
  }
  return inspect;
}

/** Host ports the fixtures publish explicitly: compared as they are. */
const pinnedPorts = new Set<string>();

/** Every path at which the two differ, with both values. */
function differences(where: string, a: unknown, b: unknown, found: string[] = []): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return found;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) differences(`${where}.${key}`, (a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], found);
    return found;
  }
  found.push(`${where}: REST ${JSON.stringify(a)} vs CLI ${JSON.stringify(b)}`);
  return found;
}

async function inspect(name: string): Promise<Record<string, unknown>> {
  return (JSON.parse(await podman(['container', 'inspect', name])) as Record<string, unknown>[])[0]!;
}

/**
 * Creates the intent's container through the API and with `podman create`, and returns how
 * their inspections differ; `viaRest` says whether the API really made the first (a REST
 * create leaves no create command).
 */
async function createBothWays(intent: ContainerIntent): Promise<{ differences: string[]; viaRest: boolean }> {
  const restName = `${intent.name}-rest`;
  const cliName = `${intent.name}-cli`;
  await viaApi.createContainer(intent, restName);
  await viaCli.createContainer(intent, cliName);
  const [rest, cli] = await Promise.all([inspect(restName), inspect(cliName)]);
  const createCommand = (rest.Config as { CreateCommand?: unknown[] | null }).CreateCommand;
  return { differences: differences('', comparable(rest), comparable(cli)), viaRest: createCommand === undefined || createCommand === null || createCommand.length === 0 };
}

function intent(service: string, spec: Partial<ContainerSpec>): ContainerIntent {
  const labels = { [LABEL.managedBy]: 'phoenix', [LABEL.project]: prefix, [LABEL.service]: service, [LABEL.replica]: '1', [LABEL.configHash]: `hash-of-${service}` };
  return { name: `${prefix}-${service}`, service, replica: 1, spec: containerSpec(spec), labels };
}

const secretMount = { secret: 'token', podmanName: secretName, digest: 'keyed-digest', target: '/run/secrets/token', uid: '65534', gid: '0', mode: 0o400 };
const configMount = { config: 'app', podmanName: configName, digest: 'digest', target: '/etc/app.conf', uid: '0', gid: '0', mode: 0o444 };

/** A fixture that sets most of what a ContainerSpec can say. */
function manyOptions(): ContainerIntent[] {
  const port = 20_000 + randomInt(0, 20_000);
  for (const pinned of [port, port + 1, port + 2]) pinnedPorts.add(String(pinned));
  return [
    intent('all', {
      entrypoint: ['/bin/sh', '-c'],
      command: ['echo "$HOME"; sleep 300'],
      environment: { A: 'x=y', B: '2', EMPTY: '' },
      labels: { tier: 'web', [LABEL.service]: 'user-value' },
      ports: [
        { hostIp: '127.0.0.1', published: `${port}-${port + 1}`, target: '80-81', protocol: 'udp' },
        { hostIp: '', published: '', target: '8080', protocol: 'tcp' },
        { hostIp: '', published: String(port + 2), target: '90', protocol: 'tcp' },
      ],
      mounts: [
        { type: 'volume', source: volume, target: '/data', readOnly: true },
        { type: 'volume', source: volume, target: '/data-nocopy', readOnly: false, noCopy: true },
        { type: 'bind', source: bindSource, target: '/conf', readOnly: true, selinux: '', createHostPath: false, propagation: 'rslave' },
        { type: 'bind', source: path.join(bindSource, 'made'), target: '/made', readOnly: false, selinux: '', createHostPath: true },
        { type: 'anonymous', target: '/cache', readOnly: false },
        { type: 'anonymous', target: '/cache-ro', readOnly: true },
        { type: 'tmpfs', target: '/scratch', sizeBytes: 1_048_576, options: ['mode=1777', 'noexec'] },
      ],
      networks: [
        { network, aliases: ['db', 'primary'], ipv4Address: `${subnet}.5`, interfaceName: 'eth7' },
        { network: frontNetwork, aliases: [], ipv4Address: null },
      ],
      healthcheck: { test: ['CMD-SHELL', 'wget -q -O- http://127.0.0.1:8080/ || exit 1'], intervalMs: 2000, timeoutMs: 1500, retries: 2, startPeriodMs: 500, startIntervalMs: 0 },
      restart: 'on-failure',
      restartMaxRetries: 5,
      user: '65534:65534',
      workingDir: '/tmp/work',
      hostname: 'all-options',
      extraHosts: ['db.local:10.0.0.9', 'cache.local:10.0.0.10'],
      init: true,
      readOnly: true,
      capAdd: ['NET_ADMIN', 'SYS_TIME'],
      capDrop: ['MKNOD'],
      securityOpt: ['no-new-privileges:true', 'label=disable', 'seccomp=unconfined'],
      cpus: 0.5,
      memoryBytes: 67_108_864,
      stopSignal: 'SIGINT',
      stopGracePeriodSeconds: 7,
      secrets: [secretMount],
      configs: [configMount],
      shmSizeBytes: 33_554_432,
      ulimits: { nofile: { soft: 512, hard: 1024 } },
      dns: ['10.0.0.53'],
      dnsSearch: ['example.test'],
      dnsOptions: ['ndots:2'],
      sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
      logging: { driver: 'k8s-file', options: { tag: 'all' } },
      stdinOpen: true,
      tty: true,
      ipc: 'shareable',
      groupAdd: ['100'],
      memoryReservationBytes: 33_554_432,
      memorySwappiness: 10,
      cpuShares: 512,
      cpuset: '0',
      pidsLimit: 100,
      oomScoreAdj: 100,
      annotations: { 'org.example.team': 'platform' },
      expose: ['9000/tcp', '9001-9002/udp'],
    }),
    intent('hostish', {
      networkMode: 'host',
      entrypoint: [],
      command: ['sleep', '300'],
      // One element in a CMD list: podman create reads it as a shell command.
      healthcheck: { test: ['CMD', 'true'], intervalMs: 0, timeoutMs: 0, retries: 0, startPeriodMs: 0, startIntervalMs: 0 },
      restart: 'always',
      privileged: true,
      memoryBytes: 33_554_432,
      memorySwapBytes: 50_331_648,
      pidsLimit: -1,
      cpuQuota: 50_000,
      cpuPeriod: 200_000,
      stopSignal: 'TERM',
      pid: 'host',
      uts: 'host',
      usernsMode: 'host',
      securityOpt: ['no-new-privileges:true', 'no-new-privileges:false'],
    }),
    intent('isolated', {
      networkMode: 'none',
      command: null,
      environment: { ONLY: '1' },
      healthcheck: { test: ['CMD', 'wget', '-q', '-O', '-', 'http://127.0.0.1/'], intervalMs: 1000, timeoutMs: 1000, retries: 1, startPeriodMs: 0, startIntervalMs: 0 },
      restart: 'unless-stopped',
      devices: ['/dev/null:/dev/xnull:rwm'],
      cgroupns: 'private',
      mounts: [{ type: 'tmpfs', target: '/run/app/', sizeBytes: null }],
      readOnly: true,
      stopGracePeriodSeconds: 0,
      secrets: [{ ...secretMount, target: 'relative-token', uid: '0', mode: 0o440 }],
    }),
  ];
}

describe('container create through the REST API (SpecGenerator) against `podman create`, on real Podman', () => {
  it('makes the same container as `podman create` for every container of a fixture that sets most options', async () => {
    const containers = manyOptions();
    for (const container of containers) {
      const result = await createBothWays(container);
      expect(result.viaRest, `${container.name} was created through the API`).toBe(true);
      expect(result.differences, `${container.name}: inspect through REST vs podman create`).toEqual([]);
    }
    expect(debugLines).toEqual([]);
    // The comparison sees what differs: two different containers differ in their options.
    const [all, hostish] = await Promise.all([inspect(`${containers[0]!.name}-rest`), inspect(`${containers[1]!.name}-cli`)]);
    const seen = differences('', comparable(all), comparable(hostish)).map((line) => line.split(':')[0]);
    expect(seen).toEqual(expect.arrayContaining(['.Config.Env', '.Config.Healthcheck.Test', '.HostConfig.Ulimits', '.HostConfig.RestartPolicy.Name', '.Mounts', '.Config.StopSignal', '.HostConfig.CapAdd']));
  }, 120_000);

  it('makes the same containers as `podman create` for the demo environment', async () => {
    const project = `${prefix}demo`;
    const environment = readFileSync(path.join(REPO, 'environments', 'demo.yaml'), 'utf8').replace(/^project: .*$/m, `project: ${project}`);
    const desired = desiredFrom('', {
      name: 'demo',
      environment,
      files: {
        'compose/demo.yaml': readFileSync(path.join(REPO, 'environments', 'compose', 'demo.yaml'), 'utf8'),
        'secrets/demo/demo_token.txt': SECRET_VALUE,
      },
    });
    expect(desired.services.map((s) => s.name)).toEqual(['migrate', 'web', 'worker']);
    try {
      for (const net of desired.networks) await viaCli.createNetwork(net);
      for (const vol of desired.volumes) await viaCli.createVolume(vol);
      for (const secret of desired.secrets) await viaCli.createSecret(secret.podmanName, new TextEncoder().encode(SECRET_VALUE), secret.labels);
      for (const service of desired.services) {
        const container: ContainerIntent = { name: `${prefix}-${service.containerNames[0]!}`, service: service.name, replica: 1, spec: service.spec, labels: { ...service.ownerLabels, [LABEL.replica]: '1' } };
        const result = await createBothWays(container);
        expect(result.viaRest, `${service.name} was created through the API`).toBe(true);
        expect(result.differences, `${service.name}: inspect through REST vs podman create`).toEqual([]);
      }
    } finally {
      const names = (await podman(['ps', '--all', '--format', '{{.Names}}'])).split('\n').filter((name) => name.startsWith(prefix));
      if (names.length > 0) await podman(['rm', '--force', '--volumes', '--time', '0', ...names]);
      for (const net of desired.networks) await podman(['network', 'rm', '--force', net.podmanName]).catch(() => undefined);
      for (const vol of desired.volumes) await podman(['volume', 'rm', '--force', vol.podmanName]).catch(() => undefined);
      for (const secret of desired.secrets) await podman(['secret', 'rm', secret.podmanName]).catch(() => undefined);
    }
  }, 120_000);

  it('creates with `podman create` what the builder cannot express exactly, and says why in a debug line', async () => {
    debugLines.length = 0;
    const runtime = intent('fallback', { runtime: 'runc' });
    const swap = intent('swap', { memoryBytes: 33_554_432, memorySwapBytes: -1 });
    for (const [container, reason] of [
      [runtime, /^create .*-fallback-rest with podman create: `runtime`/],
      [swap, /^create .*-swap-rest with podman create: unlimited swap/],
    ] as const) {
      debugLines.length = 0;
      expect(specGenerator(container).ok).toBe(false);
      const result = await createBothWays(container);
      expect(result.viaRest).toBe(false);
      expect(result.differences).toEqual([]);
      expect(debugLines).toEqual([expect.stringMatching(reason)]);
    }
  }, 60_000);

  it('makes the same networks as `podman network create` (one after the other: two networks may not share a subnet)', async () => {
    debugLines.length = 0;
    const third = randomInt(0, 250);
    const networks = [
      desiredNetwork(`${prefix}-n-plain`, { labels: { 'io.phoenix.project': prefix } }),
      desiredNetwork(`${prefix}-n-opts`, { internal: true, options: { mtu: '1400' }, labels: { a: 'b' } }),
      desiredNetwork(`${prefix}-n-subnets`, { subnets: [`10.${subnet.split('.')[1]!}.${third}.0/25`, `10.${subnet.split('.')[1]!}.${third}.128/25`], gateways: { [`10.${subnet.split('.')[1]!}.${third}.128/25`]: `10.${subnet.split('.')[1]!}.${third}.129` } }),
      desiredNetwork(`${prefix}-n-v6`, { ipv6: true, subnets: [`fd${randomBytes(1).toString('hex')}:${randomBytes(2).toString('hex')}::/64`], ipamDriver: 'host-local' }),
    ];
    const inspectNetwork = async (name: string, subnets: readonly string[]): Promise<Record<string, unknown>> => {
      const [raw] = JSON.parse(await podman(['network', 'inspect', name])) as Record<string, unknown>[];
      // Only a network with subnets of its own must go before its twin is made (a removal can take long on a busy host).
      if (subnets.length > 0) await podman(['network', 'rm', name]);
      // Name, id, time and bridge interface differ between any two networks; so do subnets Podman picks.
      const { name: _name, id: _id, created: _created, network_interface: _interface, ...rest } = raw!;
      return rest;
    };
    for (const network of networks) {
      expect(networkRequest(network).ok, network.podmanName).toBe(true);
      await viaApi.createNetwork({ ...network, podmanName: `${network.podmanName}-rest` });
      const rest = await inspectNetwork(`${network.podmanName}-rest`, network.subnets);
      await viaCli.createNetwork({ ...network, podmanName: `${network.podmanName}-cli` });
      const cli = await inspectNetwork(`${network.podmanName}-cli`, network.subnets);
      // Subnets Podman picks (all of them when none is given, an IPv4 one beside an IPv6 subnet) differ from network to network.
      for (const made of [rest, cli]) made.subnets = (made.subnets as { subnet: string }[]).map((entry) => (network.subnets.includes(entry.subnet) ? entry : '<picked by Podman>'));
      expect(differences('', rest, cli), network.podmanName).toEqual([]);
    }
    expect(debugLines).toEqual([]);
    // An allocation range is left to podman network create, which says why.
    const second = subnet.split('.')[1]!;
    const rangedSubnet = `10.${second}.${(third + 1) % 250}.0/24`;
    const ranged = desiredNetwork(`${prefix}-n-range`, { subnets: [rangedSubnet], ipRanges: { [rangedSubnet]: rangedSubnet.replace('.0/24', '.128/25') } });
    await viaApi.createNetwork(ranged);
    expect(debugLines).toEqual([expect.stringMatching(/^create network .*-n-range with podman network create: ip_range/)]);
    const [inspected] = JSON.parse(await podman(['network', 'inspect', ranged.podmanName])) as { subnets: { lease_range?: unknown }[] }[];
    expect(inspected?.subnets[0]?.lease_range).toBeDefined();
  }, 300_000);

  it('never puts a secret value in a request, the API service log or a debug line', () => {
    const log = Buffer.concat(serviceLog).toString('utf8');
    // The service saw the creates (so the check below looked where the requests went).
    expect(log).toMatch(/containers\/create/);
    expect(log).not.toContain(SECRET_VALUE);
    for (const container of manyOptions()) {
      const request = specGenerator(container);
      expect(request.ok).toBe(true);
      expect(JSON.stringify(request)).not.toContain(SECRET_VALUE);
    }
    expect(debugLines.join('\n')).not.toContain(SECRET_VALUE);
  });
});
