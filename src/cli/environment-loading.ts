import os from 'node:os';
import path from 'node:path';
import { loadEnvironment, listEnvironments } from '../manifest/load.js';
import type { LoadResult } from '../manifest/load.js';
import { nodeReader } from '../manifest/node-reader.js';
import { nodeContextReader } from '../manifest/context-reader.js';
import { SecretDigester } from '../model/hash.js';
import { loadOrCreateDigestKey, resolveStateDir } from '../state/digest-key.js';
import type { CliIo } from './io.js';

/** Options every command that reads environments takes. */
export interface EnvironmentOptions {
  readonly environments?: string;
  readonly stateDir?: string;
  /** `--profile` (repeatable): Compose profiles to activate besides the environment's own. */
  readonly profile?: string[];
}

/** The environments folder: --environments, else $PHOENIX_ENVIRONMENTS, else ./environments. */
export function environmentsDir(options: EnvironmentOptions, io: CliIo): string {
  return path.resolve(io.cwd, options.environments ?? io.env.PHOENIX_ENVIRONMENTS ?? 'environments');
}

/** Every environment in the folder. */
export function allEnvironments(options: EnvironmentOptions, io: CliIo): string[] {
  return listEnvironments(nodeReader, environmentsDir(options, io));
}

/**
 * What a command needs of secret values (docs/cli.md, "Secret values"):
 * - 'required' (plan, apply, watch): a value that cannot be read is an error;
 * - 'validate' (validate, build, pull): an unset variable is a warning, a missing file an error;
 * - 'if-available' (read-only and removal commands: status, restart, down, stop, start, ps,
 *   logs, exec, config): a value that cannot be read is no issue; the secret is marked
 *   `valueUnknown`, and observeLiveState takes it as the version Podman runs, so that it never
 *   shows as drift. A dummy value is never needed.
 * `true` and `false` mean 'required' and 'validate'.
 */
export type SecretValues = 'required' | 'validate' | 'if-available';

/**
 * Loads one environment from disk, reading secret values as `secretValues` says; the digest
 * key comes from the state directory (created on first use) unless a `digester` is given (shell
 * completion, which shows no digest, passes a throwaway one so as to create nothing).
 */
export function loadFromDisk(name: string, options: EnvironmentOptions, io: CliIo, secretValues: SecretValues | boolean, digester?: SecretDigester): LoadResult {
  const mode = secretValues === true ? 'required' : secretValues === false ? 'validate' : secretValues;
  return loadEnvironment({
    environmentsDir: environmentsDir(options, io),
    name,
    reader: nodeReader,
    contextReader: nodeContextReader,
    processEnv: io.env,
    cwd: io.cwd,
    homeDir: io.env.HOME ?? os.homedir(),
    digester: digester ?? new SecretDigester(loadOrCreateDigestKey(resolveStateDir(options.stateDir, io.env))),
    requireSecretValues: mode === 'required',
    secretValuesOptional: mode === 'if-available',
    profiles: options.profile ?? [],
  });
}
