/**
 * The last plan that had actions, per service: its actions and, for each recreated container,
 * the fields that changed, old → new (values redacted by the server; secrets by name only).
 */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { FieldChangeStatus, LastPlanStatus, PlanActionStatus } from '../../../telemetry/status-document.js';
import { dateTime } from '../format.js';

/** Props of PlanDiff. */
export interface PlanDiffProps {
  readonly plan: LastPlanStatus | null;
  readonly titleId: string;
}

function actionList(actions: readonly PlanActionStatus[]): VNode {
  return html`<ul class="actions">${actions.map((action) => html`<li key=${action.id}><code>${action.kind}</code> ${action.resource} <span class="muted">— ${action.cause}</span></li>`)}</ul>`;
}

function fieldRow(change: FieldChangeStatus): VNode {
  if (change.secret !== undefined) {
    const what = change.op === 'add' ? 'added' : change.op === 'remove' ? 'removed' : 'rotated';
    return html`<tr><td><code>secrets</code></td><td colspan="2">secret <strong>${change.secret}</strong> ${what} <span class="muted">(values are never shown)</span></td></tr>`;
  }
  return html`<tr>
    <td><code>${change.field}</code></td>
    <td class="diff-remove">${change.op === 'add' ? html`<span class="muted">—</span>` : html`<del>${change.before ?? ''}</del>`}</td>
    <td class="diff-add">${change.op === 'remove' ? html`<span class="muted">removed</span>` : html`<ins>${change.after ?? ''}</ins>`}</td>
  </tr>`;
}

/** The last-plan section of an environment. */
export function PlanDiff(props: PlanDiffProps): VNode {
  const { plan } = props;
  return html`
    <section class="plan" aria-labelledby=${props.titleId}>
      <h3 id=${props.titleId} class="section-title">Last plan</h3>
      ${plan === null
        ? html`<p class="muted">No plan with actions since watch started.</p>`
        : html`
            <p>
              <time datetime=${plan.at}>${dateTime(plan.at)}</time> · ${plan.trigger} · <span class=${plan.ok ? 'note' : 'refusal'}>${plan.ok ? 'applied' : 'failed'}</span><br />
              <span class="muted">${plan.summary}</span>
            </p>
            ${plan.services.map(
              (service) => html`
                <div class="plan-service" key=${service.service}>
                  <h4>${service.service}</h4>
                  ${actionList(service.actions)}
                  ${service.changes.map(
                    (change) => html`
                      <div class="table-scroll" key=${change.container}>
                        <table class="diff" aria-label=${`changed fields of ${change.container}`}>
                          <thead><tr><th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
                          <tbody>${change.fields.map(fieldRow)}</tbody>
                        </table>
                      </div>
                    `,
                  )}
                </div>
              `,
            )}
            ${plan.other.length === 0 ? null : html`<div class="plan-service"><h4>Networks, volumes, secrets, images</h4>${actionList(plan.other)}</div>`}
          `}
    </section>
  `;
}
