import { mkdirSync } from 'node:fs';
import { readRegularFile } from '../manifest/bounded-read.js';
import path from 'node:path';
import type { SecretSource } from '../model/desired.js';
import { PodmanCli } from '../podman/podman-cli.js';
import type { PodmanClient, PodmanInspector } from '../podman/podman-client.js';
import type { PodmanJobs } from '../podman/podman-jobs.js';
import { withResilience } from '../podman/resilient-client.js';
import { resolveStateDir } from '../state/digest-key.js';
import { decryptSecret } from '../secrets/decrypt.js';
import type { EnvironmentOptions } from './environment-loading.js';
import type { CliIo } from './io.js';

/** The Podman a command talks to: resilient for reconciling, plain for logs and version. */
export interface PodmanConnection {
  readonly client: PodmanClient;
  readonly inspector: PodmanInspector;
  /** exec and run: commands attached to the caller's streams. */
  readonly jobs: PodmanJobs;
}

/**
 * Connects to Podman: the REST API of a `podman system service` on `<state dir>/podman.sock`
 * for observation, creates, starts, stops and removals (started on demand, gone after 5 idle
 * minutes), its CLI for the rest and wherever the API cannot be had,
 * the host's containers.conf fix when the machine needs one (containers-conf.ts: found from any state directory)
 * (scripts/setup.sh decides), and retries with a circuit breaker composed in one place
 * (withResilience).
 */
export function connectPodman(options: EnvironmentOptions, io: CliIo): PodmanConnection {
  const stateDir = resolveStateDir(options.stateDir, io.env);
  const socket = path.join(stateDir, 'podman.sock');
  // Observation goes through the REST API (one request per list instead of one process);
  // PHOENIX_PODMAN_API=0 keeps everything on the CLI. Unix socket paths are limited to ~107 bytes.
  const useApi = io.env.PHOENIX_PODMAN_API !== '0' && Buffer.byteLength(socket) < 100;
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  // PHOENIX_DEBUG=podman: one line on standard error for each container created with
  // `podman create` although the API service is in use, saying why.
  const debug = (io.env.PHOENIX_DEBUG ?? '').split(',').includes('podman') ? (line: string) => io.stderr(`debug: podman: ${line}\n`) : undefined;
  const cli = new PodmanCli({ env: io.env, stateDir, ...(useApi ? { apiSocket: socket } : {}), ...(debug === undefined ? {} : { debug }) });
  return { client: withResilience(cli), inspector: cli, jobs: cli };
}

/**
 * Reads a secret's value from where the environment says: a file, a variable of Phoenix's own
 * environment, or an age / SOPS file decrypted with an age key (src/secrets/decrypt.ts). The
 * value goes straight to Podman; it is never printed or logged.
 */
export function secretReader(io: CliIo): (source: SecretSource) => Promise<Uint8Array> {
  return async (source) => {
    if (source.kind === 'age' || source.kind === 'sops') {
      const readText = (file: string): string | null => {
        const bytes = readRegularFile(file);
        return bytes === null ? null : Buffer.from(bytes).toString('utf8');
      };
      return decryptSecret(source, readRegularFile, readText, io.env);
    }
    // Bounded like the loader's read: a FIFO or device is refused instead of blocking the apply.
    if (source.kind === 'file') {
      const bytes = readRegularFile(source.path);
      if (bytes === null) throw new Error(`the file ${source.path} does not exist`);
      return bytes;
    }
    const value = io.env[source.variable];
    if (value === undefined) throw new Error(`the environment variable ${source.variable} is not set`);
    return new TextEncoder().encode(value);
  };
}
