/**
 * What watch's `/api/*` routes do (telemetry/api-routes.ts reads the requests): a service's log
 * tail, and a restart that goes through the work queue (never beside a reconcile) and is
 * recorded as a `service.restart-requested` event naming who asked. Only environments this
 * watch runs, and only their services, are reachable.
 */
import { randomUUID } from 'node:crypto';
import type { EventBus } from '../events/event-bus.js';
import { makeEvent } from '../events/event-bus.js';
import type { ApiHandlers, ApiRefusal, Requester } from '../telemetry/api-routes.js';
import { API_CODES } from '../telemetry/api-routes.js';
import type { EnvironmentRuntime } from './environment-runtime.js';

/** What the handlers need of the controller. */
export interface WatchApiDeps {
  readonly token: string;
  readonly bus: EventBus;
  /** The runtime of a watched environment; undefined for any other name. */
  readonly runtime: (environment: string) => EnvironmentRuntime | undefined;
  /** Puts the environment in the work queue (skipping a failure's backoff): the restart runs at the start of its work item. */
  readonly enqueue: (environment: string, reason: string) => void;
  /** False once watch is stopping: no new restart is taken. */
  readonly accepting: () => boolean;
}

function notWatched(environment: string, service: string | null): ApiRefusal {
  return {
    status: 404,
    code: API_CODES.notWatched,
    message: service === null ? `this watch does not run the environment ${JSON.stringify(environment)}` : `the environment ${JSON.stringify(environment)} has no service ${JSON.stringify(service)} (in its last manifests that validated)`,
    remediation: 'Take the environment and service names from /status; only the environments this watch runs are reachable.',
  };
}

/** The API's handlers over the controller's runtimes. */
export function watchApiHandlers(deps: WatchApiDeps): ApiHandlers {
  return {
    token: deps.token,
    async logs(environment, service, tail, signal) {
      const runtime = deps.runtime(environment);
      if (runtime === undefined) return notWatched(environment, null);
      try {
        const read = await runtime.logTail(service, tail, signal);
        if (read === null) return notWatched(environment, service);
        return { environment, service, tail, containers: read.containers, lines: read.tail.lines, truncated: read.tail.truncated };
      } catch (error) {
        const e = error as { code?: unknown; message?: unknown; remediation?: unknown };
        return {
          status: 502,
          code: typeof e.code === 'string' ? e.code : 'PODMAN-FAILED',
          message: `the logs could not be read: ${typeof e.message === 'string' ? e.message : String(error)}`,
          remediation: typeof e.remediation === 'string' ? e.remediation : 'Try again; a container recreated meanwhile has a new log.',
        };
      }
    },
    async restart(environment, service, requester: Requester) {
      const runtime = deps.runtime(environment);
      if (runtime === undefined) return notWatched(environment, null);
      if (!runtime.hasService(service)) return notWatched(environment, service);
      if (!deps.accepting()) return { status: 503, code: 'PHX-WATCH-STOPPING', message: 'watch is stopping', remediation: 'Run phoenix restart, or ask again once watch runs.' };
      const project = runtime.reconciler.desired?.project ?? environment;
      const requestId = randomUUID();
      // Recorded first: the request is on the record even if the restart never runs.
      deps.bus.publish(makeEvent('service.restart-requested', { project, environment, service, correlationId: requestId }, { via: 'http', requestedBy: { address: requester.address, userAgent: requester.userAgent } }, requestId, new Date()));
      const outcome = runtime.requestRestart(service, requestId);
      deps.enqueue(environment, `restart of ${service} requested from ${requester.address}`);
      const result = await outcome;
      return { environment, service, requestId, ...result };
    },
  };
}
