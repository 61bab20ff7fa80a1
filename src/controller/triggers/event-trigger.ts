/**
 * Turns Podman's container events into "environment X may be out of date". Only events that
 * can mean drift count (a container died, was removed, changed health); the rest (exec,
 * attach, init, cleanup...) is noise that Phoenix's own health checks and applies make all
 * the time. The trigger carries no diff: the reconcile observes afresh (DESIGN.md).
 */
import { LABEL, MANAGED_BY } from '../../model/desired.js';
import type { ContainerEvent, ContainerEventSource, EventStreamRunner, EventWatchStatus } from '../../podman/podman-events.js';
import { watchContainerEvents } from '../../podman/podman-events.js';

/** The statuses that trigger a reconcile of the container's environment by default. */
export const DRIFT_STATUSES: ReadonlySet<string> = new Set(['died', 'remove', 'health_status']);

/** Health statuses remembered per container, at most this many (removed containers are dropped sooner). */
const REMEMBERED_CONTAINERS = 10_000;

/** Where an event trigger sends its triggers, and which events count. */
export interface EventTriggerOptions {
  readonly onTrigger: (environment: string, reason: string) => void;
  /**
   * Whether this controller reconciles `environment` of `project`; events of other
   * environments (another Phoenix, another environments folder) are ignored. Default: all.
   */
  readonly isWatched?: (environment: string, project: string) => boolean;
  /** Default {@link DRIFT_STATUSES}. */
  readonly statuses?: ReadonlySet<string>;
  /** Told of each `died` event of a watched environment's container (for the `container.died` event). */
  readonly onDied?: (owner: ContainerOwner, event: ContainerEvent) => void;
}

/** Whose container an event is about: its environment, project and, when labelled, service. */
export interface ContainerOwner {
  readonly environment: string;
  readonly project: string;
  readonly service?: string;
}

/** The environment an event's container belongs to, when Phoenix owns it. */
export function ownerOf(event: ContainerEvent): ContainerOwner | null {
  const environment = event.labels[LABEL.environment];
  const project = event.labels[LABEL.project];
  const service = event.labels[LABEL.service];
  if (event.labels[LABEL.managedBy] !== MANAGED_BY || environment === undefined || environment === '' || project === undefined) return null;
  return service === undefined || service === '' ? { environment, project } : { environment, project, service };
}

function describe(event: ContainerEvent): string {
  const name = event.name === '' ? event.id.slice(0, 12) : event.name;
  switch (event.status) {
    case 'died':
      return `container ${name} died${event.exitCode === null ? '' : ` (exit code ${event.exitCode})`}`;
    case 'remove':
      return `container ${name} was removed`;
    case 'health_status':
      return `container ${name} is ${event.healthStatus ?? 'of unknown health'}`;
    default:
      return `container ${name}: ${event.status}`;
  }
}

/**
 * Maps events to triggers. Stateful only for health: Podman reports a health status on every
 * check run (and Phoenix runs checks itself where systemd timers are missing), so only a
 * change of a container's health triggers, a new container counting as `starting`.
 */
export class ContainerEventTrigger {
  private readonly statuses: ReadonlySet<string>;
  private readonly health = new Map<string, string>();

  constructor(private readonly options: EventTriggerOptions) {
    this.statuses = options.statuses ?? DRIFT_STATUSES;
  }

  /** Handles one event: calls onTrigger when it may mean drift of a watched environment. */
  handle(event: ContainerEvent): void {
    const owner = ownerOf(event);
    if (owner === null || !this.statuses.has(event.status)) return;
    if (this.options.isWatched !== undefined && !this.options.isWatched(owner.environment, owner.project)) return;
    if (event.status === 'remove') this.health.delete(event.id);
    if (event.status === 'died') this.options.onDied?.(owner, event);
    if (event.status === 'health_status' && !this.healthChanged(event)) return;
    this.options.onTrigger(owner.environment, describe(event));
  }

  private healthChanged(event: ContainerEvent): boolean {
    const current = event.healthStatus ?? '';
    const previous = this.health.get(event.id) ?? 'starting';
    this.health.delete(event.id);
    this.health.set(event.id, current);
    if (this.health.size > REMEMBERED_CONTAINERS) this.health.delete(this.health.keys().next().value!);
    return current !== previous;
  }
}

/** What {@link runEventTrigger} takes besides the trigger's own options. */
export interface RunEventTriggerOptions extends EventTriggerOptions {
  /** Ask Podman only for this project's events, when the controller watches a single project. */
  readonly project?: string;
  readonly onStatus?: (status: EventWatchStatus) => void;
}

/**
 * Watches Podman's container events and triggers the environments they concern, until
 * `signal` aborts; the event stream restarts by itself when it drops. Never rejects.
 */
export async function runEventTrigger(source: ContainerEventSource | EventStreamRunner, options: RunEventTriggerOptions, signal: AbortSignal): Promise<void> {
  const trigger = new ContainerEventTrigger(options);
  const watchOptions = { ...(options.project === undefined ? {} : { project: options.project }), ...(options.onStatus === undefined ? {} : { onStatus: options.onStatus }) };
  await watchContainerEvents(source, watchOptions, (event) => trigger.handle(event), signal);
}
