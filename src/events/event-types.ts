/**
 * Phoenix's events, CloudEvents 1.0 in shape (id, source, type, time, subject, data, and
 * extension attributes for correlation and severity), so that webhooks and existing event
 * buses take them as they are. `type` is `io.phoenix.<kind>`; `data` is typed per kind.
 * No event ever carries a secret value: payloads name secrets and show keyed digests only.
 */

import type { ChangeNote } from '../plan/change-notes.js';
import type { VerdictKind, VerdictReason } from '../plan/verdict.js';

/** Severity levels the Phoenix Hydra event bus uses (critical/high/medium/low/info). */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** What each kind of event carries. */
export interface EventPayloads {
  'reconcile.started': { readonly trigger: string };
  /** `verdict`: the environment's verdict as the reconcile left it (null without a desired state); `durationMs` whole milliseconds. */
  'reconcile.succeeded': { readonly trigger: string; readonly actions: number; readonly durationMs: number; readonly verdict: VerdictKind | null };
  'reconcile.failed': { readonly trigger: string; readonly error: { readonly code: string; readonly message: string; readonly remediation: string }; readonly durationMs: number; readonly verdict: VerdictKind | null };
  'action.started': { readonly actionId: number; readonly kind: string; readonly resource: string; readonly cause: string };
  'action.succeeded': { readonly actionId: number; readonly kind: string; readonly resource: string; readonly durationMs: number };
  'action.failed': { readonly actionId: number; readonly kind: string; readonly resource: string; readonly error: { readonly code: string; readonly message: string; readonly remediation: string } };
  /**
   * `changes`: per recreated container, the fields that changed (values cut short and redacted;
   * a secret only by name, as rotated/added/removed).
   */
  'drift.detected': { readonly actions: number; readonly summary: string; readonly changes: readonly ContainerChanges[] };
  'manifest.invalid': { readonly issues: readonly { readonly code: string; readonly location: string; readonly message: string }[] };
  /** Podman reported the container's main process ended (its `died` event), whatever restarts it next. */
  'container.died': { readonly container: string; readonly exitCode: number | null };
  'container.restarted': { readonly container: string; readonly reason: string; readonly attempt: number; readonly backoffMs: number };
  'container.unhealthy': { readonly container: string; readonly output: string; readonly failures: number };
  'container.healthy': { readonly container: string };
  /**
   * The restart breaker opened. `exitCode` is the container's last exit code (null when it
   * failed its health check while running); `logLines` its last log lines, redacted.
   */
  'service.crash-looping': { readonly restarts: number; readonly windowMs: number; readonly lastError: string; readonly container: string; readonly exitCode: number | null; readonly logLines: readonly string[] };
  /** Phoenix's restart of a failing container failed; `error` is why, redacted; evidence as for crash-looping. */
  'container.restart-failed': { readonly container: string; readonly attempt: number; readonly error: string; readonly exitCode: number | null; readonly logLines: readonly string[] };
  'secret.rotated': { readonly secret: string; readonly version: string };
  'threshold.alert': { readonly container: string; readonly metric: 'cpu' | 'memory'; readonly value: number; readonly limit: number; readonly sustainedMs: number; readonly recommendation: string };
  'threshold.resolved': { readonly container: string; readonly metric: 'cpu' | 'memory'; readonly value: number; readonly limit: number };
  'git.revision-applied': { readonly revision: string; readonly branch: string };
  /** A revision was recorded in the history (phoenix history), with how its rollout was judged (null: not judged). */
  'revision.recorded': { readonly revision: number; readonly trigger: string; readonly actions: number; readonly result: 'succeeded' | 'failed'; readonly verdict: string | null };
  /** The services a revision touched did not become healthy within policy.rollout.timeout (or its actions failed); `rollingBackTo` is null when no healthy revision is left to go back to. */
  'rollout.failed': { readonly revision: number; readonly services: readonly string[]; readonly reason: string; readonly rollingBackTo: number | null };
  /** policy.rollout.auto_rollback applied revision `to` again (recorded as `revision`) after `failedRevision` failed its rollout. */
  'rollout.rolled-back': { readonly failedRevision: number; readonly revision: number; readonly to: number; readonly ok: boolean };
  /**
   * A verdict (plan/verdict.ts) changed, as watch judges it: of a service (the event's subject)
   * or of the whole environment (no subject). `reason` and `detail` say why it is not converged.
   */
  'verdict.changed': { readonly scope: 'service' | 'environment'; readonly from: VerdictKind; readonly to: VerdictKind; readonly reason: VerdictReason | null; readonly detail: string };
  /** The policy denied an elevated setting (validation, or a saved plan's re-check); nothing of it was created. */
  'security.denied': SecurityFindingData & { readonly origin: 'validation' | 'saved-plan'; readonly message: string };
  /** The policy granted an elevated setting (privileged, a host path, a capability, ...): what the environment is allowed to do. */
  'security.granted': SecurityFindingData & { readonly grantedBy: string };
  /** A container runs with privileges its manifest does not give it (adopted, or changed by hand); `privileges` names each. */
  'security.drift': { readonly container: string; readonly privileges: readonly string[] };
  /**
   * Someone asked watch to restart a service (the event's subject) through its HTTP API
   * (POST /api/restart, token checked): who, by the client's address and User-Agent, never the token.
   */
  'service.restart-requested': { readonly via: 'http'; readonly requestedBy: { readonly address: string; readonly userAgent: string } };
  /**
   * A requested restart was carried out (its action events share its correlation id, the
   * request event's id): how it went.
   */
  'service.restart-finished': { readonly requestId: string; readonly ok: boolean; readonly actions: number; readonly durationMs: number; readonly error: { readonly code: string; readonly message: string; readonly remediation: string } | null };
}

/** One elevated setting, as the security events carry it (spec-policy.ts's finding, without its prose). */
export interface SecurityFindingData {
  /** The PHX-POLICY-… code. */
  readonly code: string;
  /** `service web`, `volume data`, `secret token`, `config nginx`. */
  readonly target: string;
  /** The key that asks for it, e.g. `cap_add`. */
  readonly key: string;
  /** What it asks for, e.g. `NET_ADMIN` or a host path. */
  readonly value: string;
}

/** The field changes of one recreated container, in `drift.detected`. */
export interface ContainerChanges {
  readonly service: string;
  readonly container: string;
  readonly fields: readonly ChangeNote[];
}

export type EventKind = keyof EventPayloads;

/** One Phoenix event: the CloudEvents envelope around a typed payload. */
export type PhoenixEvent = {
  [K in EventKind]: {
    readonly specversion: '1.0';
    /** Unique per event (a UUID). */
    readonly id: string;
    /** `phoenix://<project>/<environment>`. */
    readonly source: string;
    readonly type: `io.phoenix.${K}`;
    /** RFC 3339. */
    readonly time: string;
    /** The service concerned, when there is one. */
    readonly subject?: string;
    readonly datacontenttype: 'application/json';
    readonly severity: Severity;
    readonly project: string;
    readonly environment: string;
    /** Ties together every event of one reconcile (its id). */
    readonly correlationid?: string;
    /** The event that caused this one. */
    readonly causationid?: string;
    readonly data: EventPayloads[K];
  };
}[EventKind];

/** The kind of an event: its type without the `io.phoenix.` prefix. */
export function kindOf(event: PhoenixEvent): EventKind {
  return event.type.slice('io.phoenix.'.length) as EventKind;
}
