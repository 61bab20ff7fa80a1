/**
 * Commands a person runs in an environment's containers: `phoenix exec` (in a running
 * replica) and `phoenix run` (a one-off container made from the service's spec). Their
 * standard streams are the caller's, and their exit code is the command's.
 */
import type { ContainerIntent } from '../plan/actions.js';
import { containerRunArgs } from './create-args.js';
import type { AttachedStdio, PodmanRunner } from './podman-runner.js';

export type { AttachedStdio } from './podman-runner.js';

/** How to attach a command to the caller: keep standard input open, give it a terminal. */
export interface AttachOptions {
  /** Keep standard input open (`-i`). */
  readonly interactive: boolean;
  /** Allocate a pseudo-terminal (`-t`); only when the caller's streams are a terminal. */
  readonly tty: boolean;
}

/** `phoenix exec`: a command in a running container. */
export interface ExecRequest extends AttachOptions {
  readonly container: string;
  readonly command: readonly string[];
  readonly user?: string;
  readonly workdir?: string;
  /** Extra environment variables for the command (`-e K=V`). */
  readonly environment: Readonly<Record<string, string>>;
}

/** `phoenix run`: a one-off container with a service's config. */
export interface OneOffRequest extends AttachOptions {
  /** What to create: name, spec (command and environment already adjusted), labels. */
  readonly intent: ContainerIntent;
  /** Remove the container when the command ends (`--rm`). */
  readonly remove: boolean;
}

/** What the CLI's exec and run need of Podman; kept apart so that reconciling test doubles need not fake it. */
export interface PodmanJobs {
  /** Runs the command in the container; resolves with its exit code (125-127: podman could not run it). */
  exec(request: ExecRequest, stdio: AttachedStdio, signal?: AbortSignal): Promise<number>;
  /** Creates, starts and attaches to a one-off container; resolves with the command's exit code. */
  runOneOff(request: OneOffRequest, stdio: AttachedStdio, signal?: AbortSignal): Promise<number>;
}

function attachFlags(options: AttachOptions): string[] {
  return [...(options.interactive ? ['--interactive'] : []), ...(options.tty ? ['--tty'] : [])];
}

/** `podman exec` for a request. The environment goes as `--env K=V`, sorted, like create's. */
export function execArgs(request: ExecRequest): string[] {
  const args = ['exec', ...attachFlags(request)];
  if (request.user !== undefined) args.push('--user', request.user);
  if (request.workdir !== undefined) args.push('--workdir', request.workdir);
  for (const key of Object.keys(request.environment).sort()) args.push('--env', `${key}=${request.environment[key] ?? ''}`);
  return [...args, request.container, ...request.command];
}

/** `podman run` for a one-off: the create arguments of its intent, attached, removed after with `remove`. */
export function oneOffArgs(request: OneOffRequest): string[] {
  return containerRunArgs(request.intent, request.intent.name, [...(request.remove ? ['--rm'] : []), ...attachFlags(request)]);
}

/** Runs exec and one-off requests through podman's CLI (attached streams need a process). */
export async function execInContainer(runner: PodmanRunner, request: ExecRequest, stdio: AttachedStdio, signal?: AbortSignal): Promise<number> {
  return runner.attach(execArgs(request), stdio, signal);
}

/** See {@link PodmanJobs.runOneOff}. */
export async function runOneOffContainer(runner: PodmanRunner, request: OneOffRequest, stdio: AttachedStdio, signal?: AbortSignal): Promise<number> {
  return runner.attach(oneOffArgs(request), stdio, signal);
}
