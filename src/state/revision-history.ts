/**
 * The history of revisions of one environment, in the state directory: one JSON file per
 * revision (`history/<project>/<environment>/rev-000042.json`), so that a revision's verdict can
 * be filled in once its rollout is judged, a damaged file spoils only itself, and dropping the
 * oldest is a file removal. Every writer holds the environment's lock, which is what keeps
 * sequence numbers unique. Files are written whole to a temporary name, then renamed.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Revision, RevisionDraft } from '../history/revision.js';
import { REVISION_FORMAT_VERSION } from '../history/revision.js';

const FILE = /^rev-(\d{6,})\.json$/;
const MARKS_FILE = 'failed.json';
/** Failure marks kept; each names a revision, so a few dozen cover any real history of failures. */
const MAX_MARKS = 50;

/** A history file Phoenix cannot read, or cannot write; with what to do. */
export class HistoryError extends Error {
  /** @param remediation one sentence saying what to do */
  constructor(
    readonly code: 'PHX-HISTORY-CORRUPT' | 'PHX-HISTORY-WRITE',
    message: string,
    readonly remediation: string,
  ) {
    super(message);
  }
}

/**
 * Manifests (a git commit, or a desired state's digest) whose revision failed its rollout and
 * was rolled back: watch does not apply them again until they change.
 */
export interface FailedMark {
  /** `git:<sha>` or `digest:<desired digest>`. */
  readonly key: string;
  /** The revision that failed. */
  readonly revision: number;
  /** The revision rolled back to; null when there was none to go back to. */
  readonly rolledBackTo: number | null;
  readonly at: string;
}

/** One environment's revisions. */
export class RevisionHistory {
  /** The folder holding the revision files. */
  readonly dir: string;

  constructor(stateDir: string, project: string, environment: string) {
    // Names are validated by the loader; encoding keeps any other character out of the path anyway.
    this.dir = path.join(stateDir, 'history', encodeURIComponent(project), encodeURIComponent(environment));
  }

  /** The sequence numbers present, oldest first (from the file names alone: a damaged file does not stop a new apply). */
  sequenceNumbers(): number[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names
      .flatMap((name) => {
        const match = FILE.exec(name);
        return match === null ? [] : [Number(match[1])];
      })
      .sort((a, b) => a - b);
  }

  /** Every revision, oldest first; a file that cannot be read throws PHX-HISTORY-CORRUPT naming it. */
  list(): Revision[] {
    return this.sequenceNumbers().map((seq) => this.read(seq));
  }

  /** One revision, or null when it is not (or no longer) in the history. */
  get(seq: number): Revision | null {
    return this.sequenceNumbers().includes(seq) ? this.read(seq) : null;
  }

  /**
   * What changes when a revision's file is written again (its verdict filled in, auto-rollback
   * marking it): its modification time and size; null when it is gone. Lets a reader keep
   * parsed revisions and read a file again only when this changed (watch's /status).
   */
  stampOf(seq: number): string | null {
    try {
      const stat = statSync(this.fileOf(seq));
      return `${stat.mtimeMs}:${stat.size}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** The newest revision, or null for an empty history. */
  latest(): Revision | null {
    const last = this.sequenceNumbers().at(-1);
    return last === undefined ? null : this.read(last);
  }

  /** Records a revision under the next sequence number and drops the oldest beyond `keep`. */
  append(draft: RevisionDraft, keep: number): Revision {
    const present = this.sequenceNumbers();
    const revision: Revision = { formatVersion: REVISION_FORMAT_VERSION, seq: (present.at(-1) ?? 0) + 1, ...draft };
    this.write(revision);
    // The newest stays whatever `keep` says: the next sequence number is counted from it.
    for (const seq of [...present, revision.seq].slice(0, -Math.max(1, keep))) rmSync(this.fileOf(seq), { force: true });
    return revision;
  }

  /** Fills in what is known only after the apply: the verdict, or that auto-rollback undid it. */
  update(seq: number, patch: Partial<Pick<Revision, 'verdict' | 'rolledBack'>>): Revision | null {
    const current = this.get(seq);
    if (current === null) return null;
    const updated: Revision = { ...current, ...patch };
    this.write(updated);
    return updated;
  }

  /** The failure mark of `key`, if the manifests it names failed and were rolled back. */
  failedMark(key: string): FailedMark | null {
    return this.marks().find((mark) => mark.key === key) ?? null;
  }

  /** Marks manifests as failed (replacing an older mark of the same key). */
  markFailed(mark: FailedMark): void {
    const marks = [...this.marks().filter((m) => m.key !== mark.key), mark].slice(-MAX_MARKS);
    this.writeJson(path.join(this.dir, MARKS_FILE), { marks });
  }

  private marks(): FailedMark[] {
    const file = path.join(this.dir, MARKS_FILE);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as { marks?: unknown };
      if (!Array.isArray(parsed.marks)) throw new Error('it has no list of marks');
      return parsed.marks as FailedMark[];
    } catch (error) {
      throw corrupt(file, (error as Error).message);
    }
  }

  private fileOf(seq: number): string {
    return path.join(this.dir, `rev-${String(seq).padStart(6, '0')}.json`);
  }

  private read(seq: number): Revision {
    const file = this.fileOf(seq);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw corrupt(file, (error as Error).message);
    }
    const candidate = parsed as Partial<Revision> | null;
    if (candidate === null || typeof candidate !== 'object') throw corrupt(file, 'it is not a JSON object');
    if (candidate.formatVersion !== REVISION_FORMAT_VERSION) throw corrupt(file, `its format version is ${JSON.stringify(candidate.formatVersion)}, not ${REVISION_FORMAT_VERSION}`);
    if (candidate.seq !== seq) throw corrupt(file, `it holds revision ${JSON.stringify(candidate.seq)}, not ${seq}`);
    if (typeof candidate.desiredDigest !== 'string' || candidate.desired === undefined || candidate.trigger === undefined || candidate.result === undefined || candidate.plan === undefined) {
      throw corrupt(file, 'a required field (desired, desiredDigest, trigger, plan, result) is missing');
    }
    return candidate as Revision;
  }

  private write(revision: Revision): void {
    this.writeJson(this.fileOf(revision.seq), revision);
  }

  private writeJson(file: string, value: unknown): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, `${JSON.stringify(value)}\n`, { mode: 0o600 });
      renameSync(temporary, file);
    } catch (error) {
      throw new HistoryError('PHX-HISTORY-WRITE', `cannot write the history file ${file}: ${(error as Error).message}`, 'Check that the state directory (--state-dir) is writable by this user and that the disk has room.');
    }
  }
}

function corrupt(file: string, why: string): HistoryError {
  return new HistoryError(
    'PHX-HISTORY-CORRUPT',
    `the history file ${file} cannot be read: ${why}`,
    'Move the file out of the history folder (the other revisions stay usable); Phoenix writes every revision whole, so a damaged file was edited or cut short by a full disk.',
  );
}
