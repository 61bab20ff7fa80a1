/**
 * Standard input for `podman secret create NAME -`. Podman 4.3 accepts `-` only when its
 * stdin is a named pipe (it checks for os.ModeNamedPipe), and Node gives a child a socket
 * pair, so the value goes through a FIFO in a private temporary directory instead. The value
 * only ever sits in the kernel's pipe buffer: never on disk, in an argv or in an environment.
 */
import { constants } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PodmanError } from './podman-error.js';

/**
 * Calls `spawn` with a file descriptor (the FIFO's read end) to use as the child's stdin,
 * then writes `input` into the FIFO and closes it, and returns what `spawn` returned.
 * `spawn` must start the process before it returns (execa does).
 */
export async function withFifoStdin<T>(input: Uint8Array, spawn: (stdinFd: number) => PromiseLike<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'phoenix-stdin-'));
  try {
    const fifo = path.join(dir, 'stdin');
    // Loaded here, not at the top: execa costs ~100 ms to load and most runs never need a FIFO.
    const { execa } = await import('execa');
    const made = await execa('mkfifo', ['-m', '600', fifo], { reject: false, stdin: 'ignore' });
    if (made.exitCode !== 0) {
      throw new PodmanError('PODMAN-FAILED', `could not make a pipe to give podman a secret on standard input (mkfifo: ${String(made.stderr || made.shortMessage)})`, {
        remediation: 'Install coreutils (it provides mkfifo) and make the temporary directory writable.',
      });
    }
    // Opening one end of a FIFO blocks until the other is open, except a non-blocking read:
    // open that first, then the write end and a blocking read end both return at once.
    const probe = await open(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = await open(fifo, constants.O_WRONLY);
    const reader = await open(fifo, constants.O_RDONLY);
    await probe.close();
    let pending: PromiseLike<T>;
    try {
      pending = spawn(reader.fd);
    } finally {
      // The child holds its own copy now; only the child may read.
      await reader.close();
    }
    try {
      await writer.writeFile(input);
    } catch (error) {
      // EPIPE: podman exited without reading; its own error says why.
      if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
    } finally {
      await writer.close();
    }
    return await pending;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
