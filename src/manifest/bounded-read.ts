import { closeSync, constants, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import type { IssueCode } from '../model/issue.js';

/**
 * The largest input file Phoenix reads (an environment or Compose file, a dotenv or env_file,
 * a secret or config source, a Dockerfile): 4 MiB. A real manifest is a few kilobytes; the
 * limit is what stops `compose: [/dev/zero]` or a multi-gigabyte log named by mistake from
 * filling memory.
 */
export const MAX_INPUT_FILE_BYTES = 4 * 1024 * 1024;

/**
 * A file or folder Phoenix was asked to read and refuses or cannot read: not a regular file
 * (a FIFO, a device, a socket, a folder), too large, a symlink loop, no permission. Carries the
 * path, a stable code and what to do; the loader turns it into an issue, the CLI into a message.
 */
export class InputFileError extends Error {
  /**
   * @param code the issue code (docs/errors.md)
   * @param path the absolute path refused
   * @param remediation what to do, in one sentence
   */
  constructor(
    readonly code: IssueCode,
    readonly path: string,
    message: string,
    readonly remediation: string,
  ) {
    super(message);
    this.name = 'InputFileError';
  }
}

/** True for the errors that mean "there is no such file": the caller says so in its own words. */
function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The refusal for a failed open, read or listing, in words a user acts on. */
export function unreadable(error: unknown, absolutePath: string): InputFileError {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ELOOP':
      return new InputFileError('PHX-FILE-UNREADABLE', absolutePath, `${absolutePath} is a symbolic link loop (a link that leads back to itself).`, 'Point the link at a real file, or name the file itself.');
    case 'EACCES':
    case 'EPERM':
      return new InputFileError('PHX-FILE-UNREADABLE', absolutePath, `${absolutePath} cannot be read: permission denied.`, 'Give the user running Phoenix read permission on it (and search permission on its folders).');
    case 'ENAMETOOLONG':
      return new InputFileError('PHX-FILE-UNREADABLE', absolutePath, `the path ${absolutePath.slice(0, 120)}… is too long for the file system.`, 'Use a shorter name or path.');
    default:
      return new InputFileError('PHX-FILE-UNREADABLE', absolutePath, `${absolutePath} cannot be read: ${code ?? (error as Error).message}.`, 'Check that the file exists, is readable and is on a working file system.');
  }
}

/**
 * Reads a regular file of at most `limit` bytes, or returns null when there is no such file.
 * The file is opened with O_NONBLOCK and checked with fstat before a byte is read, so a FIFO,
 * a device such as /dev/zero or a folder is refused at once instead of blocking (a synchronous
 * read of a FIFO with no writer never returns and holds off SIGTERM); the read stops at the
 * limit, so a file that grows, or a /proc file whose size reads 0, cannot exceed it either.
 */
export function readRegularFile(absolutePath: string, limit = MAX_INPUT_FILE_BYTES): Buffer | null {
  let fd: number;
  try {
    fd = openSync(absolutePath, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    if (isMissing(error)) return null;
    throw unreadable(error, absolutePath);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      const kind = stat.isDirectory() ? 'a folder' : stat.isFIFO() ? 'a named pipe (FIFO)' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : stat.isSocket() ? 'a socket' : 'not a regular file';
      throw new InputFileError('PHX-FILE-NOT-REGULAR', absolutePath, `${absolutePath} is ${kind}; Phoenix reads only regular files.`, 'Name a regular file here (write the content to a file first).');
    }
    if (stat.size > limit) throw tooLarge(absolutePath, limit);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, limit + 1 - total));
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      total += read;
      if (total > limit) throw tooLarge(absolutePath, limit);
    }
    return Buffer.concat(chunks, total);
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    throw unreadable(error, absolutePath);
  } finally {
    closeSync(fd);
  }
}

function tooLarge(absolutePath: string, limit: number): InputFileError {
  return new InputFileError('PHX-FILE-TOO-LARGE', absolutePath, `${absolutePath} is larger than ${limit / (1024 * 1024)} MiB, the most Phoenix reads from one input file.`, 'Name the right file; manifests, dotenv files, secrets and configs are small.');
}

/** The names in a folder; empty when there is no such folder; refused when it cannot be listed. */
export function listFolder(absoluteDir: string): string[] {
  try {
    return readdirSync(absoluteDir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw unreadable(error, absoluteDir);
  }
}
