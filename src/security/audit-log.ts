import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { RotatingFileStream } from 'rotating-file-stream';
import type { PhoenixEvent } from '../events/event-types.js';
import { closeRotatingFile, openRotatingFile } from '../telemetry/rotating-file.js';

/** The audit log inside the state directory; rotated ones are `security.log.1` … */
export const AUDIT_LOG_FILE = path.join('audit', 'security.log');

/** 10 MiB a file, 10 files kept: years of denials and grants for a usual host. */
const AUDIT_MAX_BYTES = 10 * 1024 * 1024;
const AUDIT_KEEP = 10;

/** Whether an event belongs in the audit log: every `security.*` event. */
export function isAuditEvent(event: PhoenixEvent): boolean {
  return event.type.startsWith('io.phoenix.security.');
}

/**
 * The append-only, size-rotated audit log of security events (one CloudEvent as JSON a line)
 * in the state directory, mode 0600 in a 0700 folder. Phoenix only ever appends to it; the
 * rotation keeps AUDIT_KEEP older files. `phoenix apply` and `plan` write the denials and
 * grants of their load, `phoenix watch` every security event of its bus.
 */
export class AuditLog {
  private constructor(private readonly stream: RotatingFileStream) {}

  /** Opens (appending to) the audit log of a state directory, creating its folder. */
  static open(stateDir: string): AuditLog {
    const file = path.join(stateDir, AUDIT_LOG_FILE);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const stream = openRotatingFile({ path: file, maxBytes: AUDIT_MAX_BYTES, keep: AUDIT_KEEP, mode: 0o600 });
    // A full disk must not crash the controller; what could not be written is lost, as with any log.
    stream.on('error', () => undefined);
    return new AuditLog(stream);
  }

  /** Appends one event (ignored unless it is a security event). */
  record(event: PhoenixEvent): void {
    if (isAuditEvent(event)) this.stream.write(`${JSON.stringify(event)}\n`);
  }

  /** Resolves once every record is on disk. */
  close(): Promise<void> {
    return closeRotatingFile(this.stream);
  }
}

/** Appends events to a state directory's audit log and closes it: a CLI command's one write. */
export async function appendAuditEvents(stateDir: string, events: readonly PhoenixEvent[]): Promise<void> {
  if (!events.some(isAuditEvent)) return;
  const log = AuditLog.open(stateDir);
  for (const event of events) log.record(event);
  await log.close();
}
