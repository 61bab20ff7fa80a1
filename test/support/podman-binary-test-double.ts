/**
 * A test double of the podman binary: a shell script named `podman` in a temporary folder, to
 * put first on PATH (or to give PodmanCli as its binary). It is not Podman, and no test that
 * claims to test Podman uses it: it stands in for a Podman that misbehaves (hangs, prints
 * garbage, fails), which the real one cannot be made to do on demand.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One podman test double on disk. */
export interface PodmanBinaryTestDouble {
  /** The folder holding `podman`: put it first on PATH. */
  readonly dir: string;
  /** The script's path, for PodmanCli's `binary`. */
  readonly binary: string;
  /** PATH with the double first. */
  readonly path: string;
  /** The PIDs of the double's runs that wrote one (`$PIDS` in the script); every run appends its own. */
  pids(): number[];
  /** Removes the folder. */
  remove(): void;
}

/** Behaviours the tests need, as shell script bodies (`$@` are podman's arguments). */
export const BEHAVIOUR = {
  /** Never answers (a hung podman): replaces itself by a long sleep, so that killing it kills the sleep. */
  hang: 'exec sleep 600',
  /** Answers every command with text that is neither JSON nor a log line, and exits 0. */
  garbage: "printf 'this is not what podman prints\\n\\001\\002 garbage\\n'; exit 0",
  /** Fails every command at once, as a broken installation does. */
  fail: "echo 'Error: the podman test double fails on purpose' >&2; exit 125",
} as const;

/**
 * Writes a podman double running `body` for every command (after recording its PID). `body`
 * is a POSIX shell script; see BEHAVIOUR.
 */
export function podmanBinaryTestDouble(body: string): PodmanBinaryTestDouble {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'phx-podman-double-'));
  const binary = path.join(dir, 'podman');
  const pidFile = path.join(dir, 'pids');
  writeFileSync(binary, `#!/bin/sh\necho $$ >> '${pidFile}'\n${body}\n`);
  chmodSync(binary, 0o755);
  return {
    dir,
    binary,
    path: `${dir}${path.delimiter}${process.env.PATH ?? ''}`,
    pids: () => (existsSync(pidFile) ? readFileSync(pidFile, 'utf8').split('\n').filter((line) => line !== '').map(Number) : []),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** True while a process with this PID runs (a zombie counts as gone). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Kills every run of the doubles still going and removes their folders (for afterEach). */
export function removeDoubles(doubles: PodmanBinaryTestDouble[]): void {
  for (const double of doubles.splice(0)) {
    for (const pid of double.pids()) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    double.remove();
  }
}
