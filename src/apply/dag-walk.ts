import { ExecutionError } from './execution-error.js';

/** A node of a dependency graph: an action, or anything shaped like one. */
export interface DagNode {
  readonly id: number;
  readonly dependsOn: readonly number[];
}

/** How one node ended. `error` is what `run` threw, untouched: the caller decides how to report it. */
export type NodeResult =
  | { readonly status: 'succeeded'; readonly durationMs: number }
  | { readonly status: 'failed'; readonly durationMs: number; readonly error: unknown }
  | { readonly status: 'skipped'; readonly reason: string }
  | { readonly status: 'cancelled'; readonly reason: string; readonly inFlight?: { readonly durationMs: number; readonly error: unknown } };

export interface WalkOptions<T extends DagNode> {
  /** Most nodes running at once; an integer of at least 1. */
  readonly concurrency: number;
  /** After it aborts no node starts; running ones see it through `run`'s signal. */
  readonly signal: AbortSignal;
  readonly now: () => number;
  readonly run: (node: T, signal: AbortSignal) => Promise<void>;
  /** Called just before `run`. */
  readonly onStart: (node: T) => void;
  /** Called once per node with its final result, skipped and cancelled nodes included. */
  readonly onSettle: (node: T, result: NodeResult) => void;
}

/**
 * Throws PHX-EXEC-INVALID-PLAN unless the nodes form a DAG: unique ids, every dependency a
 * node of the graph, no cycle. Checked before anything runs so that a bad plan touches nothing.
 */
export function assertDag(nodes: readonly DagNode[]): void {
  const invalid = (message: string): ExecutionError =>
    new ExecutionError('PHX-EXEC-INVALID-PLAN', message, 'Make a new plan (`phoenix plan`); a plan file edited by hand or by another version may be malformed.');
  const ids = new Set<number>();
  for (const node of nodes) {
    if (ids.has(node.id)) throw invalid(`the plan has two actions with id #${node.id}.`);
    ids.add(node.id);
  }
  for (const node of nodes) {
    for (const dependency of node.dependsOn) {
      if (!ids.has(dependency)) throw invalid(`action #${node.id} depends on #${dependency}, which is not in the plan.`);
      if (dependency === node.id) throw invalid(`action #${node.id} depends on itself.`);
    }
  }
  // Kahn: whatever never becomes free sits on a cycle (or behind one).
  const remaining = new Map(nodes.map((node) => [node.id, new Set(node.dependsOn).size]));
  const dependents = dependentsOf(nodes);
  const free = nodes.filter((node) => remaining.get(node.id) === 0).map((node) => node.id);
  let freed = 0;
  while (free.length > 0) {
    const id = free.pop()!;
    freed += 1;
    for (const dependent of dependents.get(id) ?? []) {
      const left = remaining.get(dependent)! - 1;
      remaining.set(dependent, left);
      if (left === 0) free.push(dependent);
    }
  }
  if (freed < nodes.length) {
    const stuck = nodes.filter((node) => remaining.get(node.id)! > 0).map((node) => `#${node.id}`);
    throw invalid(`the plan's dependencies form a cycle among ${stuck.join(', ')}.`);
  }
}

/** Direct dependents of each node id (each dependent listed once, in plan order). */
function dependentsOf(nodes: readonly DagNode[]): Map<number, number[]> {
  const dependents = new Map<number, number[]>();
  for (const node of nodes) {
    for (const dependency of new Set(node.dependsOn)) {
      const list = dependents.get(dependency) ?? [];
      list.push(node.id);
      dependents.set(dependency, list);
    }
  }
  return dependents;
}

/**
 * Runs every node once all its dependencies succeeded, at most `concurrency` at a time, ready
 * nodes in the order given. A failure skips exactly its transitive dependents; independent
 * branches go on. After abort nothing new starts, nodes not started are cancelled, and the
 * walk resolves once the running ones settle. Never rejects; `nodes` must satisfy assertDag.
 */
export function walkDag<T extends DagNode>(nodes: readonly T[], options: WalkOptions<T>): Promise<ReadonlyMap<number, NodeResult>> {
  const { concurrency, signal, now, run, onStart, onSettle } = options;
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const position = new Map(nodes.map((node, index) => [node.id, index]));
  const dependents = dependentsOf(nodes);
  const unmet = new Map(nodes.map((node) => [node.id, new Set(node.dependsOn).size]));
  const results = new Map<number, NodeResult>();
  const inFlight = new Set<number>();
  const ready: T[] = nodes.filter((node) => unmet.get(node.id) === 0);

  return new Promise((resolve) => {
    const settle = (node: T, result: NodeResult): void => {
      results.set(node.id, result);
      onSettle(node, result);
    };

    const finishWhenDone = (): void => {
      if (results.size === nodes.length) {
        signal.removeEventListener('abort', pump);
        resolve(results);
      }
    };

    const cancelNotStarted = (): void => {
      ready.length = 0;
      for (const node of nodes) {
        if (!results.has(node.id) && !inFlight.has(node.id)) settle(node, { status: 'cancelled', reason: 'the run was cancelled before it started' });
      }
    };

    const skipDependentsOf = (failedId: number): void => {
      const queue: { id: number; via: number | null }[] = (dependents.get(failedId) ?? []).map((id) => ({ id, via: null }));
      while (queue.length > 0) {
        const { id, via } = queue.shift()!;
        if (results.has(id)) continue;
        const reason = via === null ? `depends on #${failedId} which failed` : `depends on #${failedId} which failed (through #${via})`;
        settle(byId.get(id)!, { status: 'skipped', reason });
        for (const next of dependents.get(id) ?? []) queue.push({ id: next, via: id });
      }
    };

    const complete = (node: T, result: NodeResult): void => {
      inFlight.delete(node.id);
      settle(node, result);
      if (result.status === 'succeeded') {
        for (const dependentId of dependents.get(node.id) ?? []) {
          const left = unmet.get(dependentId)! - 1;
          unmet.set(dependentId, left);
          if (left === 0 && !results.has(dependentId)) ready.push(byId.get(dependentId)!);
        }
        ready.sort((a, b) => position.get(a.id)! - position.get(b.id)!);
      } else if (result.status === 'failed') {
        skipDependentsOf(node.id);
      }
      pump();
    };

    const start = (node: T): void => {
      inFlight.add(node.id);
      const startedAt = now();
      onStart(node);
      Promise.resolve()
        .then(() => run(node, signal))
        .then(
          () => complete(node, { status: 'succeeded', durationMs: now() - startedAt }),
          (error: unknown) => {
            const durationMs = now() - startedAt;
            complete(
              node,
              signal.aborted
                ? { status: 'cancelled', reason: 'the run was cancelled while it was in progress', inFlight: { durationMs, error } }
                : { status: 'failed', durationMs, error },
            );
          },
        );
    };

    function pump(): void {
      if (signal.aborted) cancelNotStarted();
      while (inFlight.size < concurrency && ready.length > 0) start(ready.shift()!);
      finishWhenDone();
    }

    signal.addEventListener('abort', pump);
    pump();
  });
}
