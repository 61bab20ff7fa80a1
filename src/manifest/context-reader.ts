import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { InputFileError, readRegularFile, unreadable } from './bounded-read.js';
import path from 'node:path';
import type { ManifestReader } from './reader.js';

/** One entry of a build context, as the build digest sees it. */
export interface ContextEntry {
  /** Relative to the context, with `/` separators. */
  readonly path: string;
  readonly type: 'file' | 'dir' | 'symlink';
  /** Permission bits (0 when the reader cannot tell). */
  readonly mode: number;
  /** SHA-256 of a file's content or of a link's target; '' for a folder. */
  readonly digest: string;
}

/** What the walk asks about each entry before it goes on: keep it, and descend into a folder? */
export type WalkDecision = { readonly keep: boolean; readonly descend: boolean };

/**
 * How the loader reads build contexts: the files `podman build` would send, which are on disk
 * even in git mode (Podman builds from the working tree, so its digest must too).
 */
export interface BuildContextReader {
  /** True when the path is a folder. */
  isDirectory(absolutePath: string): boolean;
  /** The file's text, or null when there is no such file. */
  readText(absolutePath: string): string | null;
  /** Every entry under `absoluteDir` the decision keeps, in no particular order. */
  walk(absoluteDir: string, decide: (relativePath: string, isDir: boolean) => WalkDecision): ContextEntry[];
}

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A {@link BuildContextReader} over the real file system. */
export const nodeContextReader: BuildContextReader = {
  isDirectory(absolutePath) {
    try {
      return statSync(absolutePath).isDirectory();
    } catch {
      return false;
    }
  },
  readText(absolutePath) {
    // Bounded like every other input: a FIFO named as the Dockerfile is refused, not waited on.
    return readRegularFile(absolutePath)?.toString('utf8') ?? null;
  },
  walk(absoluteDir, decide) {
    const out: ContextEntry[] = [];
    const visit = (dir: string, prefix: string): void => {
      for (const name of guarded(dir, () => readdirSync(dir)).sort()) {
        const full = path.join(dir, name);
        const rel = prefix === '' ? name : `${prefix}/${name}`;
        const stat = guarded(full, () => lstatSync(full));
        const mode = stat.mode & 0o7777;
        if (stat.isDirectory()) {
          const decision = decide(rel, true);
          if (decision.keep) out.push({ path: rel, type: 'dir', mode, digest: '' });
          if (decision.descend) visit(full, rel);
        } else if (decide(rel, false).keep) {
          if (stat.isSymbolicLink()) out.push({ path: rel, type: 'symlink', mode, digest: sha256(readlinkSync(full)) });
          else if (stat.isFile()) out.push({ path: rel, type: 'file', mode, digest: sha256(guarded(full, () => readFileSync(full))) });
        }
      }
    };
    visit(absoluteDir, '');
    return out;
  },
};

/** Runs a file system call of the walk; a failure (no permission, a file gone) names the path. */
function guarded<T>(absolutePath: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw unreadable(error, absolutePath);
  }
}

/** The bytes of a file, or null for no file or a folder (the walk descends into those). */
function fileBytes(reader: ManifestReader, absolutePath: string): Uint8Array | null {
  try {
    return reader.readBytes(absolutePath);
  } catch (error) {
    if (error instanceof InputFileError && error.code === 'PHX-FILE-NOT-REGULAR') return null;
    throw error;
  }
}

/**
 * A {@link BuildContextReader} over a ManifestReader, for loads that never touch the disk
 * (tests, editors): a path is a file when it can be read, a folder when it lists entries.
 * It cannot see modes or links.
 */
export function manifestContextReader(reader: ManifestReader): BuildContextReader {
  return {
    isDirectory: (p) => fileBytes(reader, p) === null && reader.list(p).length > 0,
    readText: (p) => reader.readText(p),
    walk(absoluteDir, decide) {
      const out: ContextEntry[] = [];
      const visit = (dir: string, prefix: string): void => {
        for (const name of [...new Set(reader.list(dir))].sort()) {
          const full = path.join(dir, name);
          const rel = prefix === '' ? name : `${prefix}/${name}`;
          const bytes = fileBytes(reader, full);
          if (bytes === null) {
            const decision = decide(rel, true);
            if (decision.keep) out.push({ path: rel, type: 'dir', mode: 0, digest: '' });
            if (decision.descend) visit(full, rel);
          } else if (decide(rel, false).keep) {
            out.push({ path: rel, type: 'file', mode: 0, digest: sha256(bytes) });
          }
        }
      };
      visit(absoluteDir, '');
      return out;
    },
  };
}
