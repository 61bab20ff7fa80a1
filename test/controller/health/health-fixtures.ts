/**
 * Desired states for the health monitors' tests, every field at a neutral value so that a
 * test states only what it is about.
 */
import type { ContainerSpec, DesiredService, DesiredState, HealthCheckSpec, HealthPolicy, ThresholdPolicy } from '../../../src/model/desired.js';
import { DEFAULT_POLICY } from '../../../src/manifest/policy.js';
import { containerSpec } from '../../support/podman-fixtures.js';

/** A health check: every second, 1 s timeout, 3 retries, no start period. */
export function check(overrides: Partial<HealthCheckSpec> = {}): HealthCheckSpec {
  return { test: ['CMD-SHELL', 'true'], intervalMs: 1000, timeoutMs: 1000, retries: 3, startPeriodMs: 0, startIntervalMs: 0, ...overrides };
}

/** A service of project `app`, environment `test`, with containers `app-test-<name>-<n>`. */
export function service(name: string, spec: Partial<ContainerSpec> = {}, options: { replicas?: number; configHash?: string } = {}): DesiredService {
  const replicas = options.replicas ?? 1;
  return {
    name,
    replicas,
    containerNames: Array.from({ length: replicas }, (_, i) => `app-test-${name}-${i + 1}`),
    dependsOn: [],
    spec: containerSpec(spec),
    configHash: options.configHash ?? 'hash-1',
    ownerLabels: {},
  };
}

/** The environment `app/test` with these services and policy overrides. */
export function desired(services: readonly DesiredService[], policy: { health?: Partial<HealthPolicy>; thresholds?: Partial<ThresholdPolicy> } = {}): DesiredState {
  return {
    project: 'app',
    environment: 'test',
    services,
    networks: [],
    volumes: [],
    secrets: [],
    policy: {
      ...DEFAULT_POLICY,
      health: { ...DEFAULT_POLICY.health, ...policy.health },
      thresholds: { ...DEFAULT_POLICY.thresholds, ...policy.thresholds },
    },
  };
}
