/**
 * The real Podman of this machine, for integration tests: found (or the suite fails with what
 * to do), configured as Phoenix configures it, and swept clean of a test's objects by name
 * prefix whatever happened in the test.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { podmanEnvironment } from '../../src/podman/podman-runner.js';
import { resolveStateDir } from '../../src/state/digest-key.js';
import { DEMO_IMAGE } from './podman-fixtures.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SETUP = path.join(ROOT, 'scripts', 'setup.sh');

/** The environment Phoenix runs podman with (CONTAINERS_CONF: the host's fix where setup.sh wrote one). */
export const podmanEnv = (): Record<string, string> => podmanEnvironment(resolveStateDir(undefined, process.env), process.env);

/** A prefix no other run uses: `phxtest-<random>`. */
export function testPrefix(): string {
  return `phxtest-${randomBytes(4).toString('hex')}`;
}

/** Runs podman directly (for assertions the client does not offer); throws on failure. */
export async function podman(args: readonly string[], input?: string): Promise<string> {
  const result = await execa('podman', [...args], { env: podmanEnv(), reject: false, ...(input === undefined ? { stdin: 'ignore' as const } : { input }) });
  if (result.exitCode !== 0) throw new Error(`podman ${args.join(' ')} failed (${result.exitCode ?? result.code}): ${String(result.stderr)}`);
  return String(result.stdout);
}

/**
 * Fails (never skips) when Podman or the demo image is missing: builds the image with
 * scripts/setup.sh when only the image is.
 */
export async function requirePodman(): Promise<void> {
  const version = await execa('podman', ['--version'], { reject: false, env: podmanEnv() });
  if (version.exitCode !== 0) {
    throw new Error(`podman is not installed or does not run (${String(version.stderr || version.shortMessage)}). Run scripts/setup.sh (as root on Debian/Ubuntu) first.`);
  }
  const image = await execa('podman', ['image', 'exists', DEMO_IMAGE], { reject: false, env: podmanEnv() });
  if (image.exitCode === 0) return;
  const setup = await execa('bash', [SETUP], { reject: false, all: true });
  if (setup.exitCode !== 0) throw new Error(`the demo image ${DEMO_IMAGE} is missing and scripts/setup.sh failed:\n${String(setup.all)}`);
}

/** Removes every container, network, volume and secret whose name starts with `prefix`. */
export async function sweep(prefix: string): Promise<void> {
  const names = async (args: string[]): Promise<string[]> =>
    (await podman(args))
      .split('\n')
      .map((line) => line.trim())
      .filter((name) => name.startsWith(prefix));
  const containers = await names(['ps', '--all', '--format', '{{.Names}}']);
  if (containers.length > 0) await podman(['rm', '--force', '--time', '0', ...containers]);
  const [networks, volumes, secrets] = await Promise.all([
    names(['network', 'ls', '--format', '{{.Name}}']),
    names(['volume', 'ls', '--format', '{{.Name}}']),
    names(['secret', 'ls', '--format', '{{.Name}}']),
  ]);
  if (networks.length > 0) await podman(['network', 'rm', '--force', ...networks]);
  if (volumes.length > 0) await podman(['volume', 'rm', '--force', ...volumes]);
  if (secrets.length > 0) await podman(['secret', 'rm', ...secrets]);
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
