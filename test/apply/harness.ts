import type { ExecuteOptions, ExecutorDeps } from '../../src/apply/execute.js';
import { execute } from '../../src/apply/execute.js';
import type { ExecutionEvent } from '../../src/apply/events.js';
import type { ExecutionReport } from '../../src/apply/report.js';
import type { SecretSource } from '../../src/model/desired.js';
import type { Plan } from '../../src/plan/actions.js';
import { FakeClock } from './fake-clock.js';
import { FakePodman } from './fake-podman.js';

/** A FakePodman on a FakeClock, an event recorder, and `run` that executes a plan on virtual time. */
export interface Harness {
  readonly clock: FakeClock;
  readonly podman: FakePodman;
  readonly events: ExecutionEvent[];
  /** The virtual time of each event, index for index. */
  readonly eventTimes: number[];
  /** Values readSecret returns, by environment variable or file path. */
  readonly secretValues: Map<string, string>;
  readonly deps: ExecutorDeps;
  run(plan: Plan, options?: ExecuteOptions): Promise<ExecutionReport>;
  /** `type #id` for each event, in order. */
  eventLog(): string[];
}

export function harness(): Harness {
  const clock = new FakeClock();
  const podman = new FakePodman(clock);
  const events: ExecutionEvent[] = [];
  const eventTimes: number[] = [];
  const secretValues = new Map<string, string>();
  const deps: ExecutorDeps = {
    podman,
    readSecret: (source: SecretSource) => {
      const key = source.kind === 'environment' ? source.variable : source.path;
      const value = secretValues.get(key);
      return value === undefined ? Promise.reject(new Error(`no value for ${key}`)) : Promise.resolve(new TextEncoder().encode(value));
    },
    sleep: clock.sleep,
    now: clock.now,
    onEvent: (event) => {
      events.push(event);
      eventTimes.push(clock.now());
    },
  };
  return {
    clock,
    podman,
    events,
    eventTimes,
    secretValues,
    deps,
    run: (plan, options) => clock.run(execute(plan, deps, options)),
    eventLog: () => events.map((event) => `${event.type} #${event.action.id}`),
  };
}
