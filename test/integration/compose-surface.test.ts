/**
 * The Compose service surface against REAL Podman: containers created through Phoenix carry
 * what each key asked for, as `podman inspect` and the running process see it; a re-apply
 * changes nothing; a changed key recreates with the field named; network IPAM details reach
 * `podman network create`; bad values leave Podman untouched.
 */
import { describe, expect, it } from 'vitest';
import { IMAGE, podman, service, useIntegrationSuite } from './support.js';

const suite = useIntegrationSuite();

interface Inspect {
  Id: string;
  Config: { Labels: Record<string, string>; Annotations?: Record<string, string>; Tty: boolean; OpenStdin: boolean};
  OCIRuntime: string;
  NetworkSettings: { Ports: Record<string, unknown>; Networks: Record<string, { Aliases?: string[] }> };
  HostConfig: {
    ShmSize: number;
    Ulimits: { Name: string; Soft: number; Hard: number }[];
    Dns: string[];
    DnsSearch: string[];
    DnsOptions: string[];
    Sysctls?: Record<string, string>;
    PidsLimit: number;
    LogConfig: { Type: string; Size: string };
    Memory: number;
    MemorySwap: number;
    MemoryReservation: number;
    NanoCpus: number;
    CpuShares: number;
    OomScoreAdj: number;
    Devices: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[];
    GroupAdd?: string[];
    PidMode: string;
    CgroupnsMode?: string;
  };
}

async function inspect(name: string): Promise<Inspect> {
  return (JSON.parse(await podman(['container', 'inspect', name])) as Inspect[])[0]!;
}

async function exec(container: string, script: string): Promise<string> {
  return (await podman(['exec', container, 'sh', '-c', script])).trim();
}

describe.sequential('the Compose surface against real Podman', { timeout: 180_000 }, () => {
  it('each key reaches the container; a re-apply changes nothing; a changed key recreates, naming the field', async () => {
    const project = suite.project();
    project.writeEnvironment({ policy: { prune: false, security: { allowed_devices: ['/dev/null'] } } });
    project.writeFile('environments/compose/web.labels', 'from.file=yes\n');
    const web = {
      shm_size: '128m',
      // Both nofile and nproc: Podman replaces its default ulimits when any is given.
      ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: 4096 },
      dns: '10.0.0.53',
      dns_search: ['example.internal'],
      dns_opt: ['ndots:2'],
      sysctls: { 'net.core.somaxconn': 1024 },
      pids_limit: 100,
      logging: { driver: 'json-file', options: { 'max-size': '10m' } },
      mem_limit: '64m',
      memswap_limit: '128m',
      mem_reservation: '32m',
      cpus: 0.5,
      cpu_shares: 512,
      oom_score_adj: 100,
      devices: ['/dev/null:/dev/phx-null:rwm'],
      annotations: { 'io.example/owner': 'ops' },
      group_add: ['100'],
      label_file: 'web.labels',
      expose: [8080],
      tty: true,
      stdin_open: true,
      runtime: 'runc',
      pid: 'service:db',
      volumes_from: ['db:ro'],
      links: ['db:database'],
      tmpfs: ['/scratch:size=64k,mode=1770'],
    };
    project.writeCompose({
      services: { web: service(web), db: service({ volumes: ['data:/data'] }) },
      volumes: { data: {} },
    });
    const first = await project.apply();
    expect(first.stderr).toContain('note PHX-EXPOSE-NOTE services.web.expose');

    const info = await inspect(project.container('web'));
    const db = await inspect(project.container('db'));
    expect(info.HostConfig.ShmSize).toBe(128 * 1024 * 1024);
    expect(info.HostConfig.Ulimits).toEqual(expect.arrayContaining([{ Name: 'RLIMIT_NOFILE', Soft: 1024, Hard: 2048 }, { Name: 'RLIMIT_NPROC', Soft: 4096, Hard: 4096 }]));
    expect(info.HostConfig.Dns).toEqual(['10.0.0.53']);
    expect(info.HostConfig.DnsSearch).toEqual(['example.internal']);
    expect(info.HostConfig.DnsOptions).toEqual(['ndots:2']);
    expect(info.HostConfig.PidsLimit).toBe(100);
    expect(info.HostConfig.LogConfig).toMatchObject({ Type: 'json-file', Size: '10MB' });
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(info.HostConfig.MemorySwap).toBe(128 * 1024 * 1024);
    expect(info.HostConfig.MemoryReservation).toBe(32 * 1024 * 1024);
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.CpuShares).toBe(512);
    expect(info.HostConfig.OomScoreAdj).toBe(100);
    expect(info.HostConfig.Devices).toMatchObject([{ PathOnHost: '/dev/null', PathInContainer: '/dev/phx-null' }]);
    expect(info.HostConfig.PidMode).toBe(`container:${db.Id}`);
    expect(info.Config.Annotations).toMatchObject({ 'io.example/owner': 'ops' });
    expect(info.Config.Labels).toMatchObject({ 'from.file': 'yes' });
    expect(info.Config.Tty).toBe(true);
    expect(info.Config.OpenStdin).toBe(true);
    // Podman 4.3 shows an exposed port as an unpublished one.
    expect(info.NetworkSettings.Ports).toHaveProperty(['8080/tcp'], null);
    expect(info.OCIRuntime).toBe('runc');
    expect(db.HostConfig.PidsLimit).toBe(2048);

    // What the process inside sees.
    const container = project.container('web');
    expect(await exec(container, 'cat /etc/resolv.conf')).toMatch(/nameserver 10\.0\.0\.53[\s\S]*|search example\.internal/);
    expect(await exec(container, 'cat /etc/resolv.conf')).toContain('ndots:2');
    expect(await exec(container, 'cat /proc/sys/net/core/somaxconn')).toBe('1024');
    expect(await exec(container, 'ulimit -Hn')).toBe('2048');
    expect(await exec(container, "df -k /dev/shm | tail -1 | awk '{print $2}'")).toBe('131072');
    expect(await exec(container, 'ls -l /dev/phx-null | cut -c1')).toBe('c');
    expect(await exec(container, 'id -G')).toContain('100');
    // volumes_from: db's volume is mounted read-only; pid: the namespace is db's (its PID 1 is db's loop).
    expect(await exec(container, 'grep " /data " /proc/mounts')).toMatch(/ ro[ ,]/);
    expect(await exec(container, 'cat /proc/1/cmdline | tr "\\0" " "')).toContain('sh -c');
    // links: db carries the alias on the shared network. (web cannot look it up here: with
    // `dns:` Podman's resolv.conf names only those servers, not the network's own DNS.)
    expect(db.NetworkSettings.Networks[project.object('default')]?.Aliases).toEqual(expect.arrayContaining(['database', 'db']));
    expect(await exec(container, "grep ' /scratch ' /proc/mounts")).toContain('size=64k');
    expect(await exec(container, 'stat -c %a /scratch')).toBe('1770');

    const again = await project.apply();
    expect(again.stdout).toContain('No changes');

    project.writeCompose({
      services: { web: service({ ...web, shm_size: '256m' }), db: service({ volumes: ['data:/data'] }) },
      volumes: { data: {} },
    });
    const plan = await project.phoenix(['plan']);
    expect(plan.stdout).toMatch(/recreate[\s\S]*shmSizeBytes/);
    await project.apply();
    expect((await inspect(project.container('web'))).HostConfig.ShmSize).toBe(256 * 1024 * 1024);
  });

  it('network ipam gateway, ip_range and driver, and enable_ipv6, reach podman network create', async () => {
    const project = suite.project();
    const octet = 100 + Math.floor(Math.random() * 150);
    const subnet = `10.${octet}.${Math.floor(Math.random() * 250)}.0/24`;
    const prefix = subnet.slice(0, subnet.lastIndexOf('.'));
    project.writeCompose({
      services: { web: service({ networks: ['front'] }) },
      networks: {
        front: {
          enable_ipv6: true,
          attachable: true,
          'x-note': 'extensions are fine here',
          ipam: { driver: 'host-local', config: [{ subnet, gateway: `${prefix}.254`, ip_range: `${prefix}.128/25` }] },
        },
      },
    });
    const run = await project.apply();
    expect(run.stderr).toContain('note PHX-KEY-IGNORED networks.front.attachable');
    const [network] = JSON.parse(await podman(['network', 'inspect', project.object('front')])) as {
      subnets: { subnet: string; gateway: string; lease_range?: { start_ip: string } }[];
      ipv6_enabled: boolean;
      ipam_options: { driver: string };
    }[];
    expect(network!.ipv6_enabled).toBe(true);
    expect(network!.ipam_options.driver).toBe('host-local');
    expect(network!.subnets[0]).toMatchObject({ subnet, gateway: `${prefix}.254`, lease_range: { start_ip: `${prefix}.129` } });
    const address = await exec(project.container('web'), "ip -4 addr show eth0 | grep inet | awk '{print $2}'");
    expect(Number(address.split('/')[0]!.split('.')[3])).toBeGreaterThanOrEqual(128);
    expect((await project.apply()).stdout).toContain('No changes');
  });

  it('bad values and keys Podman cannot honour: file:line:col, exit 1, Podman untouched', async () => {
    const project = suite.project();
    project.writeCompose({ services: { web: service() } });
    await project.apply();
    const before = await project.state();
    const cases: [string, string][] = [
      [
        ['services:', '  web:', `    image: ${IMAGE}`, '    ulimits:', '      nofile: {soft: 2048, hard: 1024}', ''].join('\n'),
        'environments/compose/app.yaml:5:15 error PHX-INVALID-VALUE services.web.ulimits.nofile: the soft limit 2048 is above the hard limit 1024.',
      ],
      [
        ['services:', '  web:', `    image: ${IMAGE}`, '    logging:', '      driver: syslog', ''].join('\n'),
        'environments/compose/app.yaml:5:15 error PHX-INVALID-VALUE services.web.logging.driver: Podman has no "syslog" log driver.',
      ],
      [
        ['services:', '  web:', `    image: ${IMAGE}`, '    domainname: example.com', ''].join('\n'),
        'environments/compose/app.yaml:4:5 error PHX-UNSUPPORTED-KEY services.web.domainname: Phoenix cannot honour "domainname"',
      ],
      [
        ['services:', '  web:', `    image: ${IMAGE}`, 'networks:', '  default:', '    ipam:', '      config:', '        - subnet: 10.99.0.0/24', '          aux_addresses: {router: 10.99.0.2}', ''].join('\n'),
        'environments/compose/app.yaml:9:11 error PHX-UNSUPPORTED-KEY networks.default.ipam.config[0].aux_addresses:',
      ],
    ];
    for (const [compose, expected] of cases) {
      project.writeCompose(compose);
      const run = await project.phoenix(['apply', '--yes']);
      expect(run.code, expected).toBe(1);
      expect(run.stderr).toContain(expected);
      expect(await project.state()).toEqual(before);
    }
  });
});
