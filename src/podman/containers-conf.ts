/**
 * Where Phoenix finds the host's containers.conf fix (see scripts/setup.sh and PODMAN.md).
 *
 * The fix is a fact about the host (its rlimits, its cgroup layout), not about one state
 * directory: it lives where every state directory finds it, so a `--state-dir` of one's own
 * still starts containers.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The file name scripts/setup.sh writes where Podman needs the rlimit / runtime fix. */
export const CONTAINERS_CONF_FILE = 'containers.conf';

/** The host-wide folder of Phoenix's host facts (setup.sh run as root writes here). */
export const HOST_CONFIG_DIR = '/etc/phoenix';

/** Where the containers.conf in use came from. */
export type ContainersConfSource =
  /** CONTAINERS_CONF was set by the caller: Phoenix leaves it alone. */
  | 'environment'
  /** `$PHOENIX_CONFIG_DIR`, else `$XDG_CONFIG_HOME/phoenix`, else `~/.config/phoenix`: this user's host facts. */
  | 'user'
  /** /etc/phoenix: the host's facts, for every user. */
  | 'host'
  /** `<state dir>/containers.conf`: where releases before host facts put it (still read). */
  | 'state-dir';

/** The containers.conf Podman runs with, and why. */
export interface ContainersConfChoice {
  readonly path: string;
  readonly source: ContainersConfSource;
}

type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** This user's folder of Phoenix host facts: `$PHOENIX_CONFIG_DIR`, else `$XDG_CONFIG_HOME/phoenix`, else `~/.config/phoenix`. */
export function userConfigDir(env: Env): string {
  const explicit = nonEmpty(env.PHOENIX_CONFIG_DIR);
  if (explicit !== undefined) return path.resolve(explicit);
  const base = nonEmpty(env.XDG_CONFIG_HOME) ?? path.join(nonEmpty(env.HOME) ?? os.homedir(), '.config');
  return path.join(base, 'phoenix');
}

/** The places searched, first match wins: the user's folder, the host's, then the state directory (compatibility). */
export function containersConfCandidates(stateDir: string | undefined, env: Env): readonly ContainersConfChoice[] {
  const candidates: ContainersConfChoice[] = [
    { path: path.join(userConfigDir(env), CONTAINERS_CONF_FILE), source: 'user' },
    { path: path.join(HOST_CONFIG_DIR, CONTAINERS_CONF_FILE), source: 'host' },
  ];
  if (stateDir !== undefined) candidates.push({ path: path.join(stateDir, CONTAINERS_CONF_FILE), source: 'state-dir' });
  return candidates;
}

/**
 * The containers.conf Podman runs with: CONTAINERS_CONF when the caller set it, else the first
 * fix found among the candidates, else none (a normal host needs none).
 */
export function chooseContainersConf(stateDir: string | undefined, env: Env, exists: (file: string) => boolean = existsSync): ContainersConfChoice | null {
  const fromEnv = nonEmpty(env.CONTAINERS_CONF);
  if (fromEnv !== undefined) return { path: fromEnv, source: 'environment' };
  return containersConfCandidates(stateDir, env).find((candidate) => exists(candidate.path)) ?? null;
}
