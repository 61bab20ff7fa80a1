import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const KEY_BYTES = 32;

/**
 * A key of Phoenix's state directory (`fileName` inside it), created on first use: 32 random
 * bytes, mode 0600, in a folder of mode 0700. Two Phoenix processes racing to create it end up
 * with the same key (the loser reads the winner's).
 */
export function loadOrCreateStateKey(stateDir: string, fileName: string): Buffer {
  const file = path.join(stateDir, fileName);
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
