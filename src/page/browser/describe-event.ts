/**
 * One line for a person per event, as the page's event list shows it. Pure. Kinds without a
 * line of their own show their data's first few fields, so a new kind is never blank.
 */
import type { PhoenixEvent } from '../../events/event-types.js';

/** The event's kind: its type without `io.phoenix.`. */
export function kindOf(event: PhoenixEvent): string {
  return event.type.slice('io.phoenix.'.length);
}

function fallback(data: unknown): string {
  if (data === null || typeof data !== 'object') return '';
  return Object.entries(data as Record<string, unknown>)
    .filter(([, value]) => value !== null && typeof value !== 'object')
    .slice(0, 4)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
}

/** `web-1 died (exit 137)`, `reconcile succeeded: 2 actions in 340 ms`, ... */
export function describeEvent(event: PhoenixEvent): string {
  switch (event.type) {
    case 'io.phoenix.reconcile.started':
      return `reconcile started (${event.data.trigger})`;
    case 'io.phoenix.reconcile.succeeded':
      return `reconcile succeeded: ${event.data.actions} action${event.data.actions === 1 ? '' : 's'} in ${event.data.durationMs} ms`;
    case 'io.phoenix.reconcile.failed':
      return `reconcile failed: ${event.data.error.code} ${event.data.error.message}`;
    case 'io.phoenix.action.started':
      return `${event.data.kind} ${event.data.resource} (${event.data.cause})`;
    case 'io.phoenix.action.succeeded':
      return `${event.data.kind} ${event.data.resource} done in ${event.data.durationMs} ms`;
    case 'io.phoenix.action.failed':
      return `${event.data.kind} ${event.data.resource} failed: ${event.data.error.message}`;
    case 'io.phoenix.drift.detected':
      return `drift: ${event.data.summary}`;
    case 'io.phoenix.manifest.invalid':
      return `manifest invalid: ${event.data.issues.map((issue) => `${issue.location} ${issue.code}`).join('; ')}`;
    case 'io.phoenix.container.died':
      return `${event.data.container} died${event.data.exitCode === null ? '' : ` (exit ${event.data.exitCode})`}`;
    case 'io.phoenix.container.restarted':
      return `${event.data.container} restarted (${event.data.reason}, attempt ${event.data.attempt})`;
    case 'io.phoenix.container.unhealthy':
      return `${event.data.container} unhealthy after ${event.data.failures} failed check${event.data.failures === 1 ? '' : 's'}`;
    case 'io.phoenix.container.healthy':
      return `${event.data.container} healthy`;
    case 'io.phoenix.service.crash-looping':
      return `crash-looping: ${event.data.restarts} restarts, last error ${event.data.lastError}`;
    case 'io.phoenix.container.restart-failed':
      return `${event.data.container} could not be restarted: ${event.data.error}`;
    case 'io.phoenix.verdict.changed':
      return `${event.data.scope} ${event.data.from} → ${event.data.to}${event.data.detail === '' ? '' : `: ${event.data.detail}`}`;
    case 'io.phoenix.revision.recorded':
      return `revision ${event.data.revision} recorded (${event.data.result}, ${event.data.actions} actions)`;
    case 'io.phoenix.rollout.failed':
      return `rollout of revision ${event.data.revision} failed: ${event.data.reason}`;
    case 'io.phoenix.rollout.rolled-back':
      return `rolled back from revision ${event.data.failedRevision} to ${event.data.to}`;
    case 'io.phoenix.threshold.alert':
      return `${event.data.container} ${event.data.metric} ${event.data.value} over ${event.data.limit}`;
    case 'io.phoenix.threshold.resolved':
      return `${event.data.container} ${event.data.metric} back under ${event.data.limit}`;
    case 'io.phoenix.service.restart-requested':
      return `restart asked for from ${event.data.requestedBy.address}`;
    case 'io.phoenix.service.restart-finished':
      return event.data.ok ? `restarted (${event.data.actions} actions)` : `restart failed: ${event.data.error?.code ?? ''} ${event.data.error?.message ?? ''}`.trim();
    default:
      return fallback(event.data);
  }
}
