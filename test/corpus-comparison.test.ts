import { describe, expect, it } from 'vitest';
import { canonicalBuiltImage, canonicalImage, comparableFromComposeConfig, composeDurationMs, composeSizeBytes, stackDifferences } from './corpus/comparable-stack.js';
import { refusalsOf } from './corpus/refusals.js';

// The corpus test trusts these normalisers to make docker-compose's output comparable with a
// Phoenix plan; here they are checked on their own, with no Phoenix and no docker-compose.

const CONFIG = {
  services: {
    web: {
      image: 'nginx',
      command: 'sh -c "echo \'a b\' && nginx"',
      entrypoint: ['sh', '-c', 'echo $${HOME}'],
      links: ['db:database', 'cache'],
      restart: 'unless-stopped',
      shm_size: '256mb',
      ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: 512 },
      sysctls: ['net.ipv4.ip_forward=1'],
      labels: ['traefik.enable=true'],
      cap_add: ['cap_net_admin'],
      stop_grace_period: '1m',
      environment: { A: '1', PASSED_THROUGH_UNSET: null },
      ports: [{ published: 80, target: 80 }, '127.0.0.1:8443:443/tcp', { target: 53, protocol: 'udp' }],
      volumes: ['/srv/site/:/usr/share/nginx/html:ro,Z', 'cache:/var/cache', '/scratch', { type: 'bind', source: '/etc/x', target: '/x/', read_only: true }],
      healthcheck: { test: 'wget -q localhost', start_period: '1m30s' },
      depends_on: { db: { condition: 'service_healthy' } },
    },
    cache: { image: 'redis' },
    debug: { image: 'busybox', profiles: ['debug'] },
    db: { image: 'ghcr.io/acme/db@sha256:abc', container_name: 'the-db', network_mode: 'host', healthcheck: { disable: true } },
  },
  volumes: { cache: {} },
};

describe('the comparable shape of docker-compose config', () => {
  const stack = comparableFromComposeConfig(CONFIG, []);

  it('splits string commands as Compose does (Python shlex), undoes the $$ that config writes for $, and drops unset pass-through variables', () => {
    expect(stack.web!.command).toEqual(['sh', '-c', "echo 'a b' && nginx"]);
    expect(stack.web!.entrypoint).toEqual(['sh', '-c', 'echo ${HOME}']);
    expect(stack.web!.environment).toEqual({ A: '1' });
  });

  it('reads ports in the long form and in the short form 1.29 keeps for host addresses', () => {
    expect(stack.web!.ports).toEqual(['127.0.0.1|8443|443/tcp', '|80|80/tcp', '||53/udp']);
  });

  it('tells binds, named volumes and anonymous volumes apart, trailing slashes aside', () => {
    expect(stack.web!.mounts).toEqual(['anonymous -> /scratch', 'bind /etc/x -> /x ro', 'bind /srv/site -> /usr/share/nginx/html ro Z', 'volume cache -> /var/cache']);
  });

  it('fills health check defaults as the engine does, and reads a disabled check as none', () => {
    expect(stack.web!.healthcheck).toEqual({ test: ['CMD-SHELL', 'wget -q localhost'], intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 90_000 });
    expect(stack.db!.healthcheck).toBeNull();
  });

  it('leaves out services whose profiles are not enabled, and keeps them when one is', () => {
    expect(Object.keys(stack).sort()).toEqual(['cache', 'db', 'web']);
    expect(Object.keys(comparableFromComposeConfig(CONFIG, ['debug'])).sort()).toEqual(['cache', 'db', 'debug', 'web']);
  });

  it('keeps explicit container names, the default network, host networking and start waits', () => {
    expect(stack.db!.containers).toEqual({ names: ['the-db'] });
    expect(stack.web!.containers).toEqual({ replicas: 1 });
    expect(stack.web!.networks).toEqual(['default']);
    expect(stack.db!.networks).toEqual([]);
    // links are start dependencies too; an explicit depends_on condition wins.
    expect(stack.web!.startWaits).toEqual({ db: 'service_healthy', cache: 'service_started' });
  });
});

describe('the other container settings', () => {
  it('are in the engine\'s terms, and only those set or not the default', () => {
    const stack = comparableFromComposeConfig(CONFIG, []);
    expect(stack.web!.settings).toEqual({
      restart: 'unless-stopped',
      shmSizeBytes: 256 * 1024 * 1024,
      ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: { soft: 512, hard: 512 } },
      sysctls: { 'net.ipv4.ip_forward': '1' },
      labels: { 'traefik.enable': 'true' },
      capAdd: ['NET_ADMIN'],
      stopGracePeriodSeconds: 60,
    });
    expect(stack.cache!.settings).toEqual({});
  });

  it('composeSizeBytes reads Compose sizes in powers of 1024 and refuses anything else', () => {
    expect(composeSizeBytes('128mb')).toBe(134_217_728);
    expect(composeSizeBytes('1g')).toBe(1_073_741_824);
    expect(composeSizeBytes(4096)).toBe(4096);
    expect(() => composeSizeBytes('lots')).toThrow(/not a Compose size/);
  });
});

describe('stackDifferences', () => {
  const stack = comparableFromComposeConfig(CONFIG, []);

  it('is empty for equal stacks, whatever the order of map keys', () => {
    const reordered = { ...stack, web: { ...stack.web!, environment: { A: '1' } } };
    expect(stackDifferences(stack, reordered)).toEqual([]);
  });

  it('names each field that differs, and a service missing on either side', () => {
    const changed = { web: { ...stack.web!, environment: { A: '2' }, ports: [] } };
    expect(stackDifferences(stack, changed)).toEqual([
      'cache: not in the Phoenix plan',
      'db: not in the Phoenix plan',
      'web.environment: docker-compose {"A":"1"} ≠ phoenix {"A":"2"}',
      'web.ports: docker-compose ["127.0.0.1|8443|443/tcp","|80|80/tcp","||53/udp"] ≠ phoenix []',
    ]);
  });

  it('does not compare the image of a build without image:, which each tool names its own way', () => {
    const reference = { app: { ...stack.web!, image: null } };
    expect(stackDifferences(reference, { app: { ...stack.web!, image: 'localhost/corpus-app:latest' } })).toEqual([]);
  });
});

describe('helpers', () => {
  it('canonicalImage adds the registry, library/ and :latest the engine would', () => {
    expect(canonicalImage('nginx')).toBe('docker.io/library/nginx:latest');
    expect(canonicalImage('grafana/grafana:9.5.3')).toBe('docker.io/grafana/grafana:9.5.3');
    expect(canonicalImage('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(canonicalImage('ghcr.io/a/b@sha256:1')).toBe('ghcr.io/a/b@sha256:1');
  });

  it('canonicalBuiltImage puts a built name without registry under localhost/, as podman build does', () => {
    expect(canonicalBuiltImage('ninech/netbox')).toBe('localhost/ninech/netbox:latest');
    expect(canonicalBuiltImage('app:1')).toBe('localhost/app:1');
    expect(canonicalBuiltImage('ghcr.io/acme/app:1')).toBe('ghcr.io/acme/app:1');
  });

  it('composeDurationMs reads Compose durations and refuses anything else', () => {
    expect(composeDurationMs('1m30s')).toBe(90_000);
    expect(composeDurationMs('500ms')).toBe(500);
    expect(composeDurationMs(5)).toBe(5000);
    expect(() => composeDurationMs('soon')).toThrow(/not a Compose duration/);
  });

  it('refusalsOf gives one line per code and key, list indexes dropped', () => {
    const issue = (code: string, path: string) => ({ code, severity: 'error' as const, path, message: '' });
    expect(refusalsOf([issue('PHX-UNKNOWN-KEY', 'services.a.ulimits'), issue('PHX-UNKNOWN-KEY', 'services.b.ulimits'), issue('PHX-UNKNOWN-KEY', 'networks.n.ipam.config[0].gateway')])).toEqual([
      'PHX-UNKNOWN-KEY gateway',
      'PHX-UNKNOWN-KEY ulimits',
    ]);
  });
});
