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
 * Loads one environment from disk. `requireSecretValues` is what plan and apply need; the
 * digest key then comes from the state directory (created on first use).
 */
export function loadFromDisk(name: string, options: EnvironmentOptions, io: CliIo, requireSecretValues: boolean): LoadResult {
  const key = loadOrCreateDigestKey(resolveStateDir(options.stateDir, io.env));
  return loadEnvironment({
    environmentsDir: environmentsDir(options, io),
    name,
    reader: nodeReader,
    contextReader: nodeContextReader,
    processEnv: io.env,
    cwd: io.cwd,
    homeDir: io.env.HOME ?? os.homedir(),
    digester: new SecretDigester(key),
    requireSecretValues,
    profiles: options.profile ?? [],
  });
}
