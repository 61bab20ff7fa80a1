/**
 * One environment: its verdict, project, revision and last reconcile, a card per service,
 * its history of revisions and its last plan as a field diff.
 */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { EnvironmentStatus } from '../../../telemetry/status-document.js';
import type { Deaths } from '../container-state.js';
import { since } from '../format.js';
import { HistoryTable } from './history-table.js';
import { PlanDiff } from './plan-diff.js';
import type { ActionNote } from './service-card.js';
import { ServiceCard, idOf } from './service-card.js';

/** Props of EnvironmentSection. */
export interface EnvironmentSectionProps {
  readonly environment: EnvironmentStatus;
  readonly now: number;
  readonly deaths: Deaths;
  readonly notes: ReadonlyMap<string, ActionNote>;
  onRestart(environment: string, service: string): void;
  askToken(purpose: string): Promise<string | null>;
}

/** The key of a service's note: environment and service. */
export function noteKey(environment: string, service: string): string {
  return `${environment}\u0000${service}`;
}

/** The environment's section. */
export function EnvironmentSection(props: EnvironmentSectionProps): VNode {
  const env = props.environment;
  const id = (part: string): string => idOf(part, env.environment);
  const verdict = env.verdict ?? 'unknown';
  const last = env.lastReconcile;
  return html`
    <section class="environment" aria-labelledby=${id('env')} data-environment=${env.environment}>
      <header class="environment-head">
        <h2 id=${id('env')}>${env.environment}</h2>
        <span class=${`badge verdict-${verdict}`} data-verdict=${verdict}>${verdict}</span>
      </header>
      <dl class="facts">
        ${env.project === null ? null : html`<div><dt>Project</dt><dd>${env.project}</dd></div>`}
        ${env.history.current === null ? null : html`<div><dt>Revision</dt><dd>${env.history.current}</dd></div>`}
        ${env.revision === null ? null : html`<div><dt>Commit</dt><dd><code>${env.revision.slice(0, 12)}</code></dd></div>`}
        <div class="wide">
          <dt>Last reconcile</dt>
          <dd>
            ${last === null
              ? 'not yet'
              : html`<span class=${last.ok ? '' : 'refusal'}>${last.ok ? 'ok' : 'failed'}</span>${`, ${last.actions} action${last.actions === 1 ? '' : 's'} in ${last.durationMs} ms, ${since(last.at, props.now) ?? '?'} ago `}<span class="muted">(${last.trigger})</span>`}
          </dd>
        </div>
      </dl>
      ${last?.error ? html`<p class="refusal" role="alert">${last.error.code}: ${last.error.message} <span class="muted">${last.error.remediation}</span></p>` : null}
      ${last?.manifestInvalid ? html`<p class="refusal">The manifests do not validate: the last good version stays in force.</p>` : null}
      <div class="services">
        ${env.services.map(
          (service) => html`<${ServiceCard}
            key=${service.service}
            environment=${env.environment}
            service=${service}
            now=${props.now}
            deaths=${props.deaths}
            observedAt=${last?.at ?? null}
            note=${props.notes.get(noteKey(env.environment, service.service))}
            onRestart=${() => props.onRestart(env.environment, service.service)}
            askToken=${props.askToken}
          />`,
        )}
      </div>
      <${PlanDiff} plan=${env.lastPlan} titleId=${id('plan')} />
      <${HistoryTable} history=${env.history} titleId=${id('history')} />
    </section>
  `;
}
