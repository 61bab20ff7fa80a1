/**
 * watch's text lines (src/cli/watch-lines.ts) from a known stream of events: one line per
 * decision, quiet for an unchanged reconcile, heals and holds on lines of their own.
 */
import { describe, expect, it } from 'vitest';
import { makeEvent } from '../src/events/event-bus.js';
import type { EventKind, EventPayloads, PhoenixEvent } from '../src/events/event-types.js';
import { WatchLines, describeTrigger } from '../src/cli/watch-lines.js';

const TIME = new Date(2026, 11, 4, 21, 14, 3);

function event<K extends EventKind>(kind: K, data: EventPayloads[K], service?: string, environment = 'dev'): PhoenixEvent {
  return makeEvent(kind, { project: 'shop', environment, ...(service === undefined ? {} : { service }) }, data, 'id', TIME);
}

/** A whole reconcile's events, ending as it did. */
function reconcile(trigger: string, middle: PhoenixEvent[], end: { ok: boolean; durationMs: number; actions: number }): PhoenixEvent[] {
  return [
    event('reconcile.started', { trigger }),
    ...middle,
    end.ok
      ? event('reconcile.succeeded', { trigger, actions: end.actions, durationMs: end.durationMs, verdict: 'converged' })
      : event('reconcile.failed', { trigger, error: { code: 'PODMAN-TIMEOUT', message: 'podman did not answer', remediation: 'Check podman.' }, durationMs: end.durationMs, verdict: 'degraded' }),
  ];
}

function linesOf(lines: WatchLines, events: PhoenixEvent[]): { level: string; text: string }[] {
  return events.flatMap((e) => lines.handle(e));
}

describe('watch text lines', () => {
  it('folds a reconcile into one line: trigger, field diff, actions with durations, outcome, verdict', () => {
    const lines = new WatchLines(['dev', 'prod']);
    linesOf(lines, reconcile('start', [], { ok: true, durationMs: 40, actions: 0 }));
    const out = linesOf(
      lines,
      reconcile(
        'manifest changed: /srv/env/compose/app.yaml',
        [
          event('drift.detected', { actions: 2, summary: 'Plan: ...', changes: [{ service: 'web', container: 'shop-web-1', fields: [{ field: 'environment.LOG_LEVEL', op: 'replace', before: 'info', after: 'debug' }, { field: 'secrets', op: 'replace', secret: 'db_password' }] }] }),
          event('action.started', { actionId: 1, kind: 'container.recreate', resource: 'shop-web-1', cause: 'config changed' }, 'web'),
          event('action.succeeded', { actionId: 1, kind: 'container.recreate', resource: 'shop-web-1', durationMs: 1849 }, 'web'),
          event('action.started', { actionId: 2, kind: 'container.start', resource: 'shop-web-1', cause: 'created' }, 'web'),
          event('action.succeeded', { actionId: 2, kind: 'container.start', resource: 'shop-web-1', durationMs: 312 }, 'web'),
          event('secret.rotated', { secret: 'db_password', version: 'shop-db_password-0123456789ab' }),
        ],
        { ok: true, durationMs: 2149, actions: 2 },
      ),
    );
    expect(out).toEqual([{ level: 'info', text: '2026-12-04 21:14:03 dev   edit app.yaml · web: environment.LOG_LEVEL info→debug, secret db_password rotated · recreate shop-web-1 1.8 s, start shop-web-1 312 ms · ok in 2.1 s · converged' }]);
  });

  it('is quiet (debug) for an unchanged reconcile, except the first of an environment', () => {
    const lines = new WatchLines(['dev']);
    expect(linesOf(lines, reconcile('start', [], { ok: true, durationMs: 40, actions: 0 }))).toEqual([{ level: 'info', text: '2026-12-04 21:14:03 dev  start · nothing to do · converged' }]);
    expect(linesOf(lines, reconcile('periodic resync (every 5m)', [], { ok: true, durationMs: 40, actions: 0 }))).toEqual([{ level: 'debug', text: '2026-12-04 21:14:03 dev  resync · nothing to do · converged' }]);
  });

  it('shows a heal made by the reconcile, with the exit code', () => {
    const lines = new WatchLines(['dev']);
    const out = linesOf(
      lines,
      reconcile(
        'container shop-web-1 died (exit code 137)',
        [
          event('action.started', { actionId: 1, kind: 'container.start', resource: 'shop-web-1', cause: 'exited' }, 'web'),
          event('action.succeeded', { actionId: 1, kind: 'container.start', resource: 'shop-web-1', durationMs: 412 }, 'web'),
          event('container.restarted', { container: 'shop-web-1', reason: 'exited with code 137', attempt: 1, backoffMs: 0 }, 'web'),
        ],
        { ok: true, durationMs: 480, actions: 1 },
      ),
    );
    expect(out.map((l) => l.text)).toEqual(['2026-12-04 21:14:03 dev  podman: shop-web-1 died (exit code 137) · heal: restart shop-web-1 (attempt 1: exited with code 137) 412 ms · ok in 480 ms · converged']);
  });

  it('does not tell a heal twice when the restart policy triggered the reconcile', () => {
    const lines = new WatchLines(['dev']);
    const trigger = 'restart shop-api-1 (attempt 1): unhealthy: its health check failed 3 times in a row';
    const out = linesOf(
      lines,
      reconcile(
        trigger,
        [
          event('action.started', { actionId: 1, kind: 'container.stop', resource: 'shop-api-1', cause: 'unhealthy' }, 'api'),
          event('action.succeeded', { actionId: 1, kind: 'container.stop', resource: 'shop-api-1', durationMs: 1012 }, 'api'),
          event('action.started', { actionId: 2, kind: 'container.start', resource: 'shop-api-1', cause: 'unhealthy' }, 'api'),
          event('action.succeeded', { actionId: 2, kind: 'container.start', resource: 'shop-api-1', durationMs: 290 }, 'api'),
          event('container.restarted', { container: 'shop-api-1', reason: 'unhealthy: its health check failed 3 times in a row', attempt: 1, backoffMs: 0 }, 'api'),
        ],
        { ok: true, durationMs: 1400, actions: 2 },
      ),
    );
    expect(out.map((l) => l.text)).toEqual(['2026-12-04 21:14:03 dev  heal: restart shop-api-1 (attempt 1: unhealthy: its health check failed 3 times in a row) · stop shop-api-1 1.0 s, start shop-api-1 290 ms · ok in 1.4 s · converged']);
  });

  it('says what failed, and names holds and verdict changes on lines of their own', () => {
    const lines = new WatchLines(['dev']);
    const failed = linesOf(lines, reconcile('periodic resync (every 30s)', [], { ok: false, durationMs: 10_000, actions: 0 }));
    expect(failed).toEqual([{ level: 'error', text: '2026-12-04 21:14:03 dev  resync · FAILED in 10.0 s: PODMAN-TIMEOUT podman did not answer Check podman. · degraded' }]);
    const hold = lines.handle(event('service.crash-looping', { restarts: 5, windowMs: 60_000, lastError: 'shop-web-1: exited with code 1', container: 'shop-web-1', exitCode: 1, logLines: ['boot', 'panic: no config'] }, 'web'));
    expect(hold[0]!.level).toBe('error');
    expect(hold[0]!.text).toMatch(/dev {2}hold: web crash-looping, 5 restarts within 60\.0 s \(exit code 1\); restarts stop .* \| last log: panic: no config$/);
    const verdict = lines.handle(event('verdict.changed', { scope: 'service', from: 'converged', to: 'degraded', reason: 'unhealthy', detail: 'shop-web-1 is unhealthy: HTTP 500' }, 'web'));
    expect(verdict).toEqual([{ level: 'warn', text: '2026-12-04 21:14:03 dev  verdict: web converged → degraded (shop-web-1 is unhealthy: HTTP 500)' }]);
    expect(lines.handle(event('verdict.changed', { scope: 'environment', from: 'converged', to: 'degraded', reason: 'unhealthy', detail: '' }))[0]!.level).toBe('debug');
  });

  it('names a failed rollout and its rollback', () => {
    const lines = new WatchLines(['dev']);
    expect(lines.handle(event('rollout.failed', { revision: 7, services: ['web'], reason: 'web: shop-web-1 is unhealthy', rollingBackTo: 6 }))).toEqual([{ level: 'error', text: '2026-12-04 21:14:03 dev  rollout: revision 7 failed (web): web: shop-web-1 is unhealthy; rolling back to revision 6' }]);
    expect(lines.handle(event('rollout.rolled-back', { failedRevision: 7, revision: 8, to: 6, ok: true }))).toEqual([{ level: 'warn', text: '2026-12-04 21:14:03 dev  rollback: revision 7 rolled back to revision 6 (recorded as revision 8)' }]);
  });

  it('describes each kind of trigger in a few words', () => {
    expect(describeTrigger('manifest changed: /a/dev.yaml, /a/compose/app.yaml')).toBe('edit dev.yaml, app.yaml');
    expect(describeTrigger('git: new commit 0123456789abcdef0123456789abcdef01234567 Raise the log level')).toBe('git 0123456 "Raise the log level"');
    expect(describeTrigger('restart shop-web-1 (attempt 2): unhealthy: its health check failed 3 times in a row')).toBe('heal: restart shop-web-1 (attempt 2: unhealthy: its health check failed 3 times in a row)');
    expect(describeTrigger('requested by phoenix apply (pid 4711)')).toBe('apply hand-off (pid 4711)');
    expect(describeTrigger('periodic resync (every 5m), container shop-web-1 is unhealthy')).toBe('resync + podman: shop-web-1 is unhealthy');
  });

  it('tells a restart asked for through the API: who asked, and how it went', () => {
    const lines = new WatchLines(['dev']);
    const error = { code: 'PODMAN-FAILED', message: 'no such container', remediation: 'Apply.' };
    const out = linesOf(lines, [
      event('service.restart-requested', { via: 'http', requestedBy: { address: '127.0.0.1:53412', userAgent: 'Mozilla/5.0' } }, 'web'),
      event('service.restart-finished', { requestId: 'r', ok: true, actions: 2, durationMs: 1184, error: null }, 'web'),
      event('service.restart-finished', { requestId: 'r', ok: false, actions: 2, durationMs: 10, error }, 'web'),
    ]);
    expect(out).toEqual([
      { level: 'info', text: '2026-12-04 21:14:03 dev  restart: web requested from 127.0.0.1:53412 (Mozilla/5.0)' },
      { level: 'info', text: '2026-12-04 21:14:03 dev  restart: web restarted (2 actions, 1.2 s)' },
      { level: 'error', text: '2026-12-04 21:14:03 dev  restart: web failed: PODMAN-FAILED no such container' },
    ]);
  });
});
