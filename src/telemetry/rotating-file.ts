/**
 * The one place that opens a size-rotated file, shared by the event log (JSONL sink) and the
 * log file, so both rotate the same way and the rotating-file-stream options live here.
 */
import type { RotatingFileStream } from 'rotating-file-stream';
import { createStream } from 'rotating-file-stream';

/** How a rotated file is kept. */
export interface RotationOptions {
  /** The live file; rotated ones are `<path>.1` (newest) … `<path>.<keep>` (oldest). */
  readonly path: string;
  /** Rotate once the live file reaches this many bytes (default 10 MiB). */
  readonly maxBytes?: number;
  /** Rotated files kept besides the live one (default 5); older ones are deleted. */
  readonly keep?: number;
  /** Gzip rotated files (`<path>.1.gz` …), in-process (default false). */
  readonly gzip?: boolean;
  /** File mode of a new file (default 0666 before the umask); the audit log is 0600. */
  readonly mode?: number;
}

/** 10 MiB: large enough for days of events, small enough to open in an editor. */
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
/** Five rotated files: with the default size, at most 60 MiB on disk. */
export const DEFAULT_KEEP = 5;

/**
 * Opens (appending to) a file that rotates by size. Rotation happens after a write crosses
 * the limit, so a file can exceed it by one write but a line is never split across files.
 */
export function openRotatingFile(options: RotationOptions): RotatingFileStream {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const keep = options.keep ?? DEFAULT_KEEP;
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new RangeError(`maxBytes must be a positive integer, not ${maxBytes}`);
  if (!Number.isInteger(keep) || keep <= 0) throw new RangeError(`keep must be a positive integer, not ${keep}`);
  return createStream(options.path, {
    size: `${maxBytes}B`,
    // Classical numbering (`.1` … `.N`) rather than dated names: the newest rotated file is
    // always `.1`, and `rotate` bounds the count without a history file beside the log.
    rotate: keep,
    // 'gzip' compresses with zlib in this process; `true` would run `cat | gzip` in a shell.
    ...(options.gzip === true ? { compress: 'gzip' as const } : {}),
    ...(options.mode === undefined ? {} : { mode: options.mode }),
  });
}

/** Ends the stream and resolves once every buffered write is on disk and the file closed. */
export function closeRotatingFile(stream: RotatingFileStream): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.destroyed || stream.writableFinished) {
      resolve();
      return;
    }
    const onError = (error: Error): void => reject(error);
    stream.once('error', onError);
    stream.end(() => {
      stream.off('error', onError);
      resolve();
    });
  });
}
