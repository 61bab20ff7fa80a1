import type { ActionKind } from '../plan/actions.js';
import type { ErrorInfo } from './execution-error.js';

/** How one action ended. */
export type ActionStatus = 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** The outcome of one action of the plan. */
export interface ActionOutcome {
  readonly id: number;
  readonly kind: ActionKind;
  readonly status: ActionStatus;
  /** 0 for an action that never started. */
  readonly durationMs: number;
  /** Why it failed, or why an in-flight action was cancelled. */
  readonly error?: ErrorInfo;
  /** Why it was skipped or cancelled, e.g. `depends on #3 which failed`. */
  readonly reason?: string;
}

/** Number of actions by status. */
export type StatusCounts = Readonly<Record<ActionStatus, number>>;

/** What happened to a plan: one outcome per action, in plan order, and a verdict. */
export interface ExecutionReport {
  /** In plan order; every action of the plan appears exactly once. */
  readonly actions: readonly ActionOutcome[];
  readonly counts: StatusCounts;
  /** True when every action succeeded (an empty plan is ok). */
  readonly ok: boolean;
  readonly durationMs: number;
}

/** Assembles the report from outcomes given in plan order. */
export function buildReport(actions: readonly ActionOutcome[], durationMs: number): ExecutionReport {
  const counts: Record<ActionStatus, number> = { succeeded: 0, failed: 0, skipped: 0, cancelled: 0 };
  for (const outcome of actions) counts[outcome.status] += 1;
  return { actions, counts, ok: counts.succeeded === actions.length, durationMs };
}

/** The outcome of the action with this id, or undefined when the plan had none. */
export function outcomeOf(report: ExecutionReport, id: number): ActionOutcome | undefined {
  return report.actions.find((outcome) => outcome.id === id);
}
