import { randomBytes } from 'node:crypto';
import { oneOffIntent, oneOffProblems } from '../plan/one-off.js';
import type { EnvironmentOptions } from './environment-loading.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { loadDesiredState, observeLiveState, reportFailure } from './live-plan.js';
import { connectPodman } from './podman-wiring.js';
import type { TtyFlags } from './verb-support.js';
import { attachment, environmentFlags, namedServices, reportAttachedExit } from './verb-support.js';

export interface RunOptions extends EnvironmentOptions, TtyFlags {
  readonly env: string;
  /** `-e NAME=VALUE`, repeatable. */
  readonly envVar?: string[];
  /** false with --no-rm: keep the container after the job. */
  readonly rm?: boolean;
  /** false with --no-deps: do not require the dependencies to be up. */
  readonly deps?: boolean;
  readonly user?: string;
  readonly workdir?: string;
}

/**
 * `phoenix run SERVICE [-- CMD...]`: a one-off job in a new container with the service's
 * config (`<project>-<env>-<service>-run-<random>`), attached to the caller's streams; removed
 * afterwards unless --no-rm. Needs the secret values, like apply: the job mounts the secret
 * versions the manifests name. Exits with the job's exit code.
 */
export async function runOneOff(service: string, command: readonly string[], options: RunOptions, io: CliIo): Promise<number> {
  const desired = loadDesiredState(options.env, options, io);
  if (desired === null) return EXIT.failure;
  const found = namedServices(desired, [service], io)?.[0];
  if (found === undefined) return EXIT.failure;
  const environment = environmentFlags(options.envVar, io);
  if (environment === null) return EXIT.failure;
  const podman = connectPodman(options, io);
  const live = await observeLiveState(desired, options, io, podman);
  if (live === null) return EXIT.failure;
  const problems = oneOffProblems(desired, found, live.observed, { noDeps: options.deps === false, env: options.env });
  if (problems.length > 0) {
    for (const problem of problems) io.stderr(`error ${problem.code}: ${problem.message}; nothing was run.\n  ${problem.remediation}\n`);
    return EXIT.failure;
  }
  const name = `${desired.project}-${desired.environment}-${found.name}-run-${randomBytes(3).toString('hex')}`;
  const intent = oneOffIntent(desired, found, {
    name,
    command: command.length === 0 ? null : command,
    environment,
    ...(options.user === undefined ? {} : { user: options.user }),
    ...(options.workdir === undefined ? {} : { workdir: options.workdir }),
  });
  const remove = options.rm !== false;
  const { stdio, options: attach } = attachment(io, options);
  try {
    const code = await podman.jobs.runOneOff({ intent, remove, ...attach }, stdio, io.signal);
    reportAttachedExit(code, `run the one-off container ${name}`, io);
    if (!remove) io.stderr(`phoenix: kept the one-off container ${name} (--no-rm); podman rm ${name} or phoenix down removes it.\n`);
    return code;
  } catch (error) {
    reportFailure(io, error);
    return EXIT.failure;
  }
}
