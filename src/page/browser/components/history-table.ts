/**
 * The environment's newest revisions (`phoenix history`), newest first, the current one marked.
 */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { RevisionHistoryStatus } from '../../../telemetry/status-document.js';
import { dateTime } from '../format.js';

/** Props of HistoryTable. */
export interface HistoryTableProps {
  readonly history: RevisionHistoryStatus;
  readonly titleId: string;
}

/** The history section of an environment. */
export function HistoryTable(props: HistoryTableProps): VNode {
  const { history } = props;
  return html`
    <section class="history" aria-labelledby=${props.titleId}>
      <h3 id=${props.titleId} class="section-title">History${history.current === null ? '' : html` <span class="muted">(current revision ${history.current})</span>`}</h3>
      ${history.error === null ? null : html`<p class="refusal">${history.error}</p>`}
      ${history.recent.length === 0
        ? html`<p class="muted">No revision recorded yet.</p>`
        : html`<div class="table-scroll">
            <table>
              <thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Trigger</th><th scope="col">Result</th><th scope="col">Verdict</th><th scope="col">Actions</th></tr></thead>
              <tbody>
                ${history.recent.map(
                  (revision) => html`
                    <tr key=${revision.seq} class=${revision.seq === history.current ? 'current-row' : ''} data-revision=${revision.seq}>
                      <td>${revision.seq}${revision.seq === history.current ? html` <span class="muted">current</span>` : null}</td>
                      <td><time datetime=${revision.at}>${dateTime(revision.at)}</time></td>
                      <td>${revision.trigger}${revision.gitRevision === null ? null : html` <code>${revision.gitRevision.slice(0, 12)}</code>`}</td>
                      <td class=${revision.result === 'failed' ? 'refusal' : ''}>${revision.result}${revision.error === null ? '' : `: ${revision.error.code}`}${revision.rolledBack === null ? '' : ` (rolled back to ${revision.rolledBack.to} by ${revision.rolledBack.by})`}</td>
                      <td>${revision.verdict ?? '—'}</td>
                      <td title=${revision.summary}>${revision.actions}${revision.services.length === 0 ? '' : ` (${revision.services.join(', ')})`}</td>
                    </tr>
                  `,
                )}
              </tbody>
            </table>
          </div>`}
    </section>
  `;
}
