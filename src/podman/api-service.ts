/**
 * Finds or starts the libpod REST service Phoenix reads through. Hosts with systemd usually
 * have none running for root-less use and none here; Phoenix starts `podman system service`
 * itself on a socket in its state directory, idle-timed so that it goes away on its own.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { childEnvironment } from './child-environment.js';
import { PodmanApi } from './podman-api.js';

/** How long an idle service Phoenix started stays up, in seconds. */
export const API_SERVICE_IDLE_SECONDS = 300;

export interface ApiServiceOptions {
  readonly binary: string;
  readonly env: Readonly<Record<string, string>>;
  readonly socketPath: string;
  /** How long to wait for a service Phoenix started to answer; default 3 s. */
  readonly startTimeoutMs?: number;
}

/**
 * The API on `socketPath`, starting the service when nothing answers there. Resolves to null
 * when it cannot be had (the caller then uses the CLI): speed is at stake, never correctness.
 */
export async function ensureApiService(options: ApiServiceOptions): Promise<PodmanApi | null> {
  const api = new PodmanApi(options.socketPath);
  if (await api.ping(500)) return api;
  // A socket file with nobody behind it is left by a service that timed out.
  rmSync(options.socketPath, { force: true });
  // Set when the service process fails to start or exits: a podman that is missing or failing
  // is reported by the CLI call that follows at once, rather than after the whole wait.
  let gone = false;
  try {
    // Detached and unreferenced: it outlives this Phoenix (until idle) so that the next one
    // finds it. execa is for commands Phoenix awaits; a daemon needs the plain spawn.
    const child = spawn(options.binary, ['system', 'service', `--time=${API_SERVICE_IDLE_SECONDS}`, `unix://${options.socketPath}`], {
      // It outlives Phoenix: it gets podman's environment only, never Phoenix's (secrets from variables).
      env: childEnvironment(options.env),
      detached: true,
      stdio: 'ignore',
      // A daemon must not keep the directory it was started from: conmon inherits the
      // service's working directory, and once that is deleted (a project folder, a test's
      // temporary directory) every container start through the service failed with "write
      // child: broken pipe" ("[conmon:e] Failed to get working directory").
      cwd: '/',
    });
    child.on('error', () => (gone = true));
    child.on('exit', () => (gone = true));
    child.unref();
  } catch {
    return null;
  }
  const deadline = Date.now() + (options.startTimeoutMs ?? 3000);
  while (Date.now() < deadline && !gone) {
    if (await api.ping(500)) return api;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return null;
}
