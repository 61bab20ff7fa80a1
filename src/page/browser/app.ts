/**
 * The live status page: /status, refreshed on every event and every few seconds, next to the
 * live event stream; restarts ask for the token once per tab.
 */
import { html } from 'htm/preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { VNode } from 'preact';
import type { PhoenixEvent } from '../../events/event-types.js';
import { explainRefusal, fetchStatus, requestRestart } from './api.js';
import { EnvironmentSection, noteKey } from './components/environment-section.js';
import { EventLog } from './components/event-log.js';
import type { ActionNote } from './components/service-card.js';
import { TokenDialog } from './components/token-dialog.js';
import { deathsFrom } from './container-state.js';
import type { StreamState } from './event-stream.js';
import { openEventStream } from './event-stream.js';
import type { StatusDocument } from '../../telemetry/status-document.js';
import { forgetToken, readToken, storeToken } from './token-store.js';

/** Events kept on the page. */
const MAX_EVENTS = 200;
/** /status is read again this often even without events (uptimes, health) (ms). */
const POLL_MS = 5000;
/** Events come in bursts (a reconcile makes several): one /status read per burst (ms). */
const DEBOUNCE_MS = 250;

/** A question for the token, waiting for the person's answer. */
interface TokenPrompt {
  readonly purpose: string;
  readonly problem: string | null;
  readonly answer: (token: string | null) => void;
}

/** Keeps /status fresh: now, every POLL_MS, and shortly after `soon()`. */
function useStatus(): { status: StatusDocument | null; error: string | null; soon: () => void } {
  const [status, setStatus] = useState<StatusDocument | null>(null);
  const [error, setError] = useState<string | null>(null);
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const load = useCallback(() => {
    fetchStatus().then(
      (document) => {
        setStatus(document);
        setError(null);
      },
      (failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)),
    );
  }, []);
  const soon = useCallback(() => {
    clearTimeout(pending.current);
    pending.current = setTimeout(load, DEBOUNCE_MS);
  }, [load]);
  useEffect(() => {
    load();
    const timer = setInterval(load, POLL_MS);
    return () => clearInterval(timer);
  }, [load]);
  return { status, error, soon };
}

/** The current time, ticking every second (for uptimes). */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** The whole page. */
export function App(): VNode {
  const { status, error, soon } = useStatus();
  const now = useNow();
  const [events, setEvents] = useState<readonly PhoenixEvent[]>([]);
  const [stream, setStream] = useState<StreamState>('connecting');
  const [notes, setNotes] = useState<ReadonlyMap<string, ActionNote>>(new Map());
  const [prompt, setPrompt] = useState<TokenPrompt | null>(null);

  useEffect(
    () =>
      openEventStream({
        onEvent: (event) => {
          // A replay after a reconnect may repeat an event: keep each id once.
          setEvents((list) => (list.some((known) => known.id === event.id) ? list : [event, ...list].slice(0, MAX_EVENTS)));
          soon();
        },
        onState: (state) => {
          setStream(state);
          if (state === 'live') soon();
        },
        onReset: soon,
      }),
    [soon],
  );
  const deaths = useMemo(() => deathsFrom(events), [events]);

  const note = (environment: string, service: string, value: ActionNote): void => setNotes((map) => new Map(map).set(noteKey(environment, service), value));

  /** Asks for the token in the dialog; resolves with it (kept for the tab), or null when cancelled. */
  const askToken = useCallback(
    (purpose: string, problem: string | null = null) =>
      new Promise<string | null>((resolve) =>
        setPrompt({
          purpose,
          problem,
          answer: (token) => {
            setPrompt(null);
            if (token !== null && token !== '') storeToken(token);
            resolve(token);
          },
        }),
      ),
    [],
  );

  const restart = async (environment: string, service: string): Promise<void> => {
    const token = readToken() ?? (await askToken(`restart ${service} in ${environment}`));
    if (token === null) return note(environment, service, { kind: 'refused', text: `Not restarted: the restart needs the watch token.` });
    note(environment, service, { kind: 'pending', text: `Restarting ${service}…` });
    try {
      const answer = await requestRestart(environment, service, token);
      if (answer.ok) {
        const { actions, durationMs } = answer.value;
        return note(environment, service, { kind: 'done', text: `Restarted ${service}: ${actions} action${actions === 1 ? '' : 's'} in ${durationMs} ms.` });
      }
      // A refused token is forgotten: the next click asks again.
      if (answer.refusal.status === 401) forgetToken();
      const nothing = answer.refusal.status === 401 || answer.refusal.status === 403 ? ' Nothing was restarted.' : '';
      note(environment, service, { kind: 'refused', text: `${explainRefusal(answer.refusal)}${nothing}` });
    } catch (failure) {
      note(environment, service, { kind: 'refused', text: `The restart request failed: ${failure instanceof Error ? failure.message : String(failure)}` });
    }
  };

  return html`
    <header class="page-head">
      <h1>Phoenix <span class="muted">live status</span></h1>
      ${status === null ? null : html`<span class="podman">Podman ${status.podman}</span>`}
    </header>
    ${error === null ? null : html`<p class="refusal" role="alert">Cannot read /status: ${error}</p>`}
    <div class="layout">
      <main id="main">
        ${status === null && error === null ? html`<p class="muted">loading…</p>` : null}
        ${status?.environments.map(
          (environment) => html`<${EnvironmentSection} key=${environment.environment} environment=${environment} now=${now} deaths=${deaths} notes=${notes} onRestart=${(environment: string, service: string) => void restart(environment, service)} askToken=${askToken} />`,
        )}
      </main>
      <aside>
        <${EventLog} events=${events} stream=${stream} />
      </aside>
    </div>
    ${prompt === null ? null : html`<${TokenDialog} purpose=${prompt.purpose} problem=${prompt.problem} onCancel=${() => prompt.answer(null)} onSubmit=${(token: string) => prompt.answer(token)} />`}
  `;
}
