import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * Where docker-compose 1.29 (Debian's package, the reference) is wrong or behind the Compose
 * Specification for a corpus file, and what the test feeds it instead. Each one is stated in
 * the case table with its reason; the original file is what Phoenix reads, always.
 */
export type ComposeWorkaround =
  /** 1.29 refuses the top-level `name:` key ("'name' does not match any of the regexes: '^x-'"), which the Compose Specification defines. */
  | { readonly kind: 'drop-top-level-name' }
  /** 1.29 cannot read a line that the specification allows (e.g. the long form of `env_file`, a port with an empty host address): it gets this text instead. */
  | { readonly kind: 'replace-text'; readonly from: string; readonly to: string; readonly reason: string };

/** The result of `docker-compose config` on one corpus file. */
export type ComposeConfigResult = { readonly ok: true; readonly config: Record<string, unknown> } | { readonly ok: false; readonly error: string };

/** The reference implementation: Debian's `docker-compose` 1.29 package, run as a real process. */
export const DOCKER_COMPOSE = 'docker-compose';

/** Runs a program and collects its output; never rejects (the exit code says how it went). */
function run(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string; stderr: string; spawnError?: Error }> {
  return new Promise((resolve) => {
    execFile(command, [...args], { ...options, maxBuffer: 32 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      const spawnError = error !== null && typeof (error as NodeJS.ErrnoException).code === 'string' ? error : undefined;
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr, ...(spawnError === undefined ? {} : { spawnError }) });
    });
  });
}

/** The installed docker-compose's version line, or why it cannot run (the test fails then: it is a prerequisite). */
export async function dockerComposeVersion(): Promise<string> {
  const result = await run(DOCKER_COMPOSE, ['version', '--short'], { cwd: os.tmpdir(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  if (result.spawnError !== undefined) throw new Error(`${DOCKER_COMPOSE} cannot be run (${result.spawnError.message}); scripts/setup.sh installs it with apt-get install docker-compose`);
  return result.stdout.trim();
}

/**
 * `docker-compose --project-directory DIR -f FILE config` with `env` as its whole environment,
 * parsed. With workarounds, 1.29 reads a rewritten copy of the file (in a temporary folder) but
 * still resolves relative paths and `.env` against the file's own folder.
 */
export async function dockerComposeConfig(composeFile: string, env: Readonly<Record<string, string>>, workarounds: readonly ComposeWorkaround[], profiles: readonly string[]): Promise<ComposeConfigResult> {
  const projectDir = path.dirname(composeFile);
  let fileToRead = composeFile;
  let scratch: string | null = null;
  if (workarounds.length > 0) {
    let text = readFileSync(composeFile, 'utf8');
    for (const workaround of workarounds) {
      const before = text;
      text = workaround.kind === 'drop-top-level-name' ? text.replace(/^name:.*\r?\n/m, '') : text.split(workaround.from).join(workaround.to);
      // A workaround that no longer changes anything is stale: say so instead of silently comparing the original.
      if (text === before) throw new Error(`the docker-compose workaround ${JSON.stringify(workaround)} changes nothing in ${composeFile}`);
    }
    scratch = mkdtempSync(path.join(os.tmpdir(), 'phoenix-corpus-dc-'));
    fileToRead = path.join(scratch, path.basename(composeFile));
    writeFileSync(fileToRead, text);
  }
  try {
    const args = ['--project-directory', projectDir, '-f', fileToRead, ...profiles.flatMap((p) => ['--profile', p]), 'config'];
    const result = await run(DOCKER_COMPOSE, args, { cwd: projectDir, env: { ...env } });
    if (result.spawnError !== undefined) throw new Error(`${DOCKER_COMPOSE} cannot be run (${result.spawnError.message}); scripts/setup.sh installs it`);
    if (result.code !== 0) return { ok: false, error: result.stderr.trim() };
    // PyYAML writes YAML 1.1 and quotes every string its own 1.1 resolvers would read as another
    // type. Read back with YAML 1.2's core schema, whose resolvers are a subset: no string turns
    // into a number. (The yaml package's 1.1 schema is wider than PyYAML's: the unquoted `0:0`
    // of airflow's `user: "0:0"` became the sexagesimal number 0.)
    return { ok: true, config: parseYaml(result.stdout) as Record<string, unknown> };
  } finally {
    if (scratch !== null) rmSync(scratch, { recursive: true, force: true });
  }
}
