import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import type { EnvironmentOptions } from './environment-loading.js';
import { reportFailure } from './live-plan.js';
import { connectPodman } from './podman-wiring.js';
import type { TtyFlags } from './verb-support.js';
import { attachment, environmentFlags, loadWithoutSecretValues, namedServices, reportAttachedExit } from './verb-support.js';

export interface ExecOptions extends EnvironmentOptions, TtyFlags {
  readonly env: string;
  readonly replica?: string;
  readonly user?: string;
  readonly workdir?: string;
  /** `-e NAME=VALUE`, repeatable. */
  readonly envVar?: string[];
}

/**
 * `phoenix exec SERVICE -- CMD...`: runs a command in a running container of the service
 * (replica 1 unless --replica) and exits with the command's exit code. Reads no secret value.
 */
export async function runExec(service: string, command: readonly string[], options: ExecOptions, io: CliIo): Promise<number> {
  const desired = loadWithoutSecretValues(options.env, options, io);
  if (desired === null) return EXIT.failure;
  const found = namedServices(desired, [service], io)?.[0];
  if (found === undefined) return EXIT.failure;
  if (command.length === 0) {
    io.stderr(`error PHX-INVALID-FLAG: no command to run in ${service}.\n  Give one after the service, e.g. phoenix exec --env ${options.env} ${service} -- sh\n`);
    return EXIT.failure;
  }
  const replica = options.replica === undefined ? 1 : Number(options.replica);
  if (!Number.isInteger(replica) || replica < 1 || replica > found.replicas) {
    io.stderr(`error PHX-INVALID-FLAG: --replica ${options.replica ?? ''} is not a replica of ${service}.\n  It has ${found.replicas} replica${found.replicas === 1 ? '' : 's'}: pass a number from 1 to ${found.replicas}.\n`);
    return EXIT.failure;
  }
  const environment = environmentFlags(options.envVar, io);
  if (environment === null) return EXIT.failure;
  const container = found.containerNames[replica - 1]!;
  const podman = connectPodman(options, io);
  try {
    const status = await podman.client.containerStatus(container, io.signal === undefined ? {} : { signal: io.signal });
    if (!status.running) {
      const now = status.exists ? `is ${status.state}${status.exitCode === null ? '' : ` (exit code ${status.exitCode})`}` : 'does not exist';
      const remedy = status.exists ? `Start it with phoenix start --env ${options.env} ${service} (or phoenix apply --env ${options.env}), then run the command again.` : `Create it with phoenix apply --env ${options.env}, then run the command again.`;
      io.stderr(`error PHX-SERVICE-NOT-RUNNING: service "${service}" is not running: its container ${container} ${now}.\n  ${remedy}\n`);
      return EXIT.failure;
    }
    const { stdio, options: attach } = attachment(io, options);
    const code = await podman.jobs.exec(
      { container, command, environment, ...attach, ...(options.user === undefined ? {} : { user: options.user }), ...(options.workdir === undefined ? {} : { workdir: options.workdir }) },
      stdio,
      io.signal,
    );
    reportAttachedExit(code, `run the command in ${container}`, io);
    return code;
  } catch (error) {
    reportFailure(io, error);
    return EXIT.failure;
  }
}
