/**
 * The live event list, newest first: time, severity, kind, where, and one line of what.
 */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { PhoenixEvent } from '../../../events/event-types.js';
import { describeEvent, kindOf } from '../describe-event.js';
import type { StreamState } from '../event-stream.js';
import { clockTime } from '../format.js';

/** Props of EventLog. */
export interface EventLogProps {
  /** Newest first. */
  readonly events: readonly PhoenixEvent[];
  readonly stream: StreamState;
}

const STREAM_TEXT: Readonly<Record<StreamState, string>> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
};

/** The event list. */
export function EventLog(props: EventLogProps): VNode {
  return html`
    <section class="events" aria-labelledby="events-title">
      <header class="events-head">
        <h2 id="events-title">Events</h2>
        <span class=${`stream stream-${props.stream}`} data-stream=${props.stream}>${STREAM_TEXT[props.stream]}</span>
      </header>
      ${props.events.length === 0 ? html`<p class="muted">No events since the page opened.</p>` : null}
      <ol class="event-list" role="log" aria-label="events, newest first">
        ${props.events.map(
          (event) => html`
            <li key=${event.id} class=${`event severity-${event.severity}`} data-kind=${kindOf(event)}>
              <time datetime=${event.time}>${clockTime(event.time)}</time>
              <span class="event-kind">${kindOf(event)}</span>
              <span class="event-where">${event.environment}${event.subject === undefined ? '' : ` / ${event.subject}`}</span>
              <span class="event-text">${describeEvent(event)}</span>
            </li>
          `,
        )}
      </ol>
    </section>
  `;
}
