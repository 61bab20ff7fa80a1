import type { EventKind, EventPayloads, PhoenixEvent, Severity } from './event-types.js';
import { kindOf } from './event-types.js';
import { typeMatches } from './type-pattern.js';

/**
 * Which events a subscriber wants. Every listed criterion must match; an absent one matches
 * all. Type patterns are kinds with `*` as a wildcard (`container.*`, `*.failed`).
 */
export interface EventFilter {
  readonly types?: readonly string[];
  readonly environments?: readonly string[];
  readonly services?: readonly string[];
  /** Severities that pass (`critical`, `high`, ...). */
  readonly severities?: readonly Severity[];
}


/** True when the event passes the filter. */
export function matchesFilter(event: PhoenixEvent, filter: EventFilter): boolean {
  if (filter.types !== undefined && filter.types.length > 0 && !filter.types.some((pattern) => typeMatches(pattern, kindOf(event)))) return false;
  if (filter.environments !== undefined && filter.environments.length > 0 && !filter.environments.includes(event.environment)) return false;
  if (filter.services !== undefined && filter.services.length > 0 && (event.subject === undefined || !filter.services.includes(event.subject))) return false;
  if (filter.severities !== undefined && filter.severities.length > 0 && !filter.severities.includes(event.severity)) return false;
  return true;
}

/** Receives events; it must not throw (a throwing sink is isolated and the error reported). */
export type EventHandler = (event: PhoenixEvent) => void;

/** The default severity of each kind; a publisher may override it. */
const SEVERITY: Record<EventKind, Severity> = {
  'reconcile.started': 'info',
  'reconcile.succeeded': 'info',
  'reconcile.failed': 'high',
  'action.started': 'info',
  'action.succeeded': 'info',
  'action.failed': 'high',
  'drift.detected': 'medium',
  'manifest.invalid': 'high',
  'container.died': 'medium',
  'container.restarted': 'medium',
  'container.unhealthy': 'high',
  'container.healthy': 'info',
  'service.crash-looping': 'critical',
  'container.restart-failed': 'high',
  'secret.rotated': 'info',
  'threshold.alert': 'high',
  'threshold.resolved': 'info',
  'git.revision-applied': 'info',
  'revision.recorded': 'info',
  'rollout.failed': 'critical',
  'rollout.rolled-back': 'high',
  'verdict.changed': 'info',
  'security.denied': 'high',
  'security.granted': 'medium',
  'security.drift': 'critical',
  'service.restart-requested': 'medium',
  'service.restart-finished': 'info',
};

/** Where an event comes from, and what correlates it. */
export interface EventOrigin {
  readonly project: string;
  readonly environment: string;
  readonly service?: string;
  readonly severity?: Severity;
  readonly correlationId?: string;
  readonly causationId?: string;
}

/**
 * Builds a CloudEvents-shaped event. Pure: the id and the time are given, so that callers
 * (and tests) control them.
 */
export function makeEvent<K extends EventKind>(kind: K, origin: EventOrigin, data: EventPayloads[K], id: string, time: Date): PhoenixEvent {
  return {
    specversion: '1.0',
    id,
    source: `phoenix://${origin.project}/${origin.environment}`,
    type: `io.phoenix.${kind}`,
    time: time.toISOString(),
    ...(origin.service === undefined ? {} : { subject: origin.service }),
    datacontenttype: 'application/json',
    severity: origin.severity ?? SEVERITY[kind],
    project: origin.project,
    environment: origin.environment,
    ...(origin.correlationId === undefined ? {} : { correlationid: origin.correlationId }),
    ...(origin.causationId === undefined ? {} : { causationid: origin.causationId }),
    data,
  } as PhoenixEvent;
}

/** The typed event bus inside Phoenix: publishers emit, sinks subscribe with filters. */
export class EventBus {
  private readonly subscribers = new Set<{ filter: EventFilter; handler: EventHandler }>();

  /**
   * @param onSinkError told when a subscriber throws; the event still reaches the others
   * @param redact applied to every event before any subscriber sees it (watch passes its
   *   secret redactor: a health check's output or a log line may print a secret, and every
   *   sink, SSE, the log and the audit log take events from here)
   */
  constructor(
    private readonly onSinkError: (error: unknown) => void = () => undefined,
    private readonly redact: (event: PhoenixEvent) => PhoenixEvent = (event) => event,
  ) {}

  /** Delivers the event, redacted, to every subscriber whose filter it passes. */
  publish(raw: PhoenixEvent): void {
    if (this.subscribers.size === 0) return;
    const event = this.redact(raw);
    for (const subscriber of this.subscribers) {
      if (!matchesFilter(event, subscriber.filter)) continue;
      try {
        subscriber.handler(event);
      } catch (error) {
        this.onSinkError(error);
      }
    }
  }

  /** Adds a subscriber; returns the function that removes it. */
  subscribe(filter: EventFilter, handler: EventHandler): () => void {
    const entry = { filter, handler };
    this.subscribers.add(entry);
    return () => void this.subscribers.delete(entry);
  }
}
