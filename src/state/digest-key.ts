import os from 'node:os';
import path from 'node:path';
import { loadOrCreateStateKey } from './state-key.js';

const KEY_FILE = 'secret-digest.key';

/**
 * Phoenix's state directory: `--state-dir`, else $PHOENIX_STATE_DIR, else
 * $XDG_STATE_HOME/phoenix, else ~/.local/state/phoenix.
 */
export function resolveStateDir(explicit: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (explicit !== undefined) return path.resolve(explicit);
  if (env.PHOENIX_STATE_DIR !== undefined && env.PHOENIX_STATE_DIR !== '') return path.resolve(env.PHOENIX_STATE_DIR);
  const base = env.XDG_STATE_HOME !== undefined && env.XDG_STATE_HOME !== '' ? env.XDG_STATE_HOME : path.join(env.HOME ?? os.homedir(), '.local', 'state');
  return path.join(base, 'phoenix');
}

/**
 * The key secret digests are made with, created (32 random bytes, mode 0600) on first use.
 * Keeping it stable keeps secret versions stable; losing it only makes every secret look new
 * once, which recreates its consumers.
 */
export function loadOrCreateDigestKey(stateDir: string): Buffer {
  return loadOrCreateStateKey(stateDir, KEY_FILE);
}
