import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LABEL, MANAGED_BY } from '../src/model/desired.js';
import type { DesiredService, DesiredState } from '../src/model/desired.js';
import { desiredFrom } from './support/load-fixture.js';
import type { FixtureOptions } from './support/load-fixture.js';

/** The normalised desired state: names, ownership, explicit defaults and the config hash. */

const ENV = 'project: app\ncompose: [compose.yaml]\n';

function service(desired: DesiredState, name: string): DesiredService {
  const found = desired.services.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no service ${name}`);
  return found;
}

function hashOf(compose: string, options: FixtureOptions = {}, name = 'web'): string {
  return service(desiredFrom(compose, options), name).configHash;
}

describe('naming', () => {
  const compose = `services:
  web:
    image: nginx
    deploy:
      replicas: 3
    networks: [front, outside, fixed]
    volumes:
      - data:/data
      - shared:/shared
      - named:/named
  db:
    image: postgres
    container_name: the-db
networks:
  front:
  outside:
    external: true
  fixed:
    name: my-fixed-net
volumes:
  data:
  shared:
    external: true
  named:
    name: my-named-volume
`;
  const desired = desiredFrom(compose);

  it('containers are <project>-<env>-<service>-<n>, one per replica; container_name is used as it is', () => {
    expect(service(desired, 'web').containerNames).toEqual(['app-test-web-1', 'app-test-web-2', 'app-test-web-3']);
    expect(service(desired, 'web').replicas).toBe(3);
    expect(service(desired, 'db').containerNames).toEqual(['the-db']);
  });

  it('networks are <project>-<env>-<name>, or their name:, or (external) their own name', () => {
    const names = Object.fromEntries(desired.networks.map((n) => [n.name, [n.podmanName, n.external]]));
    expect(names).toEqual({
      default: ['app-test-default', false],
      front: ['app-test-front', false],
      outside: ['outside', true],
      fixed: ['my-fixed-net', false],
    });
    expect(service(desired, 'web').spec.networks.map((n) => n.network)).toEqual(['app-test-front', 'my-fixed-net', 'outside']);
  });

  it('volumes likewise', () => {
    const names = Object.fromEntries(desired.volumes.map((v) => [v.name, [v.podmanName, v.external]]));
    expect(names).toEqual({ data: ['app-test-data', false], shared: ['shared', true], named: ['my-named-volume', false] });
    expect(service(desired, 'web').spec.mounts).toEqual([
      { type: 'volume', source: 'app-test-data', target: '/data', readOnly: false },
      { type: 'volume', source: 'my-named-volume', target: '/named', readOnly: false },
      { type: 'volume', source: 'shared', target: '/shared', readOnly: false },
    ]);
  });

  it('every owned object carries the ownership labels', () => {
    const owner = { [LABEL.managedBy]: MANAGED_BY, [LABEL.project]: 'app', [LABEL.environment]: 'test' };
    const web = service(desired, 'web');
    expect(web.ownerLabels).toMatchObject({ ...owner, [LABEL.service]: 'web', [LABEL.configHash]: web.configHash });
    for (const network of desired.networks) expect(network.labels).toMatchObject({ ...owner, [LABEL.network]: network.name });
    for (const volume of desired.volumes) expect(volume.labels).toMatchObject({ ...owner, [LABEL.volume]: volume.name });
  });

  it('the project and environment are the environment file\'s', () => {
    const other = desiredFrom('services:\n  web:\n    image: nginx\n', { name: 'staging', environment: 'project: shop\ncompose: [compose.yaml]\n' });
    expect(other.project).toBe('shop');
    expect(other.environment).toBe('staging');
    expect(other.services[0]!.containerNames).toEqual(['shop-staging-web-1']);
  });
});

describe('every default is explicit', () => {
  it('restart, stop grace period, network mode, the default network with the service name as alias', () => {
    const desired = desiredFrom('services:\n  web:\n    image: nginx\n');
    const web = service(desired, 'web');
    expect(web.replicas).toBe(1);
    expect(web.dependsOn).toEqual([]);
    expect(web.spec).toMatchObject({
      entrypoint: null,
      command: null,
      environment: {},
      labels: {},
      ports: [],
      mounts: [],
      healthcheck: null,
      restart: 'no',
      restartMaxRetries: 0,
      stopGracePeriodSeconds: 10,
      networkMode: 'bridge',
      networks: [{ network: 'app-test-default', aliases: ['web'], ipv4Address: null }],
      privileged: false,
      readOnly: false,
      init: false,
      capAdd: [],
      capDrop: [],
      secrets: [],
    });
    expect(desired.networks.map((n) => [n.name, n.podmanName, n.driver])).toEqual([['default', 'app-test-default', 'bridge']]);
  });

  it('health check timings default to Compose\'s', () => {
    const web = service(desiredFrom('services:\n  web:\n    image: nginx\n    healthcheck:\n      test: curl -f localhost\n'), 'web');
    expect(web.spec.healthcheck).toEqual({ test: ['CMD-SHELL', 'curl -f localhost'], intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0, startIntervalMs: 5_000 });
  });

  it('a dependency written as a list gets condition service_started, required', () => {
    const web = service(desiredFrom('services:\n  web:\n    image: nginx\n    depends_on: [db]\n  db:\n    image: postgres\n'), 'web');
    expect(web.dependsOn).toEqual([{ service: 'db', condition: 'service_started', required: true, restart: false }]);
  });

  it('the policy defaults are filled in', () => {
    expect(desiredFrom('services:\n  web:\n    image: nginx\n').policy).toEqual({
      prune: false,
      resyncIntervalMs: 300_000,
      health: { maxRestarts: 5, windowMs: 600_000, backoff: { initialMs: 1000, maxMs: 300_000, multiplier: 2 } },
      security: {
        allowPrivileged: false,
        allowHostNetwork: false,
        allowHostNamespaces: false,
        allowedCapabilities: [],
        allowedHostPaths: [],
        allowForeignContainers: false,
        allowedDevices: [],
        allowRuntimeSocket: false,
        allowUnconfined: false,
        allowNewPrivileges: false,
        allowedSecretPaths: [],
      },
      thresholds: { cpuPercent: null, memoryBytes: null, sustainedMs: 60_000, services: {} },
      events: { file: null, webhooks: [], commands: [] },
      telemetry: { host: '127.0.0.1', port: 9464 },
    });
  });

  it('watch-mode policy: thresholds, event sinks and the telemetry address are read and resolved', () => {
    const environment = `project: app
compose: [compose.yaml]
policy:
  thresholds:
    cpu_percent: 90
    memory: 512m
    sustained: 2m
    services:
      web: { memory: 1g }
  events:
    file: { path: ../logs/events.jsonl, types: ["container.*"], max_size: 1m }
    webhooks:
      - url: http://127.0.0.1:9000/hook
        services: [web]
    commands:
      - command: [./hooks/on-crash.sh, --page]
        types: [service.crash-looping]
        severities: [critical]
        timeout: 5s
      - command: [logger, -t, phoenix]
  telemetry:
    listen: 0.0.0.0:9999
`;
    const policy = desiredFrom('services:\n  web:\n    image: nginx\n', { environment }).policy;
    expect(policy.thresholds).toEqual({ cpuPercent: 90, memoryBytes: 512 * 1024 * 1024, sustainedMs: 120_000, services: { web: { memoryBytes: 1024 ** 3 } } });
    expect(policy.events.file).toEqual({ path: '/fixture/logs/events.jsonl', maxSizeBytes: 1024 * 1024, keep: 5, filter: { types: ['container.*'], environments: [], services: [] } });
    expect(policy.events.webhooks).toEqual([{ url: 'http://127.0.0.1:9000/hook', filter: { types: [], environments: [], services: ['web'] } }]);
    expect(policy.events.commands).toEqual([
      { command: ['/fixture/environments/hooks/on-crash.sh', '--page'], cwd: '/fixture/environments', timeoutMs: 5000, maxConcurrent: 2, filter: { types: ['service.crash-looping'], environments: [], services: [], severities: ['critical'] } },
      { command: ['logger', '-t', 'phoenix'], cwd: '/fixture/environments', timeoutMs: 30_000, maxConcurrent: 2, filter: { types: [], environments: [], services: [] } },
    ]);
    expect(policy.telemetry).toEqual({ host: '0.0.0.0', port: 9999 });
  });

  it('no default network is created when no service uses it', () => {
    const desired = desiredFrom('services:\n  web:\n    image: nginx\n    networks: [back]\nnetworks:\n  back:\n');
    expect(desired.networks.map((n) => n.name)).toEqual(['back']);
  });
});

describe('environment and env_file', () => {
  it('env_file values are in the environment, and environment: overrides them', () => {
    const web = service(
      desiredFrom('services:\n  web:\n    image: nginx\n    env_file: [one.env, two.env]\n    environment:\n      A: from-environment\n', {
        files: { 'one.env': 'A=from-one\nB=from-one\nC=from-one\n', 'two.env': 'C=from-two\n' },
      }),
      'web',
    );
    expect(web.spec.environment).toEqual({ A: 'from-environment', B: 'from-one', C: 'from-two' });
  });

  it('a bare `- KEY` takes the variable\'s value, and is left out when there is none', () => {
    const web = service(desiredFrom('services:\n  web:\n    image: nginx\n    environment:\n      - SET\n      - UNSET\n', { processEnv: { SET: 'yes' } }), 'web');
    expect(web.spec.environment).toEqual({ SET: 'yes' });
  });
});

describe('config hash', () => {
  const base = `services:
  web:
    image: nginx:1
    environment:
      A: "1"
      B: "2"
    ports:
      - "8080:80"
    env_file: app.env
    secrets: [tok]
    command: ["nginx", "-g", "daemon off;"]
  db:
    image: postgres
secrets:
  tok:
    file: tok.txt
`;
  const files = { 'app.env': 'FROM_FILE=1\n', 'tok.txt': 'secret-one' };
  const baseHash = hashOf(base, { files });

  it('is a sha256 of the spec and stable', () => {
    expect(baseHash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashOf(base, { files })).toBe(baseHash);
  });

  it.each([
    ['an environment value', base.replace('B: "2"', 'B: "3"'), files],
    ['an added environment variable', base.replace('B: "2"', 'B: "2"\n      C: "3"'), files],
    ['the image', base.replace('nginx:1', 'nginx:2'), files],
    ['a port', base.replace('8080:80', '8081:80'), files],
    ['the command', base.replace('"-g", ', ''), files],
    ['the env_file content', base, { ...files, 'app.env': 'FROM_FILE=2\n' }],
    ['the secret content', base, { ...files, 'tok.txt': 'secret-two' }],
  ])('changes when %s changes', (_what, compose, changedFiles) => {
    expect(hashOf(compose, { files: changedFiles })).not.toBe(baseHash);
  });

  it('changes when a secret from the environment changes', () => {
    const environment = `${ENV}secrets:\n  tok:\n    environment: TOK\n`;
    expect(hashOf(base, { files, environment, processEnv: { TOK: 'a' } })).not.toBe(hashOf(base, { files, environment, processEnv: { TOK: 'b' } }));
  });

  it('does not change with the replica count', () => {
    // Replicas cannot share a fixed host port: let Podman choose it here.
    const oneReplica = base.replace('"8080:80"', '"80"');
    const single = hashOf(oneReplica, { files });
    expect(hashOf(oneReplica.replace('image: nginx:1', 'image: nginx:1\n    deploy:\n      replicas: 4'), { files })).toBe(single);
    expect(hashOf(oneReplica.replace('image: nginx:1', 'image: nginx:1\n    scale: 2'), { files })).toBe(single);
  });

  it('does not change with depends_on', () => {
    expect(hashOf(base.replace('image: nginx:1', 'image: nginx:1\n    depends_on:\n      db:\n        condition: service_started'), { files })).toBe(baseHash);
  });

  it('does not change with key order, flow vs block style, quoting or comments', () => {
    const rewritten = `# the same service, written differently
secrets: {tok: {file: "tok.txt"}}
services:
  db: {image: 'postgres'}
  web:
    command:        # block style instead of flow
      - nginx
      - "-g"
      - 'daemon off;'
    secrets:
      - "tok"
    env_file: "app.env"
    ports: ['8080:80']
    environment: {B: '2', A: "1"}   # order and quotes differ
    image: "nginx:1"
`;
    expect(hashOf(rewritten, { files })).toBe(baseHash);
  });

  it('does not change with anchors, aliases and << merge keys versus written out', () => {
    const anchored = `x-env: &env
  A: "1"
  B: "2"
x-web: &web
  image: nginx:1
  ports:
    - "8080:80"
  env_file: app.env
  secrets: [tok]
services:
  web:
    <<: *web
    environment: *env
    command: ["nginx", "-g", "daemon off;"]
  db:
    image: postgres
secrets:
  tok:
    file: tok.txt
`;
    expect(hashOf(anchored, { files })).toBe(baseHash);
  });

  it('does not change when the environment comes as a list instead of a map', () => {
    expect(hashOf(base.replace('      A: "1"\n      B: "2"', '      - A=1\n      - B=2'), { files })).toBe(baseHash);
  });

  it('is the config-hash label', () => {
    const web = service(desiredFrom(base, { files }), 'web');
    expect(web.ownerLabels[LABEL.configHash]).toBe(web.configHash);
  });
});

describe('secret values never appear in the desired state', () => {
  const CANARY = 'canary-s3cr3t-value';
  const compose = 'services:\n  web:\n    image: nginx\n    secrets:\n      - from_file\n      - source: from_env\n        target: /run/secrets/env_token\nsecrets:\n  from_file:\n    file: token.txt\n  from_env:\n    environment: TOKEN\n';
  const desired = desiredFrom(compose, { files: { 'token.txt': CANARY }, processEnv: { TOKEN: `${CANARY}-env` } });
  const json = JSON.stringify(desired);

  it('neither the file\'s nor the variable\'s value is in JSON.stringify(desired)', () => {
    expect(json).not.toContain(CANARY);
    expect(json).not.toContain('s3cr3t');
  });

  it('the digest is keyed: not a plain sha256 of the value', () => {
    const secrets = Object.fromEntries(desired.secrets.map((s) => [s.name, s]));
    const fileSecret = secrets.from_file!;
    const envSecret = secrets.from_env!;
    expect(fileSecret.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(fileSecret.digest).not.toBe(createHash('sha256').update(CANARY).digest('hex'));
    expect(envSecret.digest).not.toBe(createHash('sha256').update(`${CANARY}-env`).digest('hex'));
    expect(json).not.toContain(createHash('sha256').update(CANARY).digest('hex'));
    // The digest versions the Podman secret and is what the container's mount refers to.
    expect(fileSecret.podmanName).toBe(`app-test-from_file-${fileSecret.digest.slice(0, 12)}`);
    expect(fileSecret.source).toEqual({ kind: 'file', path: '/fixture/environments/token.txt' });
    expect(envSecret.source).toEqual({ kind: 'environment', variable: 'TOKEN' });
    const mounts = service(desired, 'web').spec.secrets;
    expect(mounts.map((m) => [m.secret, m.target, m.digest])).toEqual([
      ['from_env', '/run/secrets/env_token', envSecret.digest],
      ['from_file', '/run/secrets/from_file', fileSecret.digest],
    ]);
  });
});
