import type { Action, ActionKind } from './actions.js';
import { MinHeap } from './min-heap.js';

/** An action before it has a place in the plan: identified by a key, depending on keys. */
export interface PendingAction {
  readonly key: string;
  readonly action: DistributiveOmit<Action, 'id' | 'dependsOn'>;
  readonly after: Set<string>;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Among actions free to run, the report lists creations first and removals last. */
const KIND_RANK: Record<ActionKind, number> = {
  'image.pull': -2,
  'image.build': -1,
  'network.create': 0,
  'volume.create': 1,
  'secret.create': 2,
  'container.create': 3,
  'container.recreate': 4,
  'container.stop': 5,
  'container.remove': 6,
  'container.start': 7,
  'secret.remove': 8,
  'volume.remove': 9,
  'network.remove': 10,
};

/**
 * Orders actions so that each comes after everything it depends on (Kahn's algorithm), with
 * ties broken by kind and key so that the same inputs always give the same plan; then
 * numbers them from 1 and turns key dependencies into id dependencies.
 */
export function orderActions(pending: readonly PendingAction[]): Action[] {
  const byKey = new Map(pending.map((p) => [p.key, p]));
  const remaining = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const p of pending) {
    const deps = [...p.after].filter((key) => byKey.has(key));
    remaining.set(p.key, deps.length);
    for (const dep of deps) {
      const list = dependents.get(dep);
      if (list === undefined) dependents.set(dep, [p.key]);
      else list.push(p.key);
    }
  }
  const rank = (key: string): [number, string] => {
    const p = byKey.get(key)!;
    return [KIND_RANK[p.action.kind], key];
  };
  const compare = (a: string, b: string): number => {
    const [ra, ka] = rank(a);
    const [rb, kb] = rank(b);
    return ra - rb || ka.localeCompare(kb);
  };
  // A heap, not a list sorted on every step: re-sorting made ordering quadratic in the number
  // of actions that are ready together (10k replicas of one service all wait on one network).
  const ready = new MinHeap<string>(compare);
  for (const p of pending) if (remaining.get(p.key) === 0) ready.push(p.key);
  const ordered: string[] = [];
  for (let key = ready.pop(); key !== undefined; key = ready.pop()) {
    ordered.push(key);
    for (const dependent of dependents.get(key) ?? []) {
      const left = remaining.get(dependent)! - 1;
      remaining.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  if (ordered.length !== pending.length) {
    const done = new Set(ordered);
    const stuck = pending.filter((p) => !done.has(p.key)).map((p) => p.key);
    throw new Error(`planner bug: actions depend on each other in a cycle: ${stuck.join(', ')}`);
  }
  const ids = new Map(ordered.map((key, index) => [key, index + 1]));
  return ordered.map((key) => {
    const p = byKey.get(key)!;
    const dependsOn = [...p.after].flatMap((dep) => (ids.has(dep) ? [ids.get(dep)!] : [])).sort((a, b) => a - b);
    return { ...p.action, id: ids.get(key)!, dependsOn } as Action;
  });
}
