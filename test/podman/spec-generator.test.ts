/**
 * The pure SpecGenerator builder (spec-generator.ts): what it maps, how it reads what podman
 * create would read, and what it leaves to podman create. Whether the body makes the same
 * container as podman create is tested on real Podman in spec-generator-equivalence.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { ContainerOptions } from '../../src/model/desired.js';
import { networkRequest } from '../../src/podman/network-request.js';
import { OPTION_SUPPORT, cliHealthTest, signalNumber, specGenerator } from '../../src/podman/spec-generator.js';
import { containerIntent, desiredNetwork } from '../support/podman-fixtures.js';

function body(spec: Parameters<typeof containerIntent>[1], labels: Record<string, string> = {}): Record<string, unknown> {
  const result = specGenerator(containerIntent('p-web-1', spec, labels), 'p-web-1-next');
  if (!result.ok) throw new Error(`unexpected fallback: ${result.reason}`);
  return result.body;
}

describe('specGenerator', () => {
  it('maps the common fields to their SpecGenerator names, the intent labels over the user labels', () => {
    expect(
      body(
        {
          entrypoint: ['/bin/sh', '-c'],
          command: ['echo hi'],
          environment: { A: '1' },
          labels: { 'io.phoenix.service': 'user', tier: 'web' },
          user: '65534',
          workingDir: '/app',
          hostname: 'web',
          extraHosts: ['db:10.0.0.9'],
          restart: 'on-failure',
          restartMaxRetries: 3,
          capAdd: ['NET_ADMIN'],
          capDrop: ['ALL'],
          stopSignal: 'SIGINT',
          stopGracePeriodSeconds: 4,
        },
        { 'io.phoenix.service': 'web' },
      ),
    ).toMatchObject({
      name: 'p-web-1-next',
      image: 'localhost/phoenix-demo/busybox:1',
      entrypoint: ['/bin/sh', '-c'],
      command: ['echo hi'],
      env: { A: '1' },
      labels: { 'io.phoenix.service': 'web', tier: 'web' },
      user: '65534',
      work_dir: '/app',
      hostname: 'web',
      hostadd: ['db:10.0.0.9'],
      restart_policy: 'on-failure',
      restart_tries: 3,
      cap_add: ['NET_ADMIN'],
      cap_drop: ['ALL'],
      stop_signal: 2,
      stop_timeout: 4,
      annotations: { 'io.kubernetes.cri-o.TTY': 'false' },
    });
  });

  it('repeats what podman create adds: swap as much again as memory, --cpus as period and quota, tmpfs for --read-only', () => {
    const request = body({ memoryBytes: 1000, cpus: 1.5, readOnly: true, mounts: [{ type: 'tmpfs', target: '/tmp', sizeBytes: 10 }] });
    expect(request.resource_limits).toEqual({ cpu: { period: 100_000, quota: 150_000 }, memory: { limit: 1000, swap: 2000 } });
    expect(request.read_only_filesystem).toBe(true);
    // The user's /tmp wins over the read-only default at the same place.
    expect((request.mounts as { destination: string; options: string[] }[]).map((m) => `${m.destination} ${m.options.join(',')}`)).toEqual([
      '/tmp size=10',
      '/var/tmp rw,rprivate,nosuid,nodev,tmpcopyup',
      '/run rw,rprivate,nosuid,nodev,tmpcopyup',
    ]);
  });

  it('publishes port ranges as a start and a length, and networks with aliases and static addresses', () => {
    const request = body({
      ports: [
        { hostIp: '127.0.0.1', published: '8000-8001', target: '80-81', protocol: 'udp' },
        { hostIp: '', published: '', target: '90', protocol: 'tcp' },
      ],
      networks: [{ network: 'p-back', aliases: ['db'], ipv4Address: '10.1.0.5', ipv6Address: 'fd00::5' }],
    });
    expect(request.portmappings).toEqual([
      { host_ip: '127.0.0.1', container_port: 80, host_port: 8000, range: 2, protocol: 'udp' },
      { container_port: 90, range: 1, protocol: 'tcp' },
    ]);
    expect(request.netns).toEqual({ nsmode: 'bridge' });
    expect(request.Networks).toEqual({ 'p-back': { aliases: ['db'], static_ips: ['10.1.0.5', 'fd00::5'] } });
    expect(body({ networkMode: 'container:db' }).netns).toEqual({ nsmode: 'container', value: 'db' });
  });

  it('gives secrets by name with numeric owner and mode, never a value', () => {
    const request = body({ secrets: [{ secret: 's', podmanName: 'p-s-ab12', digest: 'd', target: '/run/secrets/s', uid: '65534', gid: '0', mode: 0o400 }] });
    expect(request.secrets).toEqual([{ Source: 'p-s-ab12', Target: '/run/secrets/s', UID: 65534, GID: 0, Mode: 0o400 }]);
  });

  it('reads --health-cmd as podman create 4.3 does, with its defaults for the flags left out, in nanoseconds', () => {
    expect(body({ healthcheck: { test: ['CMD', 'wget', '-q', 'x'], intervalMs: 2000, timeoutMs: 0, retries: 0, startPeriodMs: 0, startIntervalMs: 0 } }).healthconfig).toEqual({
      Test: ['CMD', 'wget', '-q', 'x'],
      Interval: 2_000_000_000,
      Timeout: 30_000_000_000,
      Retries: 3,
      StartPeriod: 0,
    });
    expect(cliHealthTest('["true"]')).toEqual(['CMD-SHELL', 'true']);
    expect(cliHealthTest('curl -f x || exit 1')).toEqual(['CMD-SHELL', 'curl -f x || exit 1']);
    expect(cliHealthTest('CMD  a   b')).toEqual(['CMD', 'a', 'b']);
    expect(cliHealthTest('none')).toEqual(['NONE']);
  });

  it('reads stop signals by name, without SIG, or by number', () => {
    expect(signalNumber('SIGTERM')).toBe(15);
    expect(signalNumber('kill')).toBe(9);
    expect(signalNumber('10')).toBe(10);
  });

  it('leaves to podman create what it cannot repeat exactly, with the reason', () => {
    const reasons = [
      { runtime: 'runc' },
      { platform: 'linux/arm64' },
      { memoryBytes: 10, memorySwapBytes: -1 },
      { securityOpt: ['mask=/proc/acpi'] },
      { usernsMode: 'keep-id' },
      { networkMode: 'slirp4netns:port_handler=slirp4netns' },
      { ports: [{ hostIp: '', published: '8000-8002', target: '80', protocol: 'tcp' as const }] },
      { stopSignal: 'SIGNOPE' },
      { stopGracePeriodSeconds: 1.5 },
      { secrets: [{ secret: 's', podmanName: 'n', digest: 'd', target: '/s', uid: 'app', gid: '0', mode: 0o400 }] },
      { logging: { driver: 'k8s-file', options: { 'max-size': '10m' } } },
      { mounts: [{ type: 'bind' as const, source: '/a', target: '/x', readOnly: false, selinux: '' as const, createHostPath: false }, { type: 'anonymous' as const, target: '/x', readOnly: false }] },
    ].map((spec) => specGenerator(containerIntent('c', spec)));
    for (const result of reasons) {
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason.length > 10).toBe(true);
    }
  });

  it('decides for every ContainerOptions field, and maps the ones it says it maps', () => {
    const values: { readonly [K in keyof Required<ContainerOptions>]: ContainerOptions[K] } = {
      shmSizeBytes: 1024,
      ulimits: { nofile: { soft: 1, hard: 2 } },
      dns: ['10.0.0.53'],
      dnsSearch: ['x.test'],
      dnsOptions: ['ndots:2'],
      sysctls: { 'net.core.somaxconn': '1024' },
      devices: ['/dev/null'],
      deviceCgroupRules: ['c 1:3 rwm'],
      logging: { driver: 'k8s-file', options: { tag: 't' } },
      stdinOpen: true,
      tty: true,
      platform: 'linux/amd64',
      pid: 'host',
      ipc: 'shareable',
      uts: 'host',
      cgroupns: 'private',
      cgroupParent: '/phx',
      groupAdd: ['100'],
      memorySwapBytes: 4096,
      memoryReservationBytes: 512,
      memorySwappiness: 10,
      cpuShares: 512,
      cpuQuota: 1000,
      cpuPeriod: 2000,
      cpuRtPeriod: 1000,
      cpuRtRuntime: 100,
      cpuset: '0',
      pidsLimit: 10,
      oomScoreAdj: 5,
      oomKillDisable: true,
      macAddress: '02:00:00:00:00:01',
      annotations: { a: 'b' },
      runtime: 'runc',
      expose: ['80/tcp'],
      volumesFrom: ['other:ro'],
      blkioWeight: 100,
      blkioWeightDevices: ['/dev/sda:100'],
      deviceReadBps: ['/dev/sda:1mb'],
      deviceReadIops: ['/dev/sda:100'],
      deviceWriteBps: ['/dev/sda:1mb'],
      deviceWriteIops: ['/dev/sda:100'],
    };
    const plain = JSON.stringify(body({}));
    for (const [field, support] of Object.entries(OPTION_SUPPORT)) {
      const result = specGenerator(containerIntent('c', { [field]: values[field as keyof ContainerOptions] }), 'p-web-1-next');
      if (support === true) expect(result.ok && JSON.stringify(result.body) !== plain, `${field} reaches the body`).toBe(true);
      else expect(result, field).toEqual({ ok: false, reason: support });
    }
  });
});

describe('networkRequest', () => {
  it('asks for DNS as podman network create does, pairs each gateway with its subnet, and leaves ranges and other drivers to the CLI', () => {
    expect(networkRequest(desiredNetwork('p-net', { subnets: ['10.9.0.0/24', '10.9.1.0/24'], gateways: { '10.9.1.0/24': '10.9.1.254' }, labels: { a: 'b' }, options: { mtu: '1400' } }))).toEqual({
      ok: true,
      body: {
        name: 'p-net',
        driver: 'bridge',
        options: { mtu: '1400' },
        labels: { a: 'b' },
        internal: false,
        ipv6_enabled: false,
        dns_enabled: true,
        subnets: [{ subnet: '10.9.1.0/24', gateway: '10.9.1.254' }, { subnet: '10.9.0.0/24' }],
      },
    });
    expect(networkRequest(desiredNetwork('p-net', { driver: 'macvlan' }))).toMatchObject({ ok: false, reason: expect.stringMatching(/macvlan/) });
    expect(networkRequest(desiredNetwork('p-net', { subnets: ['10.9.0.0/24'], ipRanges: { '10.9.0.0/24': '10.9.0.128/25' } }))).toMatchObject({ ok: false, reason: expect.stringMatching(/ip_range/) });
  });
});
