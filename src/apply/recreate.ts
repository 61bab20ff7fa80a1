import type { CallOptions, PodmanClient } from '../podman/podman-client.js';
import type { Action } from '../plan/actions.js';

type RecreateAction = Extract<Action, { kind: 'container.recreate' }>;

/** The temporary name a replacement is created under, next to the container it replaces. */
export function replacementName(name: string): string {
  return `${name}-next`;
}

/**
 * Replaces a container, creating the replacement before the original goes (Compose's
 * planRecreateContainer): a broken image or spec fails the action while the original still
 * runs. Sequence: remove a leftover `<name>-next` from an interrupted run, create
 * `<name>-next`, remove the original (a removal stops it first, with its grace period: one
 * Podman call instead of a stop and a removal), rename the replacement. The plan's following
 * container.start starts it. No rollback: a failure part-way leaves `<name>-next`, which the
 * next run removes first.
 */
export async function recreateContainer(podman: PodmanClient, action: RecreateAction, call: CallOptions): Promise<void> {
  const { container, replaces } = action;
  const next = replacementName(container.name);
  // removeContainer does not fail on a missing container, so the leftover check is free.
  await podman.removeContainer(next, 0, call);
  await podman.createContainer(container, next, call);
  await podman.removeContainer(replaces.name, replaces.timeoutSeconds, call);
  await podman.renameContainer(next, container.name, call);
}
