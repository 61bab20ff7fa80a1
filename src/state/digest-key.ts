import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const KEY_FILE = 'secret-digest.key';
const KEY_BYTES = 32;

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
  const file = path.join(stateDir, KEY_FILE);
  try {
    const key = readFileSync(file);
    if (key.length >= KEY_BYTES) return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  // 'wx' fails if another Phoenix created it meanwhile; then read theirs.
  try {
    writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file);
    throw error;
  }
}
