/**
 * What exec, run, ps, stop and start share: loading an environment, naming services, and
 * handing a command's streams to podman.
 */
import type { DesiredService, DesiredState } from '../model/desired.js';
import type { AttachedStdio, AttachOptions } from '../podman/podman-jobs.js';
import type { EnvironmentOptions } from './environment-loading.js';
import { loadDesiredState } from './live-plan.js';
import type { CliIo } from './io.js';

/**
 * Loads an environment for a command that reads no secret value (ps, stop, start, exec): a
 * secret whose file or variable is missing here does not stop it, and is taken as the version
 * Podman runs (live-plan.ts). Reports problems itself and returns null when it cannot go on.
 */
export function loadWithoutSecretValues(name: string, options: EnvironmentOptions, io: CliIo): DesiredState | null {
  return loadDesiredState(name, options, io, 'if-available');
}

/** The named services, or null after saying which names are not services of the environment (PHX-SERVICE-UNKNOWN). */
export function namedServices(desired: DesiredState, names: readonly string[], io: CliIo): DesiredService[] | null {
  const unknown = names.filter((name) => !desired.services.some((s) => s.name === name));
  if (unknown.length === 0) return desired.services.filter((s) => names.includes(s.name));
  const inactive = unknown.filter((name) => desired.inactiveServices?.includes(name) === true);
  const why = inactive.length > 0 ? ` (${inactive.join(', ')}: none of its profiles is active; pass --profile)` : '';
  io.stderr(`error PHX-SERVICE-UNKNOWN: no service ${unknown.map((n) => `"${n}"`).join(', ')} in ${desired.project}/${desired.environment}${why}.\n  Name one of its services: ${desired.services.map((s) => s.name).join(', ')}.\n`);
  return null;
}

/** `-e K=V` flags as a map; null after saying which one is malformed. */
export function environmentFlags(values: readonly string[] | undefined, io: CliIo): Record<string, string> | null {
  const environment: Record<string, string> = {};
  for (const value of values ?? []) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(value);
    if (match === null) {
      io.stderr(`error PHX-INVALID-FLAG: -e ${JSON.stringify(value)} is not NAME=VALUE.\n  Write it as -e NAME=value (a name starts with a letter or _).\n`);
      return null;
    }
    environment[match[1]!] = match[2]!;
  }
  return environment;
}

/** The tty flags of exec and run: -t asks, -T refuses, neither means "when both ends are terminals" (as docker compose does). */
export interface TtyFlags {
  /** true for -t, false for -T (--no-tty), undefined for neither. */
  readonly tty?: boolean;
}

/**
 * Where podman's streams go, and whether it gets a terminal and standard input: the process's
 * own streams when Phoenix runs as a process (a terminal allocated when both ends are one and
 * -T was not given), else captured through `io` with no input.
 */
export function attachment(io: CliIo, flags: TtyFlags): { stdio: AttachedStdio; options: AttachOptions } {
  const streams = io.processStreams;
  if (streams === undefined) {
    const decoder = { out: new TextDecoder(), err: new TextDecoder() };
    return {
      stdio: { kind: 'capture', onStdout: (chunk) => io.stdout(decoder.out.decode(chunk, { stream: true })), onStderr: (chunk) => io.stderr(decoder.err.decode(chunk, { stream: true })) },
      options: { interactive: false, tty: false },
    };
  }
  const tty = flags.tty ?? (streams.stdinIsTerminal && streams.stdoutIsTerminal);
  // A terminal needs one at our end: podman refuses -t when standard input is not one.
  return { stdio: { kind: 'terminal' }, options: { interactive: true, tty: tty && streams.stdinIsTerminal } };
}

/** Says what an attached command's exit code means when podman, not the command, failed. */
export function reportAttachedExit(code: number, what: string, io: CliIo): void {
  if (code === 125) io.stderr(`phoenix: podman could not ${what} (exit code 125; its message is above).\n`);
  else if (code === 126) io.stderr('phoenix: exit code 126: usually the command cannot be invoked in the container (not executable, or a permission problem).\n');
  else if (code === 127) io.stderr('phoenix: exit code 127: usually the command was not found in the container.\n');
}
