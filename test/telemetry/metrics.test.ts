/**
 * Metrics: every metric is declared with the right type, the typed methods move the right
 * series, and observeEvent maps events onto them. Read back through the exposition text.
 */
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/telemetry/metrics.js';
import { event, restarted } from '../events/event-fixtures.js';
import { parseExposition, valueOf } from './prometheus-text.js';

const DECLARED = {
  phoenix_reconciles_total: 'counter',
  phoenix_reconcile_duration_seconds: 'histogram',
  phoenix_queue_depth: 'gauge',
  phoenix_actions_total: 'counter',
  phoenix_restarts_total: 'counter',
  phoenix_health_status: 'gauge',
  phoenix_drift_events_total: 'counter',
  phoenix_last_successful_reconcile_timestamp_seconds: 'gauge',
  phoenix_events_dropped_total: 'counter',
  phoenix_crash_looping: 'gauge',
  phoenix_service_verdict: 'gauge',
  phoenix_security_events_total: 'counter',
  phoenix_threshold_alerting: 'gauge',
  process_resident_memory_bytes: 'gauge',
  process_cpu_seconds_total: 'counter',
} as const;

async function scrape(metrics: Metrics) {
  return parseExposition(await metrics.render());
}

describe('Metrics', () => {
  it('declares every metric, with its type, plus process metrics', async () => {
    const exposition = await scrape(new Metrics());
    for (const [name, type] of Object.entries(DECLARED)) expect(exposition.types.get(name), name).toBe(type);
    expect(valueOf(exposition, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('can leave the process metrics out, and keeps registries apart', async () => {
    const exposition = await scrape(new Metrics({ processMetrics: false }));
    expect(exposition.types.has('process_resident_memory_bytes')).toBe(false);
    expect(exposition.types.has('phoenix_queue_depth')).toBe(true);
  });

  it('creates the series of known environments at zero', async () => {
    const exposition = await scrape(new Metrics({ processMetrics: false, environments: ['dev', 'prod'] }));
    expect(valueOf(exposition, 'phoenix_reconciles_total', { environment: 'prod', result: 'failed' })).toBe(0);
    expect(valueOf(exposition, 'phoenix_drift_events_total', { environment: 'dev' })).toBe(0);
  });

  it('records through the typed methods', async () => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.recordReconcile('dev', 'succeeded', 1.5, new Date('2025-01-01T00:00:10Z'));
    metrics.recordReconcile('dev', 'failed', 0.2);
    metrics.setQueueDepth(3);
    metrics.recordAction('dev', 'recreate', 'succeeded');
    metrics.recordAction('dev', 'recreate', 'succeeded');
    metrics.recordRestart('dev', 'web');
    metrics.setHealth('dev', 'web', 'web-1', 'healthy');
    metrics.setHealth('dev', 'db', 'db-1', 'unhealthy');
    metrics.setHealth('dev', 'n8n', 'n8n-1', 'starting');
    metrics.recordDrift('dev');
    metrics.recordEventDropped('webhook');
    metrics.setCrashLooping('dev', 'web', true);
    const exposition = await scrape(metrics);
    expect(valueOf(exposition, 'phoenix_reconciles_total', { environment: 'dev', result: 'succeeded' })).toBe(1);
    expect(valueOf(exposition, 'phoenix_reconciles_total', { environment: 'dev', result: 'failed' })).toBe(1);
    expect(valueOf(exposition, 'phoenix_reconcile_duration_seconds_count', { environment: 'dev' })).toBe(2);
    expect(valueOf(exposition, 'phoenix_reconcile_duration_seconds_sum', { environment: 'dev' })).toBeCloseTo(1.7);
    expect(valueOf(exposition, 'phoenix_reconcile_duration_seconds_bucket', { environment: 'dev', le: '1' })).toBe(1);
    expect(valueOf(exposition, 'phoenix_last_successful_reconcile_timestamp_seconds', { environment: 'dev' })).toBe(Date.parse('2025-01-01T00:00:10Z') / 1000);
    expect(valueOf(exposition, 'phoenix_queue_depth')).toBe(3);
    expect(valueOf(exposition, 'phoenix_actions_total', { environment: 'dev', kind: 'recreate', outcome: 'succeeded' })).toBe(2);
    expect(valueOf(exposition, 'phoenix_restarts_total', { environment: 'dev', service: 'web' })).toBe(1);
    expect(valueOf(exposition, 'phoenix_health_status', { container: 'web-1' })).toBe(1);
    expect(valueOf(exposition, 'phoenix_health_status', { container: 'db-1' })).toBe(0);
    expect(valueOf(exposition, 'phoenix_health_status', { container: 'n8n-1' })).toBe(-1);
    expect(valueOf(exposition, 'phoenix_drift_events_total', { environment: 'dev' })).toBe(1);
    expect(valueOf(exposition, 'phoenix_events_dropped_total', { sink: 'webhook' })).toBe(1);
    expect(valueOf(exposition, 'phoenix_crash_looping', { environment: 'dev', service: 'web' })).toBe(1);

    metrics.forgetContainer('dev', 'web', 'web-1');
    metrics.setCrashLooping('dev', 'web', false);
    const after = await scrape(metrics);
    expect(valueOf(after, 'phoenix_health_status', { container: 'web-1' })).toBeUndefined();
    expect(valueOf(after, 'phoenix_crash_looping', { environment: 'dev', service: 'web' })).toBe(0);
  });

  it('observes events', async () => {
    const metrics = new Metrics({ processMetrics: false });
    const succeeded = event('reconcile.succeeded', { trigger: 'timer', actions: 2, durationMs: 750, verdict: 'converged' }, { environment: 'prod' });
    const events = [
      event('reconcile.started', { trigger: 'timer' }, { environment: 'prod' }),
      succeeded,
      event('reconcile.failed', { trigger: 'timer', error: { code: 'X', message: 'm', remediation: 'r' }, durationMs: 100, verdict: null }, { environment: 'prod' }),
      event('action.succeeded', { actionId: 1, kind: 'create', resource: 'container:web', durationMs: 10 }, { environment: 'prod' }),
      event('action.failed', { actionId: 2, kind: 'start', resource: 'container:web', error: { code: 'X', message: 'm', remediation: 'r' } }, { environment: 'prod' }),
      restarted('web', 'prod'),
      restarted('web', 'prod'),
      event('drift.detected', { actions: 1, summary: 's', changes: [] }, { environment: 'prod' }),
      event('service.crash-looping', { restarts: 5, windowMs: 60_000, lastError: 'e', container: 'c', exitCode: 1, logLines: [] }, { environment: 'prod', service: 'db' }),
      event('container.unhealthy', { container: 'db-1', output: 'x', failures: 3 }, { environment: 'prod', service: 'db' }),
      event('container.healthy', { container: 'web-1' }, { environment: 'prod', service: 'web' }),
      event('secret.rotated', { secret: 'db-password', version: '2' }, { environment: 'prod' }),
    ];
    events.forEach((e) => metrics.observeEvent(e));
    const exposition = await scrape(metrics);
    expect(valueOf(exposition, 'phoenix_reconciles_total', { environment: 'prod', result: 'succeeded' })).toBe(1);
    expect(valueOf(exposition, 'phoenix_reconciles_total', { environment: 'prod', result: 'failed' })).toBe(1);
    expect(valueOf(exposition, 'phoenix_reconcile_duration_seconds_sum', { environment: 'prod' })).toBeCloseTo(0.85);
    expect(valueOf(exposition, 'phoenix_last_successful_reconcile_timestamp_seconds', { environment: 'prod' })).toBe(Date.parse(succeeded.time) / 1000);
    expect(valueOf(exposition, 'phoenix_actions_total', { kind: 'create', outcome: 'succeeded' })).toBe(1);
    expect(valueOf(exposition, 'phoenix_actions_total', { kind: 'start', outcome: 'failed' })).toBe(1);
    expect(valueOf(exposition, 'phoenix_restarts_total', { environment: 'prod', service: 'web' })).toBe(2);
    expect(valueOf(exposition, 'phoenix_drift_events_total', { environment: 'prod' })).toBe(1);
    expect(valueOf(exposition, 'phoenix_crash_looping', { environment: 'prod', service: 'db' })).toBe(1);
    expect(valueOf(exposition, 'phoenix_health_status', { environment: 'prod', service: 'db', container: 'db-1' })).toBe(0);
    expect(valueOf(exposition, 'phoenix_health_status', { environment: 'prod', service: 'web', container: 'web-1' })).toBe(1);
  });

  it("forgets a container's health when Phoenix removes, recreates or creates it", async () => {
    const metrics = new Metrics({ processMetrics: false });
    const origin = { environment: 'prod', service: 'web' };
    for (const container of ['web-1', 'web-2', 'web-3', 'web-4']) metrics.observeEvent(event('container.healthy', { container }, origin));
    metrics.observeEvent(event('action.succeeded', { actionId: 1, kind: 'container.remove', resource: 'web-1', durationMs: 10 }, origin));
    metrics.observeEvent(event('action.succeeded', { actionId: 2, kind: 'container.recreate', resource: 'web-2', durationMs: 10 }, origin));
    metrics.observeEvent(event('action.succeeded', { actionId: 3, kind: 'container.create', resource: 'web-3', durationMs: 10 }, origin));
    metrics.observeEvent(event('action.succeeded', { actionId: 4, kind: 'container.start', resource: 'web-4', durationMs: 10 }, origin));
    const exposition = await scrape(metrics);
    for (const container of ['web-1', 'web-2', 'web-3']) expect(valueOf(exposition, 'phoenix_health_status', { container })).toBeUndefined();
    expect(valueOf(exposition, 'phoenix_health_status', { environment: 'prod', service: 'web', container: 'web-4' })).toBe(1);
  });

  it('holds 1 for a threshold alert until the event that resolves it', async () => {
    const metrics = new Metrics({ processMetrics: false });
    const origin = { environment: 'prod', service: 'web' };
    metrics.observeEvent(event('threshold.alert', { container: 'web-1', metric: 'memory', value: 900, limit: 800, sustainedMs: 60_000, recommendation: 'r' }, origin));
    metrics.observeEvent(event('threshold.alert', { container: 'web-1', metric: 'cpu', value: 95, limit: 80, sustainedMs: 60_000, recommendation: 'r' }, origin));
    let exposition = await scrape(metrics);
    expect(valueOf(exposition, 'phoenix_threshold_alerting', { environment: 'prod', service: 'web', container: 'web-1', metric: 'memory' })).toBe(1);
    expect(valueOf(exposition, 'phoenix_threshold_alerting', { container: 'web-1', metric: 'cpu' })).toBe(1);
    metrics.observeEvent(event('threshold.resolved', { container: 'web-1', metric: 'memory', value: 500, limit: 800 }, origin));
    exposition = await scrape(metrics);
    expect(valueOf(exposition, 'phoenix_threshold_alerting', { container: 'web-1', metric: 'memory' })).toBe(0);
    expect(valueOf(exposition, 'phoenix_threshold_alerting', { container: 'web-1', metric: 'cpu' })).toBe(1);
  });

  it('reads each service verdict at scrape time: 1 for the current one, 0 for the others', async () => {
    const metrics = new Metrics({ processMetrics: false });
    let verdict: 'converged' | 'degraded' = 'converged';
    metrics.readVerdictsFrom(() => [{ environment: 'prod', service: 'web', verdict }]);
    let exposition = await scrape(metrics);
    expect(valueOf(exposition, 'phoenix_service_verdict', { environment: 'prod', service: 'web', verdict: 'converged' })).toBe(1);
    expect(valueOf(exposition, 'phoenix_service_verdict', { environment: 'prod', service: 'web', verdict: 'degraded' })).toBe(0);
    verdict = 'degraded';
    exposition = await scrape(metrics);
    expect(valueOf(exposition, 'phoenix_service_verdict', { environment: 'prod', service: 'web', verdict: 'converged' })).toBe(0);
    expect(valueOf(exposition, 'phoenix_service_verdict', { environment: 'prod', service: 'web', verdict: 'degraded' })).toBe(1);
    expect(valueOf(exposition, 'phoenix_service_verdict', { environment: 'prod', service: 'web', verdict: 'failed' })).toBe(0);
  });
});
