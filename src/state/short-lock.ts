/**
 * A lock held for a few milliseconds between Phoenix processes (the audit log's append and
 * rotation): a listening Unix socket, as the environment lock (environment-lock.ts). On Linux
 * its name is in the abstract namespace, so binding is atomic and the kernel frees it the
 * moment the holder dies; elsewhere it is a socket file, removed when nobody answers on it.
 */
import { createHash } from 'node:crypto';
import { realpathSync, unlinkSync } from 'node:fs';
import net from 'node:net';

/** The lock could not be had within the wait. */
export class ShortLockTimeoutError extends Error {}

/**
 * The address of the lock named `name` of a state directory (which must exist): abstract on
 * Linux, else the socket file `fallbackFile`.
 */
export function shortLockAddress(stateDir: string, name: string, fallbackFile: string, platform: NodeJS.Platform = process.platform): string {
  const key = createHash('sha256').update(`${realpathSync(stateDir)}\0${name}`).digest('hex').slice(0, 40);
  return platform === 'linux' ? `\0phoenix-${name}-${key}` : fallbackFile;
}

/**
 * Runs `work` holding the lock at `address`, waiting for it (polling every few milliseconds,
 * with jitter) up to `timeoutMs`; releases it however `work` ends.
 */
export async function withShortLock<T>(address: string, work: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const server = await acquire(address, timeoutMs);
  try {
    return await work();
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function acquire(address: string, timeoutMs: number): Promise<net.Server> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const server = await listenExclusively(address);
    if (server !== null) return server;
    if (!address.startsWith('\0') && !(await answers(address))) {
      // A socket file nobody listens on: its holder died. Remove it and try again at once.
      try {
        unlinkSync(address);
      } catch {
        // Someone else removed it first.
      }
      continue;
    }
    if (Date.now() >= deadline) throw new ShortLockTimeoutError(`the lock ${address.replace('\0', '@')} was held for more than ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 8));
  }
}

function listenExclusively(address: string): Promise<net.Server | null> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(null);
      else reject(error);
    });
    server.listen(address, () => resolve(server));
  });
}

/** Whether a process listens on a socket file. */
function answers(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(address);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
