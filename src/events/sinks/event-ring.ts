/**
 * The most recent events, kept for clients of `/events` that come back: an EventSource that
 * lost its connection reconnects with `Last-Event-ID`, and gets the events it missed from here.
 * Bounded by count and by bytes, so that a burst (the first reconcile of 1,000 containers) costs
 * a fixed amount of memory; an id that fell out is answered with a reset (see SseHub).
 */
import type { PhoenixEvent } from '../event-types.js';

/** One kept event with its frame, ready to write. */
export interface RingEntry {
  readonly event: PhoenixEvent;
  readonly frame: string;
}

/** Limits of the ring. */
export interface EventRingOptions {
  /** Events kept (default 1000). */
  readonly maxEvents?: number;
  /** Bytes of frames kept (default 1 MiB, what a client may leave unread): a few large events (log lines) must not hold the memory of thousands. */
  readonly maxBytes?: number;
}

/** A bounded window on the newest events, looked up by event id. */
export class EventRing {
  private readonly entries: RingEntry[] = [];
  private readonly byId = new Map<string, RingEntry>();
  private bytes = 0;
  private readonly maxEvents: number;
  private readonly maxBytes: number;

  /** An empty ring. */
  constructor(options: EventRingOptions = {}) {
    this.maxEvents = Math.max(1, options.maxEvents ?? 1000);
    this.maxBytes = Math.max(1, options.maxBytes ?? 1024 * 1024);
  }

  /** Events kept now. */
  get size(): number {
    return this.entries.length;
  }

  /** The newest event's id; null while empty. */
  get newestId(): string | null {
    return this.entries.at(-1)?.event.id ?? null;
  }

  /** Keeps an event, dropping the oldest beyond the limits (the newest always stays). */
  push(entry: RingEntry): void {
    // Event ids are UUIDs, never repeated; one seen again (a re-delivery) replaces nothing.
    if (this.byId.has(entry.event.id)) return;
    this.entries.push(entry);
    this.byId.set(entry.event.id, entry);
    this.bytes += entry.frame.length;
    while (this.entries.length > 1 && (this.entries.length > this.maxEvents || this.bytes > this.maxBytes)) {
      const dropped = this.entries.shift()!;
      this.byId.delete(dropped.event.id);
      this.bytes -= dropped.frame.length;
    }
  }

  /** The events after the one with `id`, oldest first; null when `id` is not (or no longer) kept. */
  after(id: string): readonly RingEntry[] | null {
    const found = this.byId.get(id);
    if (found === undefined) return null;
    return this.entries.slice(this.entries.indexOf(found) + 1);
  }

  /** The newest `count` entries that `wanted` accepts, oldest first. */
  newest(count: number, wanted: (entry: RingEntry) => boolean): readonly RingEntry[] {
    const chosen: RingEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && chosen.length < count; i--) if (wanted(this.entries[i]!)) chosen.push(this.entries[i]!);
    return chosen.reverse();
  }
}
