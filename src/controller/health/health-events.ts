/**
 * Publishing from the health monitors: one place that stamps events with the environment,
 * the service, an id and the monitors' clock.
 */
import { randomUUID } from 'node:crypto';
import type { EventBus } from '../../events/event-bus.js';
import { makeEvent } from '../../events/event-bus.js';
import type { EventKind, EventPayloads } from '../../events/event-types.js';
import type { Timers } from './timers.js';

/** Which environment the events are about. */
export interface EnvironmentRef {
  readonly project: string;
  readonly environment: string;
}

/** Publishes typed events about one service of an environment. */
export type HealthPublisher = <K extends EventKind>(kind: K, environment: EnvironmentRef, service: string, data: EventPayloads[K]) => void;

/** A publisher onto `bus`, with ids from `newId` (random UUIDs by default) and times from `timers`. */
export function healthPublisher(bus: EventBus, timers: Timers, newId: () => string = randomUUID): HealthPublisher {
  return (kind, environment, service, data) => {
    bus.publish(makeEvent(kind, { project: environment.project, environment: environment.environment, service }, data, newId(), new Date(timers.now())));
  };
}
