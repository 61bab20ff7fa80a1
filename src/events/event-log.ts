/**
 * Reading the event log the JSONL file sink writes (policy.events.file, watch --events-file):
 * the recent events, from the live file and the newest rotated one, and the events appended
 * from now on, across rotations. What `phoenix events` shows when no watch is there to ask.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { PhoenixEvent, Severity } from './event-types.js';

const SEVERITIES: ReadonlySet<string> = new Set<Severity>(['critical', 'high', 'medium', 'low', 'info']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * One line of the event log as an event; null when it is not one (a line cut short by a crash,
 * something else appended to the file). Only the envelope is checked: `data` is shown as it is.
 */
export function parseEventLine(line: string): PhoenixEvent | null {
  if (line.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isRecord(value)) return null;
  const { specversion, id, type, time, severity, environment, project, data, subject } = value;
  if (specversion !== '1.0' || typeof id !== 'string' || typeof type !== 'string' || !type.startsWith('io.phoenix.') || typeof time !== 'string') return null;
  if (typeof severity !== 'string' || !SEVERITIES.has(severity) || typeof environment !== 'string' || typeof project !== 'string' || !isRecord(data)) return null;
  if (subject !== undefined && typeof subject !== 'string') return null;
  return value as unknown as PhoenixEvent;
}

/** The largest part of each file read for the recent events: the end of a huge log is what matters. */
const RECENT_READ_BYTES = 16 * 1024 * 1024;

/** The last `maxBytes` of a file as text, starting at a whole line; '' when it does not exist. */
function readEnd(file: string, maxBytes: number): string {
  if (!existsSync(file)) return '';
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, start + read);
      if (n === 0) break;
      read += n;
    }
    const text = buffer.subarray(0, read).toString('utf8');
    // Cut into a line: drop its partial head.
    return start === 0 ? text : text.slice(text.indexOf('\n') + 1);
  } finally {
    closeSync(fd);
  }
}

/** The recent events of a log: those that pass the filter, oldest first, at most `limit`. */
export interface RecentEvents {
  readonly events: readonly PhoenixEvent[];
  /** Lines that were not events (cut short, foreign). */
  readonly skipped: number;
  /** Whether the live file exists at all (watch may not have written any event yet). */
  readonly exists: boolean;
}

/**
 * The last `limit` events of the log at `file` that `passes` and are no older than `sinceMs`
 * (when given), read from the newest rotated file (`<file>.1`, when it is not compressed) and
 * the live file, in order.
 */
export function readRecentEvents(file: string, passes: (event: PhoenixEvent) => boolean, limit: number, sinceMs?: number): RecentEvents {
  const events: PhoenixEvent[] = [];
  let skipped = 0;
  for (const part of [`${file}.1`, file]) {
    for (const line of readEnd(part, RECENT_READ_BYTES).split('\n')) {
      if (line.trim() === '') continue;
      const event = parseEventLine(line);
      if (event === null) {
        skipped += 1;
        continue;
      }
      if (sinceMs !== undefined && !(Date.parse(event.time) >= sinceMs)) continue;
      if (passes(event)) events.push(event);
    }
  }
  return { events: limit === 0 ? [] : events.slice(-limit), skipped, exists: existsSync(file) };
}

/**
 * Follows a log from its current end: `poll()` returns the events appended since the last
 * call (every complete line; a partial last line waits for its end). A rotation (the file
 * replaced, or shorter than what was read) starts over at the new file's beginning.
 */
export class EventLogTail {
  private offset = 0;
  private inode: number | null = null;
  private partial = '';
  /** Keeps a character split between two reads whole. */
  private decoder = new StringDecoder('utf8');

  /** Starts at the file's end as it is now (or its beginning, once it appears). */
  constructor(private readonly file: string) {
    const stat = this.stat();
    if (stat !== null) {
      this.offset = stat.size;
      this.inode = stat.ino;
    }
  }

  /** The events appended since the last call, and how many lines were not events. */
  poll(): { events: PhoenixEvent[]; skipped: number } {
    const stat = this.stat();
    if (stat === null) return { events: [], skipped: 0 };
    if (stat.ino !== this.inode || stat.size < this.offset) {
      this.inode = stat.ino;
      this.offset = 0;
      this.partial = '';
      this.decoder = new StringDecoder('utf8');
    }
    if (stat.size === this.offset) return { events: [], skipped: 0 };
    const fd = openSync(this.file, 'r');
    let chunk: string;
    try {
      const buffer = Buffer.alloc(Math.min(stat.size - this.offset, RECENT_READ_BYTES));
      const n = readSync(fd, buffer, 0, buffer.length, this.offset);
      this.offset += n;
      chunk = this.decoder.write(buffer.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    const events: PhoenixEvent[] = [];
    let skipped = 0;
    for (const line of lines) {
      if (line.trim() === '') continue;
      const event = parseEventLine(line);
      if (event === null) skipped += 1;
      else events.push(event);
    }
    return { events, skipped };
  }

  private stat(): { size: number; ino: number } | null {
    try {
      const stat = statSync(this.file);
      return { size: stat.size, ino: stat.ino };
    } catch {
      return null;
    }
  }
}
