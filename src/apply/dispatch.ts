import type { SecretSource } from '../model/desired.js';
import type { PodmanClient } from '../podman/podman-client.js';
import type { Action } from '../plan/actions.js';
import { awaitDependencies } from './dependency-waits.js';
import type { ExecutionEvent } from './events.js';
import { recreateContainer } from './recreate.js';
import { createSecret } from './secret-create.js';
import type { WaitContext } from './wait-context.js';

/** Everything one action may use. */
export interface DispatchContext extends WaitContext {
  readonly podman: PodmanClient;
  readonly readSecret: (source: SecretSource) => Promise<Uint8Array>;
  readonly emit: (event: ExecutionEvent) => void;
  /** Records that an image reference was just pulled (for periodic pull policies); absent: not recorded. */
  readonly recordPull?: (image: string) => void;
}

/**
 * Performs one action: an exhaustive switch on its kind that maps it to Podman calls and
 * decides nothing (every decision was the planner's). Rejects with whatever failed.
 */
export async function dispatchAction(action: Action, context: DispatchContext, signal: AbortSignal): Promise<void> {
  const { podman } = context;
  const call = { signal };
  const progress = (line: string): void => context.emit({ type: 'action.progress', action, line });
  switch (action.kind) {
    case 'image.build':
      return podman.buildImage(action.build, progress, call);
    case 'image.pull':
      await podman.pullImage(action.image, { tlsVerify: action.tlsVerify }, progress, call);
      context.recordPull?.(action.image);
      return;
    case 'network.create':
      return podman.createNetwork(action.network, call);
    case 'network.remove':
      return podman.removeNetwork(action.name, call);
    case 'volume.create':
      return podman.createVolume(action.volume, call);
    case 'volume.remove':
      return podman.removeVolume(action.name, call);
    case 'secret.create':
      return createSecret(podman, context.readSecret, action, call);
    case 'secret.remove':
      return podman.removeSecret(action.name, call);
    case 'container.create':
      await podman.createContainer(action.container, undefined, call);
      return;
    case 'container.recreate':
      return recreateContainer(podman, action, call);
    case 'container.start':
      await awaitDependencies(action, context, context.emit, signal);
      return podman.startContainer(action.name, call);
    case 'container.stop':
      return podman.stopContainer(action.name, action.timeoutSeconds, call);
    case 'container.remove':
      return podman.removeContainer(action.name, action.timeoutSeconds, call);
    default:
      return unknownAction(action);
  }
}

function unknownAction(action: never): never {
  throw new Error(`the executor does not know action kind ${String((action as { kind?: unknown }).kind)}`);
}
