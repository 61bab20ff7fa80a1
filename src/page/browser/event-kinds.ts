/**
 * Every kind of event the page listens for. /events sends each event as a named SSE event
 * (`event: io.phoenix.<kind>`), and EventSource hands a named event only to a listener of that
 * name: a kind missing here would never reach the page. The Record makes the type checker
 * say so when a kind is added to src/events/event-types.ts and not here.
 */
import type { EventKind } from '../../events/event-types.js';

const KINDS: Readonly<Record<EventKind, true>> = {
  'reconcile.started': true,
  'reconcile.succeeded': true,
  'reconcile.failed': true,
  'action.started': true,
  'action.succeeded': true,
  'action.failed': true,
  'drift.detected': true,
  'manifest.invalid': true,
  'container.died': true,
  'container.restarted': true,
  'container.unhealthy': true,
  'container.healthy': true,
  'service.crash-looping': true,
  'container.restart-failed': true,
  'secret.rotated': true,
  'threshold.alert': true,
  'threshold.resolved': true,
  'git.revision-applied': true,
  'revision.recorded': true,
  'rollout.failed': true,
  'rollout.rolled-back': true,
  'verdict.changed': true,
  'security.denied': true,
  'security.granted': true,
  'security.drift': true,
  'service.restart-requested': true,
  'service.restart-finished': true,
};

/** The SSE event names of every kind: `io.phoenix.<kind>`. */
export const EVENT_TYPES: readonly string[] = Object.keys(KINDS).map((kind) => `io.phoenix.${kind}`);
