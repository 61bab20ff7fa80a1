import type { ContainerSpec, DependencyCondition, DesiredNetwork, DesiredSecret, HealthCheckSpec, SecretSource } from '../../src/model/desired.js';
import type { Action, ContainerIntent, DependencyWait, Plan } from '../../src/plan/actions.js';
import { PLAN_FORMAT_VERSION } from '../../src/plan/actions.js';

/** Small builders for hand-made plans: executor tests need plans, not manifests. */

export function planOf(actions: readonly Action[]): Plan {
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    project: 'demo',
    environment: 'test',
    actions,
    warnings: [],
    summary: { create: 0, recreate: 0, start: 0, stop: 0, remove: 0 },
    observedFingerprint: 'fake',
  };
}

export function network(name: string): DesiredNetwork {
  return { name, podmanName: name, external: false, driver: 'bridge', options: {}, internal: false, subnets: [], labels: {}, configHash: 'h' };
}

export function spec(image = 'alpine:3.19', healthcheck: HealthCheckSpec | null = null): ContainerSpec {
  return {
    image,
    entrypoint: null,
    command: null,
    environment: {},
    labels: {},
    ports: [],
    mounts: [],
    networks: [],
    networkMode: 'bridge',
    healthcheck,
    restart: 'no',
    restartMaxRetries: 0,
    user: null,
    workingDir: null,
    hostname: null,
    extraHosts: [],
    init: false,
    readOnly: false,
    privileged: false,
    capAdd: [],
    capDrop: [],
    securityOpt: [],
    usernsMode: null,
    cpus: null,
    memoryBytes: null,
    stopSignal: null,
    stopGracePeriodSeconds: 10,
    secrets: [],
  };
}

export function intent(name: string, service = name, image = 'alpine:3.19'): ContainerIntent {
  return { name, service, replica: 1, spec: spec(image), labels: { 'io.phoenix.service': service } };
}

export function healthcheck(overrides: Partial<HealthCheckSpec> = {}): HealthCheckSpec {
  return { test: ['CMD', 'true'], intervalMs: 1000, timeoutMs: 500, retries: 3, startPeriodMs: 0, startIntervalMs: 1000, ...overrides };
}

export function waitFor(service: string, condition: DependencyCondition, options: { containers?: string[]; required?: boolean; healthcheck?: HealthCheckSpec | null } = {}): DependencyWait {
  return {
    service,
    containers: options.containers ?? [`${service}-1`],
    condition,
    required: options.required ?? true,
    healthcheck: options.healthcheck !== undefined ? options.healthcheck : condition === 'service_healthy' ? healthcheck() : null,
  };
}

export const act = {
  networkCreate: (id: number, name: string, dependsOn: number[] = []): Action => ({ id, dependsOn, cause: 'missing', kind: 'network.create', network: network(name) }),
  networkRemove: (id: number, name: string, dependsOn: number[] = []): Action => ({ id, dependsOn, cause: 'unused', kind: 'network.remove', name }),
  volumeRemove: (id: number, name: string, dependsOn: number[] = []): Action => ({ id, dependsOn, cause: 'unused', kind: 'volume.remove', name }),
  secretCreate: (id: number, secret: DesiredSecret, dependsOn: number[] = []): Action => ({ id, dependsOn, cause: 'missing', kind: 'secret.create', secret }),
  containerCreate: (id: number, name: string, dependsOn: number[] = []): Action => ({ id, dependsOn, cause: 'missing', kind: 'container.create', container: intent(name) }),
  containerStart: (id: number, name: string, awaits: DependencyWait[] = [], dependsOn: number[] = []): Action => ({
    id,
    dependsOn,
    cause: 'created',
    kind: 'container.start',
    name,
    service: name.replace(/-\d+$/, ''),
    awaits,
  }),
  containerStop: (id: number, name: string, dependsOn: number[] = []): Action => ({ id, dependsOn, cause: 'scaled down', kind: 'container.stop', name, service: name, timeoutSeconds: 7 }),
  containerRemove: (id: number, name: string, dependsOn: number[] = []): Action => ({
    id,
    dependsOn,
    cause: 'not desired',
    kind: 'container.remove',
    name,
    containerId: `id-${name}`,
    service: null,
    timeoutSeconds: 5,
  }),
  containerRecreate: (id: number, name: string, dependsOn: number[] = []): Action => ({
    id,
    dependsOn,
    cause: 'config changed',
    kind: 'container.recreate',
    container: intent(name, name, 'alpine:3.20'),
    replaces: { id: `id-${name}`, name, timeoutSeconds: 10 },
    changes: [{ op: 'replace', path: 'image', before: 'alpine:3.19', after: 'alpine:3.20', sensitive: false }],
  }),
};

export function secret(name: string, source: SecretSource | null): DesiredSecret {
  return { name, podmanName: `demo-test-${name}-abc123`, external: false, source, digest: 'hmac:abc123', labels: { 'io.phoenix.secret': name } };
}
