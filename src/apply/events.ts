import type { DependencyCondition } from '../model/desired.js';
import type { Action } from '../plan/actions.js';
import type { ErrorInfo } from './execution-error.js';

/**
 * What the executor reports while it works, as a discriminated union on `type`. Events
 * carry the action as planned (never a secret's value: a secret.create action holds only
 * where the value is read from) and errors in their plain ErrorInfo form.
 */
export type ExecutionEvent =
  | { readonly type: 'action.started'; readonly action: Action }
  | { readonly type: 'action.succeeded'; readonly action: Action; readonly durationMs: number }
  | { readonly type: 'action.failed'; readonly action: Action; readonly error: ErrorInfo; readonly durationMs: number }
  /** Not run because an action it depends on (directly or not) failed. */
  | { readonly type: 'action.skipped'; readonly action: Action; readonly reason: string }
  /**
   * Not run, or interrupted, because the run was cancelled; `error` and `durationMs` are
   * present only for an action that was in flight and rejected after cancellation.
   */
  | { readonly type: 'action.cancelled'; readonly action: Action; readonly reason: string; readonly error?: ErrorInfo; readonly durationMs?: number }
  /** A line of output of a build or pull in progress (podman's own words; builds and pulls carry no secret). */
  | { readonly type: 'action.progress'; readonly action: Action; readonly line: string }
  /** A container.start began waiting for a dependency. */
  | {
      readonly type: 'wait.waiting';
      readonly action: Action;
      readonly service: string;
      readonly containers: readonly string[];
      readonly condition: DependencyCondition;
    }
  /** A wait with `required: false` failed; the start goes ahead anyway. */
  | {
      readonly type: 'wait.warning';
      readonly action: Action;
      readonly service: string;
      readonly containers: readonly string[];
      readonly condition: DependencyCondition;
      readonly error: ErrorInfo;
    };

export type ExecutionEventType = ExecutionEvent['type'];

/** Receives events; a listener that throws is ignored (events report, they never steer). */
export type ExecutionEventListener = (event: ExecutionEvent) => void;
