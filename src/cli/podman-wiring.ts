import { readFile } from 'node:fs/promises';
import type { SecretSource } from '../model/desired.js';
import { PodmanCli } from '../podman/podman-cli.js';
import type { PodmanClient, PodmanInspector } from '../podman/podman-client.js';
import { withResilience } from '../podman/resilient-client.js';
import { resolveStateDir } from '../state/digest-key.js';
import type { EnvironmentOptions } from './environment-loading.js';
import type { CliIo } from './io.js';

/** The Podman a command talks to: resilient for reconciling, plain for logs and version. */
export interface PodmanConnection {
  readonly client: PodmanClient;
  readonly inspector: PodmanInspector;
}

/**
 * Connects to Podman through its CLI, with Phoenix's containers.conf from the state
 * directory when the machine needs one (scripts/setup.sh decides), and retries with a circuit
 * breaker composed in one place (withResilience).
 */
export function connectPodman(options: EnvironmentOptions, io: CliIo): PodmanConnection {
  const cli = new PodmanCli({ env: io.env, stateDir: resolveStateDir(options.stateDir, io.env) });
  return { client: withResilience(cli), inspector: cli };
}

/**
 * Reads a secret's value from where the environment says: a file, or a variable of Phoenix's
 * own environment. The value goes straight to Podman; it is never printed or logged.
 */
export function secretReader(io: CliIo): (source: SecretSource) => Promise<Uint8Array> {
  return async (source) => {
    if (source.kind === 'file') return readFile(source.path);
    const value = io.env[source.variable];
    if (value === undefined) throw new Error(`the environment variable ${source.variable} is not set`);
    return new TextEncoder().encode(value);
  };
}
