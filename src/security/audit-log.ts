import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import type { PhoenixEvent } from '../events/event-types.js';
import { shortLockAddress, withShortLock } from '../state/short-lock.js';

/** The audit log inside the state directory; rotated ones are `security.log.1` … */
export const AUDIT_LOG_FILE = path.join('audit', 'security.log');

/** 10 MiB a file, 10 files kept: years of denials and grants for a usual host. */
const AUDIT_MAX_BYTES = 10 * 1024 * 1024;
const AUDIT_KEEP = 10;

/** Whether an event belongs in the audit log: every `security.*` event. */
export function isAuditEvent(event: PhoenixEvent): boolean {
  return event.type.startsWith('io.phoenix.security.');
}

/** How big the live file may grow and how many rotated files are kept (tests make them small). */
export interface AuditRotation {
  readonly maxBytes: number;
  readonly keep: number;
}

/**
 * The append-only, size-rotated audit log of security events (one CloudEvent as JSON a line)
 * in the state directory, mode 0600 in a 0700 folder. Phoenix only ever appends to it; the
 * rotation keeps AUDIT_KEEP older files. `phoenix apply` and `plan` write the denials and
 * grants of their load, `phoenix watch` every security event of its bus.
 *
 * Several Phoenix processes write it at once (watch, and every apply beside it). Each batch
 * of lines is written under a lock shared by them all (short-lock.ts): look at the live file's
 * size, rotate it when it is full, then append to it by path with O_APPEND in one write. So
 * no process writes into a file another one just rotated away through an old descriptor, two
 * processes never rotate at once (which renamed one's rotated file over the other's), and a
 * line is never torn or lost.
 */
export class AuditLog {
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  /** The first failure to write since the last flush (a full disk): reported by flush, never thrown at the bus. */
  private failure: Error | null = null;

  private constructor(
    private readonly file: string,
    private readonly lockAddress: string,
    private readonly rotation: AuditRotation,
  ) {}

  /** Opens (appending to) the audit log of a state directory, creating its folder. */
  static open(stateDir: string, rotation: AuditRotation = { maxBytes: AUDIT_MAX_BYTES, keep: AUDIT_KEEP }): AuditLog {
    const file = path.join(stateDir, AUDIT_LOG_FILE);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    return new AuditLog(file, shortLockAddress(stateDir, 'audit', `${file}.lock`), rotation);
  }

  /** Appends one event (ignored unless it is a security event); written in the background, in order. */
  record(event: PhoenixEvent): void {
    if (!isAuditEvent(event)) return;
    this.pending.push(`${JSON.stringify(event)}\n`);
    if (this.pending.length === 1) this.writing = this.writing.then(() => this.writeBatch());
  }

  /** Resolves once every record so far is on disk; rejects with the first failure to write since the last flush. */
  async flush(): Promise<void> {
    await this.writing;
    const failure = this.failure;
    this.failure = null;
    if (failure !== null) throw failure;
  }

  /** Resolves once every record is on disk (a failure to write is dropped, as with any log). */
  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
  }

  private async writeBatch(): Promise<void> {
    const lines = this.pending.join('');
    this.pending = [];
    try {
      await withShortLock(this.lockAddress, () => {
        this.rotateIfFull();
        appendFileSync(this.file, lines, { mode: 0o600 });
      });
    } catch (error) {
      this.failure ??= error as Error;
    }
  }

  /** Shifts `.1` … `.keep-1` up by one (the oldest goes) and the live file to `.1`, once it is full. Under the lock. */
  private rotateIfFull(): void {
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return;
    }
    if (size < this.rotation.maxBytes) return;
    for (let n = this.rotation.keep - 1; n >= 1; n--) {
      try {
        renameSync(`${this.file}.${n}`, `${this.file}.${n + 1}`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    renameSync(this.file, `${this.file}.1`);
  }
}

/** Appends events to a state directory's audit log: a CLI command's one write. */
export async function appendAuditEvents(stateDir: string, events: readonly PhoenixEvent[]): Promise<void> {
  if (!events.some(isAuditEvent)) return;
  const log = AuditLog.open(stateDir);
  for (const event of events) log.record(event);
  await log.flush();
}
