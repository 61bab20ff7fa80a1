/**
 * The Compose service surface added for issue 8: each key reaches the desired spec (hence the
 * config hash and the field diff) and the podman create call, merges as Compose merges it, and
 * bad values fail with file:line:col. Manifests are read from memory (a test double for the
 * file system); nothing here runs Podman (test/integration/compose-surface.test.ts does).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVICE_OPTIONS } from '../../src/manifest/service-options.js';
import { REFUSED_KEYS } from '../../src/manifest/refused-keys.js';
import { IGNORED_KEYS } from '../../src/manifest/ignored-keys.js';
import type { ContainerSpec, DesiredService } from '../../src/model/desired.js';
import { containerCreateArgs } from '../../src/podman/create-args.js';
import { diffSpecs } from '../../src/plan/field-diff.js';
import { plan } from '../../src/plan/plan.js';
import { EMPTY_OBSERVED } from '../../src/model/observed.js';
import { formatIssue } from '../../src/model/issue.js';
import { desiredFrom, loadFixture } from '../support/load-fixture.js';
import type { FixtureOptions } from '../support/load-fixture.js';
import { SURFACE_COMPOSE, SURFACE_FILES } from '../support/compose-surface.js';
import { containerIntent } from '../support/podman-fixtures.js';

/** The surface fixture's devices are host paths: the policy must allow them. */
const SURFACE_ENVIRONMENT = 'project: app\ncompose: [compose.yaml]\npolicy:\n  security:\n    allowed_devices: [/dev/null, /dev/zero]\n';

function serviceOf(compose: string, name: string, options: FixtureOptions = {}): DesiredService {
  const found = desiredFrom(compose, { files: SURFACE_FILES, environment: SURFACE_ENVIRONMENT, ...options }).services.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no service ${name}`);
  return found;
}

function issues(compose: string, options: FixtureOptions = {}): string[] {
  const result = loadFixture(compose, { files: SURFACE_FILES, ...options });
  return (result.ok ? result.warnings : result.issues).map(formatIssue);
}

const BASE = 'services:\n  web:\n    image: localhost/phoenix-demo/busybox:1\n';

describe('every new service key reaches the spec and podman create', () => {
  const web = serviceOf(SURFACE_COMPOSE, 'web');
  const spec: ContainerSpec = web.spec;

  it('normalises each key into its ContainerSpec field', () => {
    expect(spec).toMatchObject({
      shmSizeBytes: 128 * 1024 * 1024,
      ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: { soft: 4096, hard: 4096 } },
      dns: ['10.0.0.53'],
      dnsSearch: ['example.internal'],
      dnsOptions: ['ndots:2'],
      sysctls: { 'net.core.somaxconn': '1024' },
      devices: ['/dev/null:/dev/phx-null:rwm', '/dev/zero:/dev/phx-zero:r'],
      deviceCgroupRules: ['c 1:3 mr'],
      logging: { driver: 'json-file', options: { 'max-size': '10m' } },
      stdinOpen: true,
      tty: true,
      platform: 'linux/amd64',
      pid: 'container:app-test-db-1',
      ipc: 'private',
      uts: 'private',
      cgroupns: 'private',
      cgroupParent: 'phoenix-surface',
      groupAdd: ['100', 'audio'],
      memoryBytes: 64 * 1024 * 1024,
      memorySwapBytes: 128 * 1024 * 1024,
      memoryReservationBytes: 32 * 1024 * 1024,
      memorySwappiness: 10,
      cpus: 0.5,
      cpuShares: 512,
      cpuQuota: 50_000,
      cpuPeriod: 100_000,
      cpuRtPeriod: 1_000_000,
      cpuRtRuntime: 0,
      cpuset: '0',
      pidsLimit: 100,
      oomScoreAdj: 100,
      oomKillDisable: true,
      macAddress: '92:d0:c6:0a:29:33',
      annotations: { 'io.example/owner': 'ops' },
      runtime: 'runc',
      expose: ['8080/tcp', '9000/udp'],
      blkioWeight: 300,
      deviceReadBps: ['/dev/sda:1048576'],
      volumesFrom: ['app-test-db-1:ro'],
      labels: { 'from.file': 'yes', tier: 'front' },
    });
    expect(spec.mounts).toContainEqual({ type: 'tmpfs', target: '/run', sizeBytes: 65536, options: ['rw', 'noexec', 'nosuid', 'mode=1777'] });
  });

  it('links, volumes_from and pid: service:NAME make dependencies; a link alias becomes a network alias of the linked service', () => {
    expect(web.dependsOn.map((d) => [d.service, d.condition])).toEqual([['db', 'service_started']]);
    const db = serviceOf(SURFACE_COMPOSE, 'db');
    expect(db.spec.networks[0]?.aliases).toEqual(['database', 'db']);
  });

  it('deploy.resources.limits.pids and reservations.memory set the same fields as pids_limit and mem_reservation', () => {
    const db = serviceOf(SURFACE_COMPOSE, 'db');
    expect(db.spec).toMatchObject({ pidsLimit: 50, memoryReservationBytes: 16 * 1024 * 1024 });
  });

  it('maps each field to the podman create flag (checked against podman create --help of 4.3.1)', () => {
    const args = containerCreateArgs(containerIntent('app-test-web-1', spec));
    const pairs = (flag: string): string[] => args.flatMap((arg, i) => (arg === flag ? [args[i + 1]!] : []));
    expect(args.slice(0, 3)).toEqual(['--runtime', 'runc', 'create']);
    expect(pairs('--shm-size')).toEqual(['134217728']);
    expect(pairs('--ulimit')).toEqual(['nofile=1024:2048', 'nproc=4096:4096']);
    expect(pairs('--dns')).toEqual(['10.0.0.53']);
    expect(pairs('--dns-search')).toEqual(['example.internal']);
    expect(pairs('--dns-option')).toEqual(['ndots:2']);
    expect(pairs('--sysctl')).toEqual(['net.core.somaxconn=1024']);
    expect(pairs('--device')).toEqual(['/dev/null:/dev/phx-null:rwm', '/dev/zero:/dev/phx-zero:r']);
    expect(pairs('--device-cgroup-rule')).toEqual(['c 1:3 mr']);
    expect(pairs('--log-driver')).toEqual(['json-file']);
    expect(pairs('--log-opt')).toEqual(['max-size=10m']);
    expect(args).toContain('--interactive');
    expect(args).toContain('--tty');
    expect(args).toContain('--oom-kill-disable');
    expect(pairs('--platform')).toEqual(['linux/amd64']);
    expect(pairs('--pid')).toEqual(['container:app-test-db-1']);
    expect(pairs('--ipc')).toEqual(['private']);
    expect(pairs('--uts')).toEqual(['private']);
    expect(pairs('--cgroupns')).toEqual(['private']);
    expect(pairs('--cgroup-parent')).toEqual(['phoenix-surface']);
    expect(pairs('--group-add')).toEqual(['100', 'audio']);
    expect(pairs('--memory')).toEqual(['67108864']);
    expect(pairs('--memory-swap')).toEqual(['134217728']);
    expect(pairs('--memory-reservation')).toEqual(['33554432']);
    expect(pairs('--memory-swappiness')).toEqual(['10']);
    expect(pairs('--cpus')).toEqual(['0.5']);
    expect(pairs('--cpu-shares')).toEqual(['512']);
    expect(pairs('--cpu-quota')).toEqual(['50000']);
    expect(pairs('--cpu-period')).toEqual(['100000']);
    expect(pairs('--cpu-rt-period')).toEqual(['1000000']);
    expect(pairs('--cpu-rt-runtime')).toEqual(['0']);
    expect(pairs('--cpuset-cpus')).toEqual(['0']);
    expect(pairs('--pids-limit')).toEqual(['100']);
    expect(pairs('--oom-score-adj')).toEqual(['100']);
    expect(pairs('--mac-address')).toEqual(['92:d0:c6:0a:29:33']);
    expect(pairs('--annotation')).toEqual(['io.example/owner=ops']);
    expect(pairs('--expose')).toEqual(['8080/tcp', '9000/udp']);
    expect(pairs('--blkio-weight')).toEqual(['300']);
    expect(pairs('--device-read-bps')).toEqual(['/dev/sda:1048576']);
    expect(pairs('--volumes-from')).toEqual(['app-test-db-1:ro']);
    expect(pairs('--tmpfs')).toEqual(['/run:rw,noexec,nosuid,mode=1777,size=65536']);
    expect(pairs('--label')).toContain('from.file=yes');
  });

  it('prints notes for expose and for keys Phoenix accepts and ignores; the environment stays valid', () => {
    const result = loadFixture(SURFACE_COMPOSE, { files: SURFACE_FILES, environment: SURFACE_ENVIRONMENT });
    expect(result.ok).toBe(true);
    const notes = (result.ok ? result.warnings : []).filter((i) => i.severity === 'note').map(formatIssue);
    expect(notes).toContainEqual(expect.stringMatching(/^environments\/compose\.yaml:\d+:5 note PHX-EXPOSE-NOTE services\.web\.expose: expose only documents/));
    expect(notes).toContainEqual(expect.stringContaining('note PHX-KEY-IGNORED services.web.develop: develop configures `docker compose watch`'));
    expect(notes).toContainEqual(expect.stringContaining('note PHX-KEY-IGNORED services.web.attach:'));
    expect(notes).toContainEqual(expect.stringContaining("note PHX-PODMAN-DIFFERENCE services.web.dns: with dns, Podman 4.3 writes only these servers into resolv.conf, so the other services' names stop resolving"));
  });

  it('ipam.options (Phoenix Hydra puts a bridge option there) is a note, and the network is created as without it', () => {
    const compose = 'services:\n  web:\n    image: localhost/phoenix-demo/busybox:1\n    networks: [front]\nnetworks:\n  front:\n    ipam:\n      config: [{subnet: 10.89.7.0/24}]\n      options:\n        com.docker.network.bridge.host_binding_ipv4: "0.0.0.0"\n';
    const result = loadFixture(compose);
    expect(result.ok).toBe(true);
    const notes = (result.ok ? result.warnings : []).filter((i) => i.severity === 'note').map(formatIssue);
    expect(notes).toContainEqual(expect.stringMatching(/^environments\/compose\.yaml:9:7 note PHX-KEY-IGNORED networks\.front\.ipam\.options: Podman 4\.3's IPAM drivers take no options/));
    const network = desiredFrom(compose).networks.find((n) => n.name === 'front');
    expect(network?.subnets).toEqual(['10.89.7.0/24']);
    expect(network?.options).toEqual({});
  });
});

describe('config hash', () => {
  it('a change to any new key changes the hash, and the field diff names the field', () => {
    const before = serviceOf(SURFACE_COMPOSE, 'web');
    const changes: [string, string, string][] = [
      ['shm_size: 128m', 'shm_size: 256m', 'shmSizeBytes'],
      ['nproc: 4096', 'nproc: 2048', 'ulimits.nproc.hard'],
      ['dns: 10.0.0.53', 'dns: 10.0.0.54', 'dns[0]'],
      ['net.core.somaxconn: 1024', 'net.core.somaxconn: 512', 'sysctls["net.core.somaxconn"]'],
      ['max-size: 10m', 'max-size: 20m', 'logging.options.max-size'],
      ['pids_limit: 100', 'pids_limit: 200', 'pidsLimit'],
      ['cpu_shares: 512', 'cpu_shares: 256', 'cpuShares'],
      ['tty: true', 'tty: false', 'tty'],
      ['cgroup_parent: phoenix-surface', 'cgroup_parent: other', 'cgroupParent'],
    ];
    for (const [from, to, field] of changes) {
      expect(SURFACE_COMPOSE).toContain(from);
      const after = serviceOf(SURFACE_COMPOSE.replace(from, to), 'web');
      expect(after.configHash, from).not.toBe(before.configHash);
      expect(diffSpecs(JSON.parse(before.ownerLabels['io.phoenix.applied-spec']!), after.spec).map((c) => c.path), from).toContain(field);
    }
  });

  it('a false boolean is the same as leaving it out (tty: false does not recreate)', () => {
    const plain = serviceOf(BASE, 'web').configHash;
    expect(serviceOf(`${BASE}    tty: false\n    stdin_open: false\n    oom_kill_disable: false\n`, 'web').configHash).toBe(plain);
  });
});

describe('overlays merge as Compose merges', () => {
  const overlayEnv = 'project: app\ncompose: [compose.yaml, override.yaml]\n';
  const base = `${BASE}    dns: [10.0.0.1]\n    sysctls: {net.core.somaxconn: 1024}\n    logging: {driver: json-file, options: {max-size: 10m}}\n    shm_size: 64m\n    ulimits: {nproc: 4096}\n`;
  const merged = (override: string): ContainerSpec => serviceOf(base, 'web', { environment: overlayEnv, files: { ...SURFACE_FILES, 'override.yaml': override } }).spec;

  it('sequences append, mappings merge by key, scalars are replaced', () => {
    const spec = merged('services:\n  web:\n    dns: [10.0.0.2]\n    sysctls: {net.ipv4.ip_forward: 1}\n    shm_size: 128m\n    ulimits: {nofile: 1024}\n');
    expect(spec.dns).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(spec.sysctls).toEqual({ 'net.core.somaxconn': '1024', 'net.ipv4.ip_forward': '1' });
    expect(spec.shmSizeBytes).toBe(128 * 1024 * 1024);
    expect(spec.ulimits).toEqual({ nproc: { soft: 4096, hard: 4096 }, nofile: { soft: 1024, hard: 1024 } });
  });

  it('logging: the same driver merges options; another driver replaces the whole', () => {
    expect(merged('services:\n  web:\n    logging: {options: {max-file: 3}}\n').logging).toEqual({ driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } });
    expect(merged('services:\n  web:\n    logging: {driver: none}\n').logging).toEqual({ driver: 'none', options: {} });
  });

  it('!reset removes and !override replaces a key', () => {
    const spec = merged('services:\n  web:\n    dns: !reset []\n    sysctls: !override {net.ipv4.ip_forward: 1}\n');
    expect(spec.dns).toBeUndefined();
    expect(spec.sysctls).toEqual({ 'net.ipv4.ip_forward': '1' });
  });
});

describe('Compose forms', () => {
  it('extra_hosts: list (host:ip, host=ip, [IPv6]) and map (one address or a list)', () => {
    const spec = serviceOf(`${BASE}    extra_hosts: ["a:10.0.0.1", "b=10.0.0.2", "c=[::1]"]\n`, 'web').spec;
    expect(spec.extraHosts).toEqual(['a:10.0.0.1', 'b:10.0.0.2', 'c:::1']);
    const map = serviceOf(`${BASE}    extra_hosts:\n      a: 10.0.0.1\n      multi: [10.0.0.3, 10.0.0.4]\n`, 'web').spec;
    expect(map.extraHosts).toEqual(['a:10.0.0.1', 'multi:10.0.0.3', 'multi:10.0.0.4']);
  });

  it('deploy.restart_policy is the restart policy when restart is not set', () => {
    const policy = (text: string): string => {
      const s = serviceOf(`${BASE}    deploy:\n      restart_policy: ${text}\n`, 'web').spec;
      return s.restartMaxRetries > 0 ? `${s.restart}:${s.restartMaxRetries}` : s.restart;
    };
    expect(policy('{condition: on-failure, max_attempts: 3}')).toBe('on-failure:3');
    expect(policy('{condition: any}')).toBe('always');
    expect(policy('{condition: none}')).toBe('no');
    expect(serviceOf(`${BASE}    restart: unless-stopped\n    deploy:\n      restart_policy: {condition: none}\n`, 'web').spec.restart).toBe('unless-stopped');
  });

  it("network_mode: service:NAME joins that service's first container and depends on it", () => {
    const web = serviceOf(`${BASE}    network_mode: service:vpn\n  vpn:\n    image: localhost/phoenix-demo/busybox:1\n`, 'web');
    expect(web.spec.networkMode).toBe('container:app-test-vpn-1');
    expect(web.dependsOn.map((d) => d.service)).toEqual(['vpn']);
  });

  it('long mounts: bind propagation, volume nocopy, tmpfs mode', () => {
    const spec = serviceOf(
      `${BASE}    volumes:\n      - {type: bind, source: /srv, target: /srv, bind: {propagation: rslave}}\n      - {type: volume, source: data, target: /data, volume: {nocopy: true}}\n      - {type: tmpfs, target: /t, tmpfs: {mode: "1770"}}\nvolumes:\n  data:\n`,
      'web',
      { environment: 'project: app\ncompose: [compose.yaml]\npolicy:\n  security:\n    allowed_host_paths: [/srv]\n' },
    ).spec;
    const args = spec.mounts.flatMap((m) => containerCreateArgs(containerIntent('x', { ...spec, mounts: [m] })).filter((a) => a.includes(m.target) && a.includes(':')));
    expect(args).toEqual(['app-test-data:/data:nocopy', '/srv:/srv:rslave', '/t:mode=1770']);
  });

  it('network attachments: ipv6_address, mac_address, interface_name', () => {
    const spec = serviceOf(`${BASE}    networks:\n      front: {ipv6_address: "fd00::5", mac_address: "92:D0:C6:0A:29:34", interface_name: eth5}\nnetworks:\n  front:\n`, 'web').spec;
    const args = containerCreateArgs(containerIntent('x', spec));
    expect(args[args.indexOf('--network') + 1]).toBe('app-test-front:alias=web,ip6=fd00::5,mac=92:d0:c6:0a:29:34,interface_name=eth5');
  });
});

describe('bad input: a clear error at file:line:col', () => {
  const cases: [string, string, string][] = [
    ['shm_size: lots', 'environments/compose.yaml:4:15 error PHX-SCHEMA services.web.shm_size:', 'shm_size'],
    ['ulimits: {nofile: {soft: 2048, hard: 1024}}', 'environments/compose.yaml:4:23 error PHX-INVALID-VALUE services.web.ulimits.nofile: the soft limit 2048 is above the hard limit 1024.', 'ulimits'],
    ['ulimits: {nofile: {soft: 1}}', 'error PHX-SCHEMA services.web.ulimits.nofile', 'ulimits missing hard'],
    ['devices: ["sda"]', 'environments/compose.yaml:4:15 error PHX-INVALID-VALUE services.web.devices[0]: "sda" is not a device.', 'devices'],
    ['devices: ["/dev/sda:/dev/sda:xyz"]', 'error PHX-INVALID-VALUE services.web.devices[0]: "/dev/sda:/dev/sda:xyz" is not a device mapping.', 'device perms'],
    ['logging: {driver: syslog}', 'environments/compose.yaml:4:23 error PHX-INVALID-VALUE services.web.logging.driver: Podman has no "syslog" log driver.', 'log driver'],
    ['mem_swappiness: 101', 'environments/compose.yaml:4:21 error PHX-SCHEMA services.web.mem_swappiness', 'swappiness'],
    ['oom_score_adj: 5000', 'error PHX-SCHEMA services.web.oom_score_adj', 'oom'],
    ['cpu_quota: soon', 'error PHX-SCHEMA services.web.cpu_quota', 'quota'],
    ['pids_limit: -5', 'environments/compose.yaml:4:17 error PHX-INVALID-VALUE services.web.pids_limit: "-5" is not a whole number of at least -1.', 'pids'],
    ['mac_address: 92:d0', 'environments/compose.yaml:4:18 error PHX-INVALID-VALUE services.web.mac_address: "92:d0" is not a MAC address.', 'mac'],
    ['cgroup: shared', 'environments/compose.yaml:4:13 error PHX-SCHEMA services.web.cgroup: services.web.cgroup must be one of "host", "private".', 'cgroup'],
    ['expose: ["80/http"]', 'environments/compose.yaml:4:14 error PHX-INVALID-VALUE services.web.expose[0]: "80/http" is not a port.', 'expose'],
    ['tmpfs: /run:size=big', 'error PHX-INVALID-VALUE services.web.tmpfs: tmpfs "/run:size=big" has options Phoenix does not understand.', 'tmpfs'],
    ['volumes_from: [nowhere]', 'error PHX-DEPENDS-ON-MISSING', 'volumes_from'],
    ['links: [nowhere]', 'error PHX-DEPENDS-ON-MISSING', 'links'],
    ['external_links: ["cache:other"]', 'environments/compose.yaml:4:22 error PHX-UNSUPPORTED-VALUE services.web.external_links: external_links "cache:other" gives the container another name', 'external_links'],
    ['label_file: missing.labels', 'environments/compose.yaml:4:17 error PHX-FILE-NOT-FOUND services.web.label_file: label_file environments/missing.labels does not exist.', 'label_file'],
    ['mem_limit: 64m\n    deploy: {resources: {limits: {memory: 32m}}}', 'environments/compose.yaml:4:16 error PHX-INVALID-VALUE services.web.mem_limit: mem_limit and deploy.resources.limits.memory are both set, to different values.', 'mem_limit'],
    ['pids_limit: 10\n    deploy: {resources: {limits: {pids: 20}}}', 'environments/compose.yaml:4:17 error PHX-INVALID-VALUE services.web.pids_limit: pids_limit and deploy.resources.limits.pids are both set, to different values.', 'pids both'],
  ];
  it.each(cases)('%s', (line, expected) => {
    const found = issues(`${BASE}    ${line}\n`);
    expect(found.join('\n')).toContain(expected);
    expect(loadFixture(`${BASE}    ${line}\n`, { files: SURFACE_FILES }).ok).toBe(false);
  });
});

describe('x- extensions wherever the Compose Specification allows them', () => {
  it('are accepted in nested mappings: deploy, resources, logging, healthcheck, depends_on, ports, volumes, devices, ulimits, networks, ipam', () => {
    const compose = `x-top: 1
services:
  web:
    image: localhost/phoenix-demo/busybox:1
    x-service: 1
    deploy: {x-a: 1, resources: {x-b: 1, limits: {x-c: 1}, reservations: {x-d: 1}}, restart_policy: {x-e: 1}}
    logging: {x-f: 1}
    healthcheck: {test: [CMD, "true"], x-g: 1}
    depends_on: {db: {condition: service_started, x-h: 1}}
    ports: [{target: 80, x-i: 1}]
    volumes: [{type: tmpfs, target: /t, x-j: 1, tmpfs: {x-k: 1}}]
    devices: [{source: /dev/null, x-l: 1}]
    ulimits: {nofile: {soft: 1, hard: 1, x-m: 1}}
    build: {context: ., dockerfile_inline: "FROM scratch", x-u: 1}
    networks: {front: {x-n: 1}}
    secrets: [{source: token, x-o: 1}]
  db:
    image: localhost/phoenix-demo/busybox:1
networks:
  front: {x-p: 1, ipam: {x-q: 1, config: [{subnet: 10.89.9.0/24, x-r: 1}]}}
volumes:
  data: {x-s: 1}
secrets:
  token: {environment: TOKEN, x-t: 1}
`;
    const result = loadFixture(compose, { processEnv: { TOKEN: 'x' }, environment: SURFACE_ENVIRONMENT });
    expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual([]);
  });

  it('the unknown-key error suggests x-<key> only where x- is allowed, and x-driver is then accepted', () => {
    const network = 'services:\n  web:\n    image: localhost/phoenix-demo/busybox:1\nnetworks:\n  n:\n    drivr: bridge\n';
    const [first] = issues(network);
    expect(first).toBe('environments/compose.yaml:6:5 error PHX-UNKNOWN-KEY networks.n.drivr: Phoenix does not support the key "drivr" here. Remove it or correct its spelling (docs/manifest.md lists every key); rename it x-drivr to keep it as an extension.');
    expect(loadFixture(network.replace('drivr', 'x-drivr')).ok).toBe(true);
    // env_file entries and blkio_config take no extensions in the spec: no x- advice there.
    expect(issues(`${BASE}    env_file: [{path: a.env, bogus: 1}]\n`).join('\n')).toContain('lists every key).');
    expect(issues(`${BASE}    env_file: [{path: a.env, bogus: 1}]\n`).join('\n')).not.toContain('x-bogus');
    expect(issues(`${BASE}    blkio_config: {x-a: 1}\n`).join('\n')).toContain('PHX-UNKNOWN-KEY services.web.blkio_config.x-a');
  });
});

describe('keys Podman cannot honour: PHX-UNSUPPORTED-KEY with the reason, never "unknown key"', () => {
  const refused: [string, string][] = [
    ['isolation: hyperv', 'it applies to Windows containers only'],
    ['credential_spec: {file: x.json}', 'Windows containers only'],
    ['domainname: example.com', 'no --domainname flag'],
    ['storage_opt: {size: 1G}', 'no per-container storage options'],
    ['post_start: [{command: echo}]', 'no lifecycle hooks'],
    ['pre_stop: [{command: echo}]', 'no lifecycle hooks'],
    ['gpus: all', 'no --gpus flag'],
    ['cpu_count: 2', 'Windows containers only'],
    ['use_api_socket: true', 'Docker Engine API socket'],
    ['deploy: {resources: {reservations: {devices: [{capabilities: [gpu]}]}}}', 'scheduler feature'],
    ['networks: {front: {link_local_ips: [169.254.0.5]}}\nnetworks:\n  front:', 'link-local'],
    ['pull_refresh_after: 12h', 'pull_policy: refresh'],
    ['env_file: [{path: a.env, format: raw}]', "KEY=VALUE format only"],
  ];
  it.each(refused)('%s', (line, reason) => {
    const found = issues(`${BASE}    ${line}\n`).join('\n');
    expect(found).toMatch(/environments\/compose\.yaml:\d+:\d+ error PHX-UNSUPPORTED-KEY services\.web\.[a-z_.[\]0-9]+: Phoenix cannot honour "/);
    expect(found).toContain(reason);
    expect(found).not.toContain('PHX-UNKNOWN-KEY');
  });
});

describe('docs/manifest.md and docs/errors.md keep up with the registries', () => {
  const manifestDoc = readFileSync(new URL('../../docs/manifest.md', import.meta.url), 'utf8');
  const errorsDoc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

  it('every option key, refused key and ignored key is in the inventory', () => {
    const keys = [...SERVICE_OPTIONS.map((row) => row.key), ...Object.values(REFUSED_KEYS).flatMap((table) => Object.keys(table ?? {})), ...Object.values(IGNORED_KEYS).flatMap((table) => Object.keys(table))];
    expect(keys.filter((key) => !manifestDoc.includes(`\`${key}\``) && !manifestDoc.includes(`.${key}\``) && !manifestDoc.includes(`,${key}`) && !manifestDoc.includes(`{${key},`))).toEqual([]);
  });

  it('every new code is explained', () => {
    for (const code of ['PHX-UNSUPPORTED-KEY', 'PHX-UNSUPPORTED-VALUE', 'PHX-KEY-IGNORED', 'PHX-EXPOSE-NOTE', 'PHX-PODMAN-DIFFERENCE']) expect(errorsDoc).toContain(`\`${code}\``);
  });
});

describe('the plan creates a container after the containers it joins or takes volumes from', () => {
  it('volumes_from, pid and network_mode service:NAME order the creates (the planner is pure: no Podman here)', () => {
    const compose = `services:
  a-web:
    image: localhost/phoenix-demo/busybox:1
    volumes_from: [z-db]
    pid: service:m-vpn
  m-vpn:
    image: localhost/phoenix-demo/busybox:1
    network_mode: service:z-db
  z-db:
    image: localhost/phoenix-demo/busybox:1
`;
    const result = plan(desiredFrom(compose), EMPTY_OBSERVED);
    if (!result.ok) throw new Error('plan failed');
    const createOf = (name: string) => result.value.actions.find((a) => a.kind === 'container.create' && a.container.name === name)!;
    const [web, vpn, db] = [createOf('app-test-a-web-1'), createOf('app-test-m-vpn-1'), createOf('app-test-z-db-1')];
    expect(web.dependsOn).toEqual(expect.arrayContaining([vpn.id, db.id]));
    expect(vpn.dependsOn).toContain(db.id);
  });
});

describe('the security policy covers the new keys', () => {
  const denied: [string, string][] = [
    ['pid: host', 'environments/compose.yaml:4:10 error PHX-POLICY-HOST-NAMESPACE services.web.pid: "web" shares the host\'s pid namespace, which this environment\'s policy does not allow.'],
    ['ipc: host', 'error PHX-POLICY-HOST-NAMESPACE services.web.ipc:'],
    ['uts: host', 'error PHX-POLICY-HOST-NAMESPACE services.web.uts:'],
    ['cgroup: host', 'error PHX-POLICY-HOST-NAMESPACE services.web.cgroup:'],
    ['userns_mode: host', 'error PHX-POLICY-HOST-NAMESPACE services.web.userns_mode:'],
    ['devices: [/dev/fuse]', 'environments/compose.yaml:4:14 error PHX-POLICY-DEVICE services.web.devices: "web" is given the host device /dev/fuse, which this environment\'s allowed_devices does not list.'],
  ];
  it.each(denied)('%s is refused by default', (line, expected) => {
    expect(issues(`${BASE}    ${line}\n`).join('\n')).toContain(expected);
  });

  it('allow_host_namespaces and allowed_devices open them; a CDI device name is no host path', () => {
    const environment = 'project: app\ncompose: [compose.yaml]\npolicy:\n  security:\n    allow_host_namespaces: true\n    allowed_devices: [/dev/fuse]\n';
    const spec = serviceOf(`${BASE}    pid: host\n    uts: host\n    devices: [/dev/fuse, nvidia.com/gpu=all]\n`, 'web', { environment }).spec;
    expect(spec).toMatchObject({ pid: 'host', uts: 'host', devices: ['/dev/fuse', 'nvidia.com/gpu=all'] });
  });
});
