/**
 * The event log on disk: every event as one JSON line (JSONL), in a file rotated by size, so
 * that `tail -f`, `jq` and log shippers read it as it is and it never fills the disk.
 */
import type { RotatingFileStream } from 'rotating-file-stream';
import type { PhoenixEvent } from '../event-types.js';
import type { RotationOptions } from '../../telemetry/rotating-file.js';
import { closeRotatingFile, openRotatingFile } from '../../telemetry/rotating-file.js';

/** Why an event did not reach the file. */
export type JsonlDropReason = 'backlog-full' | 'closed';

/** Options of the JSONL file sink: where, how it rotates, and whom to tell of trouble. */
export interface JsonlFileSinkOptions extends RotationOptions {
  /**
   * Bytes waiting for the disk beyond which new events are dropped (default 8 MiB): a stuck
   * disk must not grow the controller's memory without bound.
   */
  readonly maxBacklogBytes?: number;
  /** Told of each dropped event (for `phoenix_events_dropped_total`). */
  readonly onDrop?: (event: PhoenixEvent, reason: JsonlDropReason) => void;
  /** Told of write and rotation errors; the bus needs handlers that never throw. */
  readonly onError?: (error: Error) => void;
}

/**
 * Appends events to a rotated JSONL file. Subscribe `sink.handle` on the bus with whatever
 * EventFilter should select the events; the sink itself writes everything it is handed.
 */
export class JsonlFileSink {
  /** Events dropped so far (backlog full, or handed over after close). */
  dropped = 0;
  private readonly stream: RotatingFileStream;
  private readonly maxBacklogBytes: number;
  private closing: Promise<void> | undefined;

  /** Opens (or appends to) the file at `options.path`, creating its directory if needed. */
  constructor(private readonly options: JsonlFileSinkOptions) {
    this.maxBacklogBytes = options.maxBacklogBytes ?? 8 * 1024 * 1024;
    this.stream = openRotatingFile(options);
    // Without a listener an 'error' event would crash the process; a sink failing is not fatal.
    this.stream.on('error', (error) => this.options.onError?.(error));
  }

  /** Writes one event as one line. Bound, so that it can be passed to `bus.subscribe` as is. */
  readonly handle = (event: PhoenixEvent): void => {
    if (this.closing !== undefined) return this.drop(event, 'closed');
    if (this.stream.writableLength > this.maxBacklogBytes) return this.drop(event, 'backlog-full');
    // JSON.stringify escapes newlines inside strings, so one event is always exactly one line.
    this.stream.write(`${JSON.stringify(event)}\n`);
  };

  /** Flushes what is buffered and closes the file; later events are dropped. Idempotent. */
  close(): Promise<void> {
    this.closing ??= closeRotatingFile(this.stream);
    return this.closing;
  }

  private drop(event: PhoenixEvent, reason: JsonlDropReason): void {
    this.dropped += 1;
    this.options.onDrop?.(event, reason);
  }
}
