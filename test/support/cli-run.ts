import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

/** The repository root (for its example environments). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What one in-process run of `phoenix` printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A fresh folder under `root` with the given files (relative paths), and the repository's environments when asked. */
export function cliWorkspace(root: string, files: Readonly<Record<string, string>> = {}, copyRepoEnvironments = false): string {
  const dir = mkdtempSync(path.join(root, 'ws-'));
  if (copyRepoEnvironments) cpSync(path.join(REPO_ROOT, 'environments'), path.join(dir, 'environments'), { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/**
 * Runs `phoenix argv` in-process in `cwd` with only the given environment variables (plus HOME),
 * and `--state-dir stateDir`: nothing of the caller's environment (PHOENIX_ENV, secrets) leaks in.
 */
export async function runCli(cwd: string, argv: readonly string[], stateDir: string, env: Readonly<Record<string, string>> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    env: { HOME: stateDir, ...env },
    cwd,
    interactive: false,
    confirm: () => Promise.resolve(false),
  };
  const code = await main([...argv, '--state-dir', stateDir], io);
  return { code, stdout, stderr };
}
