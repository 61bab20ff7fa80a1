import type { Command } from 'commander';
import { parseDurationMs } from '../manifest/units.js';
import type { CliIo } from './io.js';

/** `--lock-timeout`, which every command that changes Podman takes. */
export interface LockFlags {
  readonly lockTimeout?: string;
}

/** How long a command waits for an environment another Phoenix process acts on; docs/cli.md. */
export const DEFAULT_LOCK_TIMEOUT = '5m';

/** Adds --lock-timeout to a command that changes Podman. */
export function withLockTimeout(command: Command): Command {
  return command.option('--lock-timeout <duration>', `longest wait while another Phoenix process acts on the environment, then refuse with PHX-LOCKED (default ${DEFAULT_LOCK_TIMEOUT}; 0 does not wait)`);
}

/** --lock-timeout in milliseconds, or null after saying what is wrong with it. */
export function lockTimeoutMs(options: LockFlags, io: CliIo): number | null {
  const ms = parseDurationMs(options.lockTimeout ?? DEFAULT_LOCK_TIMEOUT);
  if (ms === null) io.stderr(`phoenix: --lock-timeout takes a duration such as 30s or 5m (got ${options.lockTimeout ?? ''}).\n`);
  return ms;
}
