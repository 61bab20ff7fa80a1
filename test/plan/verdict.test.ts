import { describe, expect, it } from 'vitest';
import type { ObservedContainer, ObservedState } from '../../src/model/observed.js';
import type { HealthEvidence, VerdictKind, VerdictReason } from '../../src/plan/verdict.js';
import { verdict, worstVerdict } from '../../src/plan/verdict.js';
import { desiredFrom } from '../support/load-fixture.js';
import { observedFromDesired } from '../support/observed-model.js';

const COMPOSE = `
services:
  web:
    image: localhost/phoenix-demo/busybox:1
    healthcheck:
      test: ["CMD", "true"]
  worker:
    image: localhost/phoenix-demo/busybox:1
    restart: unless-stopped
  migrate:
    image: localhost/phoenix-demo/busybox:1
    restart: "no"
`;
const desired = desiredFrom(COMPOSE);
const converged = observedFromDesired(desired);
const WEB = 'app-test-web-1';
const WORKER = 'app-test-worker-1';
const MIGRATE = 'app-test-migrate-1';

/** The converged snapshot with one container changed (or removed with null). */
function withContainer(name: string, change: Partial<ObservedContainer> | null): ObservedState {
  const containers = converged.containers.flatMap((c) => (c.name !== name ? [c] : change === null ? [] : [{ ...c, ...change }]));
  return { ...converged, containers };
}

const migrateDone = withContainer(MIGRATE, { state: 'exited', exitCode: 0 });

interface Case {
  readonly name: string;
  readonly observed: ObservedState;
  readonly evidence?: HealthEvidence;
  readonly service: string;
  readonly verdict: VerdictKind;
  readonly reason: VerdictReason | null;
  readonly detail?: RegExp;
}

const CASES: readonly Case[] = [
  { name: 'running, healthy', observed: converged, service: 'web', verdict: 'converged', reason: null },
  { name: 'running, no check', observed: converged, service: 'worker', verdict: 'converged', reason: null },
  { name: 'one-shot exited 0', observed: migrateDone, service: 'migrate', verdict: 'converged', reason: null },
  { name: 'missing', observed: withContainer(WEB, null), service: 'web', verdict: 'progressing', reason: 'missing', detail: /app-test-web-1 does not exist/ },
  { name: 'config drifted', observed: withContainer(WORKER, { labels: {} }), service: 'worker', verdict: 'progressing', reason: 'drifted' },
  { name: 'created, not started', observed: withContainer(WORKER, { state: 'created' }), service: 'worker', verdict: 'progressing', reason: 'starting' },
  { name: 'health starting', observed: withContainer(WEB, { health: 'starting' }), service: 'web', verdict: 'progressing', reason: 'starting' },
  { name: "Podman's stored health unhealthy", observed: withContainer(WEB, { health: 'unhealthy' }), service: 'web', verdict: 'degraded', reason: 'unhealthy' },
  {
    name: "Phoenix's own check overrides Podman's stale 'starting'",
    observed: withContainer(WEB, { health: 'starting' }),
    evidence: { containers: { [WEB]: { status: 'unhealthy', output: 'connection refused\n' } } },
    service: 'web',
    verdict: 'degraded',
    reason: 'unhealthy',
    detail: /app-test-web-1 is unhealthy: connection refused$/,
  },
  { name: 'own check healthy', observed: withContainer(WEB, { health: 'starting' }), evidence: { containers: { [WEB]: { status: 'healthy' } } }, service: 'web', verdict: 'converged', reason: null },
  { name: 'long-running service exited', observed: withContainer(WORKER, { state: 'exited', exitCode: 137 }), service: 'worker', verdict: 'degraded', reason: 'exited', detail: /exited unexpectedly \(exit code 137\)/ },
  { name: 'one-shot exited non-zero (it is started again)', observed: withContainer(MIGRATE, { state: 'exited', exitCode: 3 }), service: 'migrate', verdict: 'degraded', reason: 'exited', detail: /exit code 3/ },
  { name: 'dead', observed: withContainer(WORKER, { state: 'dead' }), service: 'worker', verdict: 'failed', reason: 'dead' },
  {
    name: 'crash-looping outranks the unhealthy check that caused it',
    observed: withContainer(WEB, { health: 'unhealthy' }),
    evidence: { holds: { web: { reason: 'crash-looping', detail: 'health check failed: exit 1' } } },
    service: 'web',
    verdict: 'degraded',
    reason: 'crash-looping',
    detail: /crash-looping \(restarts stopped\): health check failed: exit 1/,
  },
  { name: 'held while backing off', observed: withContainer(WORKER, { state: 'exited', exitCode: 1 }), evidence: { holds: { worker: { reason: 'held', detail: 'backing off' } } }, service: 'worker', verdict: 'degraded', reason: 'exited' },
  { name: 'crash-looping though Podman says running', observed: converged, evidence: { holds: { worker: { reason: 'crash-looping', detail: '' } } }, service: 'worker', verdict: 'degraded', reason: 'crash-looping' },
];

describe('verdict(desired, observed, evidence)', () => {
  it.each(CASES)('$name: $service is $verdict ($reason)', (c) => {
    const result = verdict(desired, c.observed, c.evidence);
    const service = result.services.find((s) => s.service === c.service)!;
    expect(service).toMatchObject({ verdict: c.verdict, reason: c.reason });
    if (c.reason === null) expect(service.detail).toBe('');
    if (c.detail !== undefined) expect(service.detail).toMatch(c.detail);
  });

  it('judges the environment by its worst service', () => {
    expect(verdict(desired, migrateDone).verdict).toBe('converged');
    expect(verdict(desired, { ...migrateDone, containers: migrateDone.containers.filter((c) => c.name !== WEB) }).verdict).toBe('progressing');
    const worse = withContainer(MIGRATE, { state: 'dead', exitCode: 2 });
    expect(verdict(desired, { ...worse, containers: worse.containers.map((c) => (c.name === WEB ? { ...c, health: 'unhealthy' as const } : c)) }).verdict).toBe('failed');
  });

  it('orders verdicts converged < progressing < degraded < failed', () => {
    expect(worstVerdict([])).toBe('converged');
    expect(worstVerdict(['degraded', 'progressing'])).toBe('degraded');
    expect(worstVerdict(['converged', 'failed', 'degraded'])).toBe('failed');
  });
});
