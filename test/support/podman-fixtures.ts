/**
 * Builders for the objects the Podman client takes, with every field at a neutral value so
 * that a test states only what it is about.
 */
import type { ContainerSpec, DesiredNetwork, DesiredVolume } from '../../src/model/desired.js';
import type { ContainerIntent } from '../../src/plan/actions.js';

export const DEMO_IMAGE = 'localhost/phoenix-demo/busybox:1';

export function containerSpec(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    image: DEMO_IMAGE,
    entrypoint: null,
    command: ['sleep', '300'],
    environment: {},
    labels: {},
    ports: [],
    mounts: [],
    networks: [],
    networkMode: 'bridge',
    healthcheck: null,
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
    stopGracePeriodSeconds: 1,
    secrets: [],
    ...overrides,
  };
}

export function containerIntent(name: string, spec: Partial<ContainerSpec> = {}, labels: Record<string, string> = {}): ContainerIntent {
  return { name, service: 'svc', replica: 1, spec: containerSpec(spec), labels };
}

export function desiredNetwork(podmanName: string, overrides: Partial<DesiredNetwork> = {}): DesiredNetwork {
  return { name: 'net', podmanName, external: false, driver: 'bridge', options: {}, internal: false, subnets: [], labels: {}, configHash: 'h', ...overrides };
}

export function desiredVolume(podmanName: string, overrides: Partial<DesiredVolume> = {}): DesiredVolume {
  return { name: 'vol', podmanName, external: false, driver: 'local', driverOpts: {}, labels: {}, configHash: 'h', ...overrides };
}
