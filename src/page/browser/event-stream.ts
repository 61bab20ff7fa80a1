/**
 * The live event stream: an EventSource on /events. It opens with the newest events watch
 * keeps (`backlog`), so the list is not empty on arrival. After a dropped connection the
 * browser reconnects by itself and sends the last event's id as `Last-Event-ID`, and watch
 * replays what was missed; when watch no longer has them it sends a `reset` frame, and the
 * page reads /status again. When the server refuses the stream (EventSource then gives up),
 * a new one opens after a pause, resuming from the last id it saw (`lastEventId`).
 */
import type { PhoenixEvent } from '../../events/event-types.js';
import { EVENT_TYPES } from './event-kinds.js';

/** Where the stream is: open, trying again, or not open yet. */
export type StreamState = 'connecting' | 'live' | 'reconnecting';

/** What the stream tells its user. */
export interface StreamHandlers {
  onEvent(event: PhoenixEvent): void;
  onState(state: StreamState): void;
  /** Events were missed and cannot be replayed: what the page shows may be stale. */
  onReset(): void;
}

/** Pause before a new EventSource when the browser gave one up (ms). */
const RESTART_MS = 5000;
/** Events asked for on opening. */
const BACKLOG = 50;

/** Opens the stream; returns how to close it. */
export function openEventStream(handlers: StreamHandlers): () => void {
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let lastId: string | null = null;
  const receive = (message: MessageEvent<string>): void => {
    if (message.lastEventId !== '') lastId = message.lastEventId;
    try {
      handlers.onEvent(JSON.parse(message.data) as PhoenixEvent);
    } catch {
      // Not an event (a frame cut short): the next one is.
    }
  };
  const open = (): void => {
    handlers.onState('connecting');
    const query = lastId === null ? `backlog=${BACKLOG}` : `lastEventId=${encodeURIComponent(lastId)}`;
    source = new EventSource(`/events?${query}`);
    for (const type of EVENT_TYPES) source.addEventListener(type, receive);
    source.addEventListener('reset', (message: MessageEvent<string>) => {
      if (message.lastEventId !== '') lastId = message.lastEventId;
      handlers.onReset();
    });
    source.onopen = () => handlers.onState('live');
    source.onerror = () => {
      handlers.onState('reconnecting');
      if (source?.readyState === EventSource.CLOSED && !closed) {
        source = null;
        timer = setTimeout(open, RESTART_MS);
      }
    };
  };
  open();
  return () => {
    closed = true;
    clearTimeout(timer);
    source?.close();
  };
}
