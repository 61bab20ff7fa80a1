/**
 * The Kubernetes export's mapping (src/export), above the Podman module: the repository's demo
 * environment and small fixtures, one per rule and per warning. Every exported object is also
 * validated against the Kubernetes schemas (kubernetes-models, Kubernetes 1.36).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { loadEnvironment } from '../../src/manifest/load.js';
import { nodeReader } from '../../src/manifest/node-reader.js';
import { SecretDigester } from '../../src/model/hash.js';
import type { DesiredState } from '../../src/model/desired.js';
import type { ExportTarget } from '../../src/export/export-target.js';
import type { KubeExport } from '../../src/export/kube-export.js';
import { exportKubernetes } from '../../src/export/kube-export.js';
import type { KubeObject } from '../../src/export/kube-objects.js';
import { desiredFrom, TEST_DIGEST_KEY } from '../support/load-fixture.js';
import { REPO_ROOT } from '../support/cli-run.js';
import { kubeSchemaProblems } from '../support/kube-schema.js';

/** One of the repository's environments, loaded as `phoenix export` loads it (no secret value needed). */
function repositoryEnvironment(name: string): DesiredState {
  const result = loadEnvironment({
    environmentsDir: path.join(REPO_ROOT, 'environments'),
    name,
    reader: nodeReader,
    processEnv: {},
    cwd: REPO_ROOT,
    homeDir: '/nonexistent',
    digester: new SecretDigester(TEST_DIGEST_KEY),
    requireSecretValues: false,
    secretValuesOptional: true,
  });
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('\n'));
  return result.desired;
}

const demo = (): DesiredState => repositoryEnvironment('demo');

/** Exports and checks the schemas on the way: every test below is also a schema test. */
function exported(desired: DesiredState, target: ExportTarget = 'cluster', extra: { configs?: Record<string, string>; secrets?: Record<string, string> } = {}): KubeExport {
  const bytes = (record: Record<string, string>): Map<string, Uint8Array> => new Map(Object.entries(record).map(([k, v]) => [k, new TextEncoder().encode(v)]));
  const result = exportKubernetes(desired, {
    target,
    configContents: bytes(extra.configs ?? {}),
    ...(extra.secrets === undefined ? {} : { secretValues: bytes(extra.secrets) }),
  });
  expect(kubeSchemaProblems(result.objects)).toEqual([]);
  return result;
}

function find<K extends KubeObject['kind']>(result: KubeExport, kind: K, name: string): Extract<KubeObject, { kind: K }> {
  const found = result.objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (found === undefined) throw new Error(`no ${kind}/${name} in ${result.objects.map((o) => `${o.kind}/${o.metadata?.name ?? ''}`).join(', ')}`);
  return found as Extract<KubeObject, { kind: K }>;
}

function podOf(object: KubeObject): IPodSpec {
  if (object.kind === 'Pod') return object.spec ?? { containers: [] };
  if (object.kind === 'Deployment' || object.kind === 'StatefulSet' ) return object.spec?.template.spec ?? { containers: [] };
  throw new Error(`${object.kind} has no pod`);
}

function containerOf(object: KubeObject): IContainer {
  const [container] = podOf(object).containers;
  if (container === undefined) throw new Error('no container');
  return container;
}

function warningsFor(result: KubeExport, service: string | null, key: string): string[] {
  return result.warnings.filter((w) => w.service === service && w.key === key).map((w) => w.message);
}

const IMAGE = 'localhost/phoenix-demo/busybox:1';

describe('the demo environment, for a cluster', () => {
  const result = exported(demo());

  it('writes the volume claim, the two long-running workloads and their Services, in apply order', () => {
    expect(result.objects.map((o) => `${o.kind}/${o.metadata?.name ?? ''}`)).toEqual([
      'PersistentVolumeClaim/phoenix-demo-demo-demo-data',
      'Deployment/web',
      'StatefulSet/worker',
      'Service/web',
      'Service/worker',
    ]);
  });

  it('runs the one-shot migrate as the init container of worker, which waits for it (service_completed_successfully)', () => {
    const pod = podOf(find(result, 'StatefulSet', 'worker'));
    expect(pod.initContainers?.map((c) => c.name)).toEqual(['migrate']);
    expect(pod.initContainers?.[0]?.args?.[2]).toContain('migrate: applying demo schema v1');
    expect(pod.initContainers?.[0]?.readinessProbe).toBeUndefined();
    expect(result.objects.some((o) => o.metadata?.name === 'migrate')).toBe(false);
  });

  it('maps the health check to readiness and liveness probes with its interval, timeout, retries and start period', () => {
    const web = containerOf(find(result, 'Deployment', 'web'));
    const exec = { command: ['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/health'] };
    expect(web.readinessProbe).toEqual({ exec, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 });
    expect(web.livenessProbe).toEqual({ exec, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 3, initialDelaySeconds: 2 });
  });

  it('gives the worker a StatefulSet (it owns the named volume) with the claim, the secret by name, env, user and policy', () => {
    const worker = find(result, 'StatefulSet', 'worker');
    expect(worker.spec?.serviceName).toBe('worker');
    const pod = podOf(worker);
    const container = containerOf(worker);
    expect(container.image).toBe(IMAGE);
    expect(container.env).toEqual([
      { name: 'INTERVAL', value: '3' },
      { name: 'WEB_URL', value: 'http://web:8080/health' },
    ]);
    expect(container.securityContext).toEqual({ runAsUser: 65534, runAsGroup: 65534, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(container.volumeMounts).toEqual([
      { name: 'phoenix-demo-demo-demo-data', mountPath: '/data' },
      { name: 'secret-demo-token', mountPath: '/run/secrets/demo_token', subPath: 'demo_token', readOnly: true },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'phoenix-demo-demo-demo-data', persistentVolumeClaim: { claimName: 'phoenix-demo-demo-demo-data' } },
      { name: 'secret-demo-token', secret: { secretName: 'phoenix-demo-demo-demo-token', optional: false, defaultMode: 0o444, items: [{ key: 'demo_token', path: 'demo_token' }] } },
    ]);
    expect(pod.terminationGracePeriodSeconds).toBe(2);
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it('selects pods by the app.kubernetes.io labels and serves web on its port, worker headless', () => {
    const web = find(result, 'Service', 'web');
    expect(web.spec?.selector).toEqual({ 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'phoenix-demo-demo' });
    expect(web.spec?.ports).toEqual([{ name: 'tcp-8080', port: 8080, targetPort: 8080, protocol: 'TCP' }]);
    expect(find(result, 'Service', 'worker').spec?.clusterIP).toBe('None');
    expect(find(result, 'Deployment', 'web').metadata?.labels).toMatchObject({ 'app.kubernetes.io/part-of': 'phoenix-demo', 'app.kubernetes.io/managed-by': 'phoenix' });
  });

  it('references the secret without writing it, and never writes its value', () => {
    expect(result.objects.some((o) => o.kind === 'Secret')).toBe(false);
    expect(result.secretsToCreate).toEqual([{ name: 'phoenix-demo-demo-demo-token', key: 'demo_token', secret: 'demo_token' }]);
  });

  it('warns about the host port, the health-gated start and the placeholder size', () => {
    expect(warningsFor(result, 'web', 'ports')[0]).toMatch(/host port 18080 -> 8080\/tcp not published: a Service \(ClusterIP\)/);
    expect(warningsFor(result, 'worker', 'depends_on.web')[0]).toMatch(/service_healthy not translated: .*readiness probe/);
    expect(warningsFor(result, null, 'volumes.demo_data')[0]).toMatch(/1Gi is a placeholder/);
    expect(result.warnings).toHaveLength(3);
  });
});

describe('the demo environment, for podman kube play', () => {
  const result = exported(demo(), 'podman', { secrets: { demo_token: 'dummy-value' } });

  it('writes Pods named as the services (kube play resolves a pod by its name), the one-shot first with restartPolicy Never', () => {
    expect(result.objects.map((o) => `${o.kind}/${o.metadata?.name ?? ''}`)).toEqual([
      'PersistentVolumeClaim/phoenix-demo-demo-demo-data',
      'Secret/phoenix-demo-demo-demo-token',
      'Pod/migrate',
      'Pod/web',
      'Pod/worker',
    ]);
    expect(podOf(find(result, 'Pod', 'migrate')).restartPolicy).toBe('Never');
    expect(podOf(find(result, 'Pod', 'web')).restartPolicy).toBe('Always');
    expect(podOf(find(result, 'Pod', 'worker')).initContainers).toBeUndefined();
  });

  it('publishes the host port and mounts the secret on its directory (kube play ignores subPath)', () => {
    expect(containerOf(find(result, 'Pod', 'web')).ports).toEqual([{ containerPort: 8080, protocol: 'TCP', hostPort: 18080 }]);
    expect(containerOf(find(result, 'Pod', 'worker')).volumeMounts).toContainEqual({ name: 'secret-demo-token', mountPath: '/run/secrets', readOnly: true });
  });

  it('writes the secret value base64-encoded only because it was given (--include-secret-values)', () => {
    expect(find(result, 'Secret', 'phoenix-demo-demo-demo-token').data).toEqual({ demo_token: Buffer.from('dummy-value').toString('base64') });
    expect(result.secretsToCreate).toEqual([]);
  });

  it('warns that nothing waits for migrate to finish', () => {
    expect(warningsFor(result, 'worker', 'depends_on.migrate')[0]).toMatch(/nothing waits for it to exit 0.*containers\/podman#16343/);
  });
});

describe("the repository's environments", () => {
  it.each(['demo', 'dev', 'prod'].flatMap((name) => [[name, 'cluster'], [name, 'podman']] as [string, ExportTarget][]))('%s exports schema-valid objects for %s', (name, target) => {
    const result = exported(repositoryEnvironment(name), target);
    const workloads = result.objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet' || o.kind === 'Pod');
    expect(workloads.length).toBeGreaterThan(0);
  });

  it('prod: the replicated web tier is a Deployment of 2 with its limits, the database a StatefulSet with its claim', () => {
    const result = exported(repositoryEnvironment('prod'));
    const core = find(result, 'Deployment', 'phoenix-core');
    expect(core.spec?.replicas).toBe(2);
    expect(containerOf(core).resources).toEqual({ limits: { cpu: '500m', memory: String(128 * 1024 * 1024) } });
    const db = find(result, 'StatefulSet', 'revenue-db');
    expect(podOf(db).volumes?.map((v) => v.persistentVolumeClaim?.claimName ?? v.secret?.secretName)).toEqual(['phoenix-hydra-prod-revenue-data', 'phoenix-hydra-prod-db-password']);
    expect(warningsFor(result, 'revenue-db', 'user')[0]).toMatch(/"postgres" not translated/);
  });
});

describe('rules, one fixture each', () => {
  it('replicas, resources, entrypoint and command, read-only root, capabilities', () => {
    const result = exported(
      desiredFrom(`services:
  api:
    image: ${IMAGE}
    entrypoint: ["/bin/api"]
    command: ["--port", "80"]
    read_only: true
    cap_add: [NET_BIND_SERVICE]
    mem_reservation: 64M
    working_dir: /srv
    deploy:
      replicas: 3
      resources:
        limits: { cpus: "0.25", memory: 128M }
`, { environment: 'project: app\ncompose: [compose.yaml]\npolicy:\n  security:\n    allowed_capabilities: [NET_BIND_SERVICE]\n' }),
    );
    const api = find(result, 'Deployment', 'api');
    expect(api.spec?.replicas).toBe(3);
    const container = containerOf(api);
    expect(container.command).toEqual(['/bin/api']);
    expect(container.args).toEqual(['--port', '80']);
    expect(container.workingDir).toBe('/srv');
    expect(container.resources).toEqual({ limits: { cpu: '250m', memory: String(128 * 1024 * 1024) }, requests: { memory: String(64 * 1024 * 1024) } });
    expect(container.securityContext).toEqual({ readOnlyRootFilesystem: true, capabilities: { add: ['NET_BIND_SERVICE'] } });
  });

  it('restart "no" that nobody awaits is a Deployment with a warning (it is also Compose\'s default); for kube play a pod that is not restarted', () => {
    const compose = `services:\n  seed:\n    image: ${IMAGE}\n    restart: "no"\n`;
    const cluster = exported(desiredFrom(compose));
    expect(find(cluster, 'Deployment', 'seed').spec?.replicas).toBe(1);
    expect(warningsFor(cluster, 'seed', 'restart')[0]).toMatch(/"no" \(also Compose's default\) becomes Always.*belongs in a Job/);
    expect(podOf(find(exported(desiredFrom(compose), 'podman'), 'Pod', 'seed')).restartPolicy).toBe('Never');
  });

  it('chains of one-shots run in order as init containers; a one-shot used by two services warns that it runs in each', () => {
    const result = exported(
      desiredFrom(`services:
  schema:
    image: ${IMAGE}
    restart: "no"
  seed:
    image: ${IMAGE}
    restart: "no"
    depends_on: { schema: { condition: service_completed_successfully } }
  api:
    image: ${IMAGE}
    depends_on: { seed: { condition: service_completed_successfully } }
  admin:
    image: ${IMAGE}
    depends_on: { schema: { condition: service_completed_successfully } }
`),
    );
    expect(podOf(find(result, 'Deployment', 'api')).initContainers?.map((c) => c.name)).toEqual(['schema', 'seed']);
    expect(podOf(find(result, 'Deployment', 'admin')).initContainers?.map((c) => c.name)).toEqual(['schema']);
    expect(result.objects.some((o) => o.metadata?.name === 'seed' || o.metadata?.name === 'schema')).toBe(false);
    expect(warningsFor(result, 'schema', 'restart')[0]).toMatch(/init container of admin, api: once per pod start of each/);
  });

  it('configs become ConfigMaps with their content, mounted file by file', () => {
    const result = exported(
      desiredFrom(`services:
  web:
    image: ${IMAGE}
    configs:
      - source: site
        target: /etc/site.conf
        mode: "0440"
configs:
  site:
    content: "listen 80"
`),
      'cluster',
      { configs: { site: 'listen 80' } },
    );
    expect(find(result, 'ConfigMap', 'app-test-site').data).toEqual({ site: 'listen 80' });
    const web = find(result, 'Deployment', 'web');
    expect(containerOf(web).volumeMounts).toEqual([{ name: 'config-site', mountPath: '/etc/site.conf', subPath: 'site.conf', readOnly: true }]);
    expect(podOf(web).volumes).toEqual([{ name: 'config-site', configMap: { name: 'app-test-site', optional: false, defaultMode: 0o440, items: [{ key: 'site', path: 'site.conf' }] } }]);
  });

  it('network aliases become Services; a name Kubernetes refuses is renamed with a warning', () => {
    const result = exported(
      desiredFrom(`services:
  my_db:
    image: ${IMAGE}
    expose: ["5432"]
    networks:
      back:
        aliases: [database]
networks:
  back: {}
`),
    );
    expect(find(result, 'Service', 'database').spec?.ports).toEqual([{ name: 'tcp-5432', port: 5432, targetPort: 5432, protocol: 'TCP' }]);
    expect(find(result, 'Service', 'my-db').spec?.selector).toEqual({ 'app.kubernetes.io/name': 'my_db', 'app.kubernetes.io/instance': 'app-test' });
    expect(find(result, 'Deployment', 'my-db')).toBeDefined();
    expect(warningsFor(result, 'my_db', 'networks.aliases')[0]).toMatch(/my_db is not a valid Service name: the Service is my-db/);
  });

  it('anonymous volumes and tmpfs become emptyDirs; extra_hosts host aliases; hostname', () => {
    const result = exported(
      desiredFrom(`services:
  web:
    image: ${IMAGE}
    hostname: front
    volumes: ["/cache"]
    tmpfs: ["/run/app:size=1m,mode=1777"]
    extra_hosts: ["db.local:10.0.0.5"]
`),
    );
    const pod = podOf(find(result, 'Deployment', 'web'));
    expect(pod.volumes).toEqual([
      { name: 'scratch-0', emptyDir: {} },
      { name: 'tmpfs-1', emptyDir: { medium: 'Memory', sizeLimit: String(1024 * 1024) } },
    ]);
    expect(pod.hostAliases).toEqual([{ ip: '10.0.0.5', hostnames: ['db.local'] }]);
    expect(pod.hostname).toBe('front');
    expect(warningsFor(result, 'web', 'tmpfs')[0]).toMatch(/options mode=1777 at \/run\/app not translated/);
  });

  it('a CMD-SHELL check runs through sh -c, and timings below a second are rounded up with a warning', () => {
    const result = exported(
      desiredFrom(`services:
  web:
    image: ${IMAGE}
    healthcheck:
      test: "wget -q -O- localhost:8080"
      interval: 1500ms
      timeout: 1s
      retries: 2
`),
    );
    const web = containerOf(find(result, 'Deployment', 'web'));
    expect(web.readinessProbe?.exec?.command).toEqual(['sh', '-c', 'wget -q -O- localhost:8080']);
    expect(web.readinessProbe?.periodSeconds).toBe(2);
    expect(web.livenessProbe?.initialDelaySeconds).toBeUndefined();
    expect(warningsFor(result, 'web', 'healthcheck.interval')[0]).toMatch(/1500 ms is rounded up to 2 s/);
  });

  it('a service with replicas that owns a volume is a StatefulSet whose replicas share the claim, with a warning', () => {
    const result = exported(desiredFrom(`services:\n  db:\n    image: ${IMAGE}\n    volumes: ["data:/var/lib/db"]\n    deploy: { replicas: 2 }\nvolumes:\n  data: {}\n`));
    expect(find(result, 'StatefulSet', 'db').spec?.replicas).toBe(2);
    expect(warningsFor(result, 'db', 'deploy.replicas')[0]).toMatch(/share one PersistentVolumeClaim.*ReadWriteMany/);
  });

  it('for kube play, replicas > 1 stay a Deployment, with a warning that the name does not resolve', () => {
    const result = exported(desiredFrom(`services:\n  api:\n    image: ${IMAGE}\n    deploy: { replicas: 2 }\n`), 'podman');
    expect(find(result, 'Deployment', 'api').spec?.replicas).toBe(2);
    expect(warningsFor(result, 'api', 'deploy.replicas')[0]).toMatch(/api-pod-0..1, so the name api does not resolve/);
  });

  it('pull_policy becomes imagePullPolicy', () => {
    const result = exported(desiredFrom(`services:\n  a:\n    image: ${IMAGE}\n    restart: always\n    pull_policy: always\n  b:\n    image: ${IMAGE}\n    restart: always\n    pull_policy: never\n`));
    expect(containerOf(find(result, 'Deployment', 'a')).imagePullPolicy).toBe('Always');
    expect(containerOf(find(result, 'Deployment', 'b')).imagePullPolicy).toBe('Never');
  });

  it('network_mode: host becomes hostNetwork', () => {
    const result = exported(
      desiredFrom(`services:\n  agent:\n    image: ${IMAGE}\n    network_mode: host\n`, {
        environment: 'project: app\ncompose: [compose.yaml]\npolicy:\n  security:\n    allow_host_network: true\n',
      }),
    );
    expect(podOf(find(result, 'Deployment', 'agent')).hostNetwork).toBe(true);
  });
});

describe('warnings, one fixture each: nothing is dropped silently', () => {
  const POLICY = 'project: app\ncompose: [compose.yaml]\npolicy:\n  security:\n    allowed_host_paths: [/srv]\n    allowed_devices: [/dev/fuse]\n    allow_host_namespaces: true\n';
  const cases: [string, string, string, RegExp][] = [
    ['a host bind mount', 'volumes: ["/srv/data:/data"]', 'volumes', /bind mount \/srv\/data at \/data not translated: a cluster has no host folder/],
    ['devices', 'devices: ["/dev/fuse"]', 'devices', /not translated: a cluster node is not this host/],
    ['ulimits', 'ulimits: { nofile: 1024 }', 'ulimits', /Kubernetes has no per-container ulimits/],
    ['sysctls', 'sysctls: { net.core.somaxconn: "1024" }', 'sysctls', /node-approved sysctls/],
    ['logging', 'logging: { driver: json-file }', 'logging', /the cluster collects container output/],
    ['pid: host', 'pid: host', 'pid', /shareProcessNamespace/],
    ['dns servers', 'dns: ["1.1.1.1"]', 'dns', /cluster DNS/],
    ['stop_signal', 'stop_signal: SIGQUIT', 'stop_signal', /SIGQUIT not translated: .*STOPSIGNAL/],
    ['init', 'init: true', 'init', /no init process/],
    ['a user by name', 'user: node', 'user', /"node" not translated: Kubernetes runs as numeric IDs only/],
    ['a port range', 'expose: ["8000-8010"]', 'expose', /port range 8000-8010 not translated/],
    ['restart: on-failure', 'restart: on-failure', 'restart', /on-failure becomes Always/],
    ['restart: on-failure:3', 'restart: on-failure:3', 'restart', /on-failure:3 becomes unlimited restarts/],
    ['a pull interval', 'pull_policy: daily', 'pull_policy', /a pull interval is not translated/],
    ['security_opt other than no-new-privileges', 'security_opt: ["label=type:svirt_apache_t"]', 'security_opt', /"label=type:svirt_apache_t" not translated/],
    ['a cpu share', 'cpu_shares: 512', 'cpu_shares', /use a CPU request/],
    ['shm_size', 'shm_size: 64m', 'shm_size', /emptyDir \(medium: Memory\) at \/dev\/shm/],
    ['a fixed address', 'networks: { back: { ipv4_address: 10.9.0.5 } }', 'networks.ipv4_address', /cluster network assigns pod addresses/],
  ];
  it.each(cases)('%s', (_what, line, key, message) => {
    const result = exported(
      desiredFrom(`services:\n  svc:\n    image: ${IMAGE}\n    ${line}\nnetworks:\n  back:\n    ipam: { config: [{ subnet: 10.9.0.0/24 }] }\n`, { environment: POLICY }),
    );
    expect(warningsFor(result, 'svc', key).join('\n')).toMatch(message);
  });

  it('depends_on restart: true and service_started', () => {
    const result = exported(
      desiredFrom(`services:\n  a:\n    image: ${IMAGE}\n  b:\n    image: ${IMAGE}\n    depends_on: { a: { condition: service_started, restart: true } }\n`),
    );
    expect(warningsFor(result, 'b', 'depends_on.a')[0]).toMatch(/service_started not translated: Kubernetes starts pods in no order/);
    expect(warningsFor(result, 'b', 'depends_on.a.restart')[0]).toMatch(/does not restart a pod when another is replaced/);
  });

  it('service_completed_successfully on a service that restarts', () => {
    const result = exported(desiredFrom(`services:\n  a:\n    image: ${IMAGE}\n    restart: always\n  b:\n    image: ${IMAGE}\n    depends_on: { a: { condition: service_completed_successfully } }\n`));
    expect(warningsFor(result, 'b', 'depends_on.a')[0]).toMatch(/a restarts \(restart: always\), so it is a long-running workload/);
  });

  it('several networks, an external volume, secrets owned by another user', () => {
    const result = exported(
      desiredFrom(
        `services:
  svc:
    image: ${IMAGE}
    networks: [front, back]
    volumes: ["shared:/shared"]
    secrets:
      - source: token
        uid: "1000"
networks:
  front: {}
  back: {}
volumes:
  shared: { external: true }
secrets:
  token: { file: ./token.txt }
`,
        { files: { 'token.txt': 'x' } },
      ),
    );
    expect(warningsFor(result, null, 'networks')[0]).toMatch(/one flat pod network.*NetworkPolicies/);
    expect(warningsFor(result, null, 'volumes.shared')[0]).toMatch(/external: the PersistentVolumeClaim shared is referenced, not written/);
    expect(warningsFor(result, 'svc', 'secrets.token')[0]).toMatch(/uid 1000 \/ gid 0 not translated: .*fsGroup/);
    expect(result.objects.some((o) => o.kind === 'PersistentVolumeClaim')).toBe(false);
  });
});
