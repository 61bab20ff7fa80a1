/**
 * A service's last log lines (/api/logs, redacted by the server, token needed), refreshed
 * every few seconds while open.
 */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { LogTailDocument } from '../../../telemetry/status-document.js';
import { explainRefusal, fetchLogs } from '../api.js';
import { clockTime } from '../format.js';
import { forgetToken, readToken } from '../token-store.js';

/** Lines asked for. */
const TAIL = 50;
/** Refresh period while the panel is open (ms). */
const REFRESH_MS = 5000;

/** Props of LogTail. */
export interface LogTailProps {
  readonly environment: string;
  readonly service: string;
  readonly id: string;
  /** Asks the person for the token (null: they cancelled). */
  askToken(purpose: string): Promise<string | null>;
}

/** The log panel of one service. */
export function LogTail(props: LogTailProps): VNode {
  const [logs, setLogs] = useState<LogTailDocument | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [needsToken, setNeedsToken] = useState(readToken() === null);
  const load = useCallback(async () => {
    const token = readToken();
    if (token === null) return setNeedsToken(true);
    try {
      const answer = await fetchLogs(props.environment, props.service, TAIL, token);
      if (answer.ok) {
        setLogs(answer.value);
        setProblem(null);
        return;
      }
      if (answer.refusal.status === 401) {
        forgetToken();
        setNeedsToken(true);
      }
      setProblem(explainRefusal(answer.refusal));
    } catch (failure) {
      setProblem(`The log request failed: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
  }, [props.environment, props.service]);
  useEffect(() => {
    if (needsToken) return undefined;
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load, needsToken]);
  const enterToken = async (): Promise<void> => {
    if ((await props.askToken(`see the logs of ${props.service} in ${props.environment}`)) !== null) setNeedsToken(false);
  };
  return html`
    <div class="log-tail" id=${props.id}>
      ${problem === null ? null : html`<p class="refusal" role="alert">${problem}</p>`}
      ${needsToken
        ? html`<p>The logs need the watch token. <button type="button" onClick=${() => void enterToken()}>Enter the token</button></p>`
        : logs === null
          ? html`<p class="muted">loading…</p>`
          : logs.lines.length === 0
            ? html`<p class="muted">no log lines</p>`
            : html`<pre tabindex="0" aria-label=${`last log lines of ${props.service}`}>${logs.lines.map(
                (line) => html`<span class=${`log-line log-${line.stream}`}><span class="log-meta">${clockTime(line.time)}${logs.containers.length > 1 ? ` #${line.container.slice(line.container.lastIndexOf('-') + 1)}` : ''} </span>${line.text}\n</span>`,
              )}</pre>`}
      ${logs?.truncated === true ? html`<p class="muted">Some lines were cut or left out (too long, or over 1 MiB).</p>` : null}
    </div>
  `;
}
