/**
 * One service: its verdict (in words, not only colour), health, restarts, uptime and ports,
 * each container's state, and its buttons: restart (token needed) and the log tail.
 */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import type { PublishedPortStatus, ServiceStatus } from '../../../telemetry/status-document.js';
import type { Deaths } from '../container-state.js';
import { shownState } from '../container-state.js';
import { since } from '../format.js';
import { LogTail } from './log-tail.js';

/** What happened to the last restart asked for, shown under the buttons. */
export interface ActionNote {
  readonly kind: 'pending' | 'done' | 'refused';
  readonly text: string;
}

/** Props of ServiceCard. */
export interface ServiceCardProps {
  readonly environment: string;
  readonly service: ServiceStatus;
  readonly now: number;
  readonly deaths: Deaths;
  /** When the last reconcile finished (it observed Podman): a death before it is in /status already. */
  readonly observedAt: string | null;
  readonly note: ActionNote | undefined;
  onRestart(): void;
  askToken(purpose: string): Promise<string | null>;
}

/** A DOM id made of names (which may hold dots and such). */
export function idOf(...parts: string[]): string {
  return parts.map((part) => part.replace(/[^A-Za-z0-9_-]/g, '_')).join('--');
}

/** `127.0.0.1:8080→80/tcp`, `8000-8002→8000-8002/udp`, as `podman ps` writes them. */
export function portText(port: PublishedPortStatus): string {
  const span = (first: number): string => (port.range > 1 ? `${first}-${first + port.range - 1}` : String(first));
  return `${port.hostIp === '' ? '' : `${port.hostIp}:`}${span(port.hostPort)}→${span(port.containerPort)}/${port.protocol}`;
}

/** The service's card. */
export function ServiceCard(props: ServiceCardProps): VNode {
  const { service, environment, now, deaths } = props;
  const [logsOpen, setLogsOpen] = useState(false);
  const logsId = idOf('logs', environment, service.service);
  const titleId = idOf('service', environment, service.service);
  const restarts = service.containers.reduce((sum, container) => sum + container.restarts, 0);
  const ports = [...new Set(service.containers.flatMap((container) => container.ports.map(portText)))];
  const images = [...new Set(service.containers.flatMap((container) => (container.image === null ? [] : [container.image])))];
  const crashLooping = service.restarts.some((restart) => restart.crashLooping);
  return html`
    <article class="service" aria-labelledby=${titleId} data-service=${service.service}>
      <header class="service-head">
        <h3 id=${titleId}>${service.service}</h3>
        <span class=${`badge verdict-${service.verdict}`} data-verdict=${service.verdict}>${service.verdict}</span>
      </header>
      ${service.detail === '' ? null : html`<p class="detail">${service.detail}</p>`}
      <dl class="facts">
        <div><dt>Replicas</dt><dd>${service.runningReplicas}/${service.desiredReplicas} running</dd></div>
        <div><dt>Restarts</dt><dd data-restarts>${restarts}${crashLooping ? ' (crash-looping: held)' : ''}</dd></div>
        ${ports.length === 0 ? null : html`<div><dt>Ports</dt><dd data-ports>${ports.join(', ')}</dd></div>`}
        ${images.length === 0 ? null : html`<div class="wide"><dt>Image</dt><dd><code>${images.join(', ')}</code></dd></div>`}
        ${service.stoppedSince === undefined ? null : html`<div><dt>Stopped</dt><dd>${since(service.stoppedSince, now)} ago (phoenix stop)</dd></div>`}
      </dl>
      <ul class="containers" aria-label=${`containers of ${service.service}`}>
        ${service.containers.map((container) => {
          const { state, exitCode } = shownState(container, deaths, props.observedAt);
          const uptime = state === 'running' ? since(container.startedAt, now) : null;
          const check = service.health.find((health) => health.container === container.name);
          return html`
            <li class="container" data-container=${container.name} data-state=${state} data-started=${container.startedAt ?? ''}>
              <span class="container-name">${container.name}</span>
              <span class=${`state state-${state === 'exited' && exitCode === 0 ? 'done' : state}`}>${state}${state === 'exited' && exitCode !== null ? ` (${exitCode})` : ''}</span>
              ${container.health === 'none' ? null : html`<span class=${`health health-${container.health}`}>${container.health}</span>`}
              ${container.inSync || state === 'missing' ? null : html`<span class="drift">config drifted</span>`}
              <span class="uptime">${uptime === null ? '' : `up ${uptime}`}</span>
              <span class="restarts">${container.restarts} restart${container.restarts === 1 ? '' : 's'}</span>
              ${container.health === 'unhealthy' && check?.output ? html`<span class="check-output">last check: ${check.output}</span>` : null}
            </li>
          `;
        })}
      </ul>
      <div class="service-actions">
        <button type="button" class="restart" onClick=${() => props.onRestart()} disabled=${props.note?.kind === 'pending'}>Restart ${service.service}</button>
        <button type="button" class="logs" aria-expanded=${logsOpen} aria-controls=${logsId} onClick=${() => setLogsOpen(!logsOpen)}>${logsOpen ? 'Hide logs' : `Logs of ${service.service}`}</button>
      </div>
      ${props.note === undefined ? null : html`<p class=${props.note.kind === 'refused' ? 'refusal' : 'note'} role=${props.note.kind === 'refused' ? 'alert' : 'status'} data-note=${props.note.kind}>${props.note.text}</p>`}
      ${logsOpen ? html`<${LogTail} environment=${environment} service=${service.service} id=${logsId} askToken=${props.askToken} />` : null}
    </article>
  `;
}
