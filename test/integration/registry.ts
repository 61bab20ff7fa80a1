/**
 * A real image registry on localhost for the pull tests: Debian's docker-registry (the
 * Distribution registry) started as a child process on a free port, with its own config file,
 * htpasswd (bcrypt) authentication and storage in a temporary folder, and stopped afterwards.
 * Missing docker-registry or htpasswd is a FAILURE telling to run scripts/setup.sh.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { freePort, podman, sleep } from './support.js';

const SETUP_HINT = 'Run scripts/setup.sh (as root on Debian/Ubuntu) to install docker-registry and apache2-utils, then run the tests again.';

/** A running registry: its address, the account it accepts, and an auth file logged in to it. */
export interface TestRegistry {
  /** `localhost:PORT`, as image references name it. */
  readonly host: string;
  readonly user: string;
  readonly password: string;
  /** A `podman login --authfile` file with valid credentials for it. */
  readonly authFile: string;
  /** Writes an auth file with these credentials (possibly wrong) and returns its path. */
  authFileWith(user: string, password: string): string;
  stop(): Promise<void>;
}

function which(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Answers the registry's base endpoint with an HTTP status (401 when auth is on), or null while it does not listen. */
function probe(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v2/', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.on('error', () => resolve(null));
    req.on('timeout', () => {
      req.destroy();
      resolve(null);
    });
    req.end();
  });
}

/** Starts a registry with htpasswd auth on a free port; call stop() when done. */
export async function startRegistry(): Promise<TestRegistry> {
  for (const command of ['docker-registry', 'htpasswd']) {
    if (!which(command)) throw new Error(`${command} is not installed. ${SETUP_HINT}`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'phx-registry-'));
  const port = await freePort();
  const user = 'phoenix';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const htpasswd = execFileSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' });
  writeFileSync(path.join(dir, 'htpasswd'), htpasswd);
  writeFileSync(
    path.join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'data')}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '  secret: phoenix-test-registry',
      'auth:',
      '  htpasswd:',
      '    realm: phoenix-test',
      `    path: ${path.join(dir, 'htpasswd')}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 15_000;
  while ((await probe(port)) !== 401) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`the test registry did not start on port ${port}: ${stderr.trim()}`);
    }
    await sleep(100);
  }
  const host = `localhost:${port}`;
  const authFileWith = (name: string, secret: string): string => {
    const file = path.join(dir, `auth-${name}-${secret.length}.json`);
    writeFileSync(file, JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${name}:${secret}`).toString('base64') } } }), { mode: 0o600 });
    return file;
  };
  const authFile = authFileWith(user, password);
  return {
    host,
    user,
    password,
    authFile,
    authFileWith,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const until = Date.now() + 5000;
        while (child.exitCode === null && child.signalCode === null && Date.now() < until) await sleep(50);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One registry for a test file: started before its tests, stopped after them. The object is
 * filled in by the beforeAll hook, so tests read it as they would the started registry.
 */
export function useTestRegistry(): TestRegistry {
  const registry = {} as TestRegistry;
  let started: TestRegistry | undefined;
  beforeAll(async () => {
    started = await startRegistry();
    Object.assign(registry, started);
  }, 30_000);
  afterAll(async () => {
    await started?.stop();
  });
  return registry;
}

/** Pushes a local image to `registry` as `target` (`localhost:PORT/...`), with TLS verification off. */
export async function pushTo(registry: TestRegistry, source: string, target: string): Promise<void> {
  await podman(['push', '--tls-verify=false', '--authfile', registry.authFile, source, `docker://${target}`]);
}
