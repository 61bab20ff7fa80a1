/**
 * The token a running `phoenix watch` asks of every request that acts (POST /api/restart) or
 * reads container output (GET /api/logs): 32 random bytes made at start, kept only in memory
 * and in a file of the state directory that only its user can read (mode 0600, folder 0700).
 * Reading the file is the proof of being that user; a URL never carries it unless asked for
 * (`phoenix watch --print-page-url`, in the fragment, which browsers never send).
 *
 * One file per telemetry port (`watch-token-9464`): two watches sharing a state directory
 * listen on different ports and must not overwrite each other's token.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The token's random bytes. */
const TOKEN_BYTES = 32;

/** Where the token of the watch listening on `port` is kept. */
export function watchTokenFile(stateDir: string, port: number): string {
  return path.join(stateDir, `watch-token-${port}`);
}

/** A new token: 32 random bytes as base64url (43 characters, safe in a header and a URL fragment). */
export function newWatchToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/**
 * Writes the token to its file, readable by this user only. Written whole to a temporary name
 * created with mode 0600, then renamed: no moment where the file exists with a wider mode or
 * half a token, and a file left by an earlier watch is replaced.
 */
export function writeWatchToken(stateDir: string, port: number, token: string): string {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = watchTokenFile(stateDir, port);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${token}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(temporary, file);
  return file;
}

/** Removes the token's file when it still holds this token (a later watch on the port may have replaced it); best effort. */
export function removeWatchToken(stateDir: string, port: number, token: string): void {
  const file = watchTokenFile(stateDir, port);
  try {
    if (readFileSync(file, 'utf8').trim() === token) rmSync(file, { force: true });
  } catch {
    // Gone already, or unreadable: nothing of ours to remove.
  }
}
