/**
 * The one module that runs git. Watch mode's git source reads manifests as a commit has them,
 * without touching the working tree the user edits.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { childEnvironment } from '../podman/child-environment.js';
import type { ManifestReader } from '../manifest/reader.js';

/** A git failure, with what to do about it. */
export class GitError extends Error {
  readonly code = 'PHX-GIT-FAILED';
  /** @param remediation one sentence saying what to do */
  constructor(
    message: string,
    readonly remediation: string,
  ) {
    super(message);
  }
}

function git(cwd: string, args: readonly string[], encoding: 'utf8' | 'buffer' = 'utf8'): string | Buffer {
  try {
    return execFileSync('git', [...args], { cwd, env: childEnvironment(process.env), encoding: encoding === 'utf8' ? 'utf8' : 'buffer', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? (error as Error).message).trim();
    throw new GitError(`git ${args.join(' ')}: ${stderr.split('\n')[0] ?? 'failed'}`, 'Check that the folder is a git working tree and that the branch exists (git branch -a).');
  }
}

/** A git working tree Phoenix reads commits of. */
export class GitRepository {
  /** The top folder of the working tree. */
  readonly root: string;

  /** @param dir any folder inside the working tree */
  constructor(dir: string) {
    this.root = String(git(dir, ['rev-parse', '--show-toplevel'])).trim();
  }

  /** The commit a branch (or any revision) points at now. */
  head(branch: string): string {
    return String(git(this.root, ['rev-parse', '--verify', `${branch}^{commit}`])).trim();
  }

  /** The first line of a commit's message, for the history. */
  subject(revision: string): string {
    return String(git(this.root, ['log', '-1', '--format=%s', revision])).trim();
  }

  /** The files a commit tracks, relative to the root. */
  trackedFiles(revision: string): Set<string> {
    return new Set(String(git(this.root, ['ls-tree', '-r', '--name-only', '-z', revision])).split('\0').filter((f) => f !== ''));
  }

  /**
   * A ManifestReader that sees tracked files as the commit has them, and everything git does
   * not track (secret files, local dotenv files) as it is on disk: secrets stay out of git.
   */
  readerAt(revision: string, disk: ManifestReader): ManifestReader {
    const tracked = this.trackedFiles(revision);
    const relative = (absolutePath: string): string | null => {
      const rel = path.relative(this.root, absolutePath).split(path.sep).join('/');
      return rel.startsWith('..') || path.isAbsolute(rel) || !tracked.has(rel) ? null : rel;
    };
    const show = (rel: string): Buffer => git(this.root, ['show', `${revision}:${rel}`], 'buffer') as Buffer;
    return {
      readText: (p) => {
        const rel = relative(p);
        return rel === null ? disk.readText(p) : show(rel).toString('utf8');
      },
      readBytes: (p) => {
        const rel = relative(p);
        return rel === null ? disk.readBytes(p) : new Uint8Array(show(rel));
      },
      list: (dir) => {
        const rel = path.relative(this.root, dir).split(path.sep).join('/');
        const prefix = rel === '' ? '' : `${rel}/`;
        const inCommit = [...tracked].filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length).split('/')[0]!);
        return [...new Set([...inCommit, ...disk.list(dir)])];
      },
      // Host paths (bind sources, secret files) are the disk's, whatever the commit holds.
      ...(disk.realPath === undefined ? {} : { realPath: (p: string) => disk.realPath!(p) }),
    };
  }
}
