/**
 * `phoenix watch`'s text output: one line per decision, made from the event stream. A
 * reconcile's events (its trigger, the field changes, the actions and their outcome, the
 * restarts it made) fold into one line when it ends; heals, holds, health changes and verdict
 * changes get a line of their own. A reconcile that changed nothing is a debug line: an
 * unchanged resync prints nothing at the default level. Pure: times come from the events.
 */
import type { EventPayloads, PhoenixEvent } from '../events/event-types.js';
import { renderChangeNote } from '../plan/change-notes.js';
import { formatTimestamp } from '../telemetry/text-log-line.js';
import { formatDuration } from './progress.js';

/** Severity of a line, for `--log-level`. */
export type LineLevel = 'debug' | 'info' | 'warn' | 'error';

/** One line of output, without its newline. */
export interface WatchLine {
  readonly level: LineLevel;
  readonly text: string;
}

/** Field changes shown per service, and services per line, before `and N more`. */
const MAX_FIELDS = 4;
const MAX_SERVICES = 3;
/** Actions named one by one, before `and N more`. */
const MAX_ACTIONS = 5;

/** The verbs a line uses for action kinds (`container.recreate` → `recreate`). */
function verbOf(kind: string): string {
  return kind.slice(kind.indexOf('.') + 1);
}

interface OpenReconcile {
  readonly trigger: string;
  changes: EventPayloads['drift.detected']['changes'];
  readonly actions: { kind: string; resource: string; durationMs: number | null; error: string | null }[];
  /** The started actions not yet finished, by kind and resource, oldest first: a first convergence of 1,000 containers has 2,000 of them, too many to search the list for each end. */
  readonly running: Map<string, OpenReconcile['actions'][number][]>;
  readonly heals: Map<string, EventPayloads['container.restarted']>;
  readonly rotated: string[];
}

/** What set a reconcile off, in a few words: one reason of the work queue's (see WatchController). */
function describeReason(reason: string): string {
  const manifest = /^manifest changed: (.*)$/.exec(reason);
  if (manifest !== null) return `edit ${manifest[1]!.split(', ').map((file) => file.split('/').pop()).join(', ')}`;
  const git = /^git: new commit(?: ([0-9a-f]+)(?: (.*))?)?$/.exec(reason);
  if (git !== null) return git[1] === undefined ? 'git: new commit' : `git ${git[1].slice(0, 7)}${git[2] === undefined || git[2] === '' ? '' : ` "${git[2]}"`}`;
  const container = /^container (.*)$/.exec(reason);
  if (container !== null) return `podman: ${container[1]!}`;
  if (reason.startsWith('periodic resync')) return 'resync';
  const restart = /^restart (\S+) \(attempt (\d+)\): (.*)$/.exec(reason);
  if (restart !== null) return `heal: restart ${restart[1]!} (attempt ${restart[2]!}: ${restart[3]!})`;
  const requested = /^requested by phoenix (\S+) \((pid \d+)\)$/.exec(reason);
  if (requested !== null) return `${requested[1]!} hand-off (${requested[2]!})`;
  return reason;
}

/** The work queue joins a reconcile's reasons with `, `; a manifest reason lists files the same way. */
const REASON_START = /, (?=start$|start, |manifest changed: |git: |container |periodic resync|restart \S+ \(attempt|requested by phoenix |image pulled|auto-rollback to revision |manual)/;

/** The reasons of a reconcile's trigger, described and joined. */
export function describeTrigger(trigger: string): string {
  return [...new Set(trigger.split(REASON_START).map(describeReason))].join(' + ');
}

function describeChanges(changes: EventPayloads['drift.detected']['changes'], rotated: readonly string[]): string {
  // Replicas of a service change alike: one entry per service.
  const byService = new Map<string, string[]>();
  for (const change of changes) if (!byService.has(change.service)) byService.set(change.service, change.fields.map(renderChangeNote));
  const parts = [...byService].slice(0, MAX_SERVICES).map(([service, fields]) => `${service}: ${fields.slice(0, MAX_FIELDS).join(', ')}${fields.length > MAX_FIELDS ? ` and ${fields.length - MAX_FIELDS} more` : ''}`);
  if (byService.size > MAX_SERVICES) parts.push(`and ${byService.size - MAX_SERVICES} more services`);
  const shown = changes.flatMap((c) => c.fields.flatMap((f) => (f.secret === undefined ? [] : [f.secret])));
  for (const secret of rotated) if (!shown.includes(secret)) parts.push(`secret ${secret} rotated`);
  return parts.join('; ');
}

/** `recreate shop-web-1`, `create network shop-default`; a secret without its version suffix (a keyed digest). */
function describeResource(kind: string, resource: string): string {
  const type = kind.slice(0, kind.indexOf('.'));
  if (type === 'container') return `${verbOf(kind)} ${resource}`;
  if (type === 'secret') return `${verbOf(kind)} ${kind === 'secret.remove' ? 'old ' : ''}secret ${resource.replace(/-[0-9a-f]{12}$/, '')}`;
  return `${verbOf(kind)} ${type} ${resource}`;
}

function describeAction(action: OpenReconcile['actions'][number], heal: EventPayloads['container.restarted'] | undefined): string {
  const took = action.durationMs === null ? '' : ` ${formatDuration(action.durationMs)}`;
  const what = heal !== undefined ? `heal: restart ${action.resource} (attempt ${heal.attempt}: ${heal.reason})` : describeResource(action.kind, action.resource);
  return action.error === null ? `${what}${took}` : `${what} FAILED: ${action.error}`;
}

/** Turns events into the lines `phoenix watch` prints. Keeps each environment's reconcile in progress. */
export class WatchLines {
  private readonly open = new Map<string, OpenReconcile>();
  private readonly reconciled = new Set<string>();
  private readonly width: number;

  /** @param environments the watched environments' names, to align the column */
  constructor(environments: readonly string[]) {
    this.width = Math.max(0, ...environments.map((name) => name.length));
  }

  /** The lines an event makes now (often none: a reconcile's events wait for its end). */
  handle(event: PhoenixEvent): WatchLine[] {
    const line = (level: LineLevel, text: string): WatchLine[] => [{ level, text: `${formatTimestamp(event.time)} ${event.environment.padEnd(this.width)}  ${text}` }];
    const current = this.open.get(event.environment);
    switch (event.type) {
      case 'io.phoenix.reconcile.started':
        this.open.set(event.environment, { trigger: event.data.trigger, changes: [], actions: [], running: new Map(), heals: new Map(), rotated: [] });
        return [];
      case 'io.phoenix.drift.detected':
        if (current !== undefined) current.changes = event.data.changes;
        return [];
      case 'io.phoenix.action.started': {
        if (current === undefined) return [];
        const action = { kind: event.data.kind, resource: event.data.resource, durationMs: null, error: null };
        current.actions.push(action);
        const key = `${action.kind} ${action.resource}`;
        const running = current.running.get(key);
        if (running === undefined) current.running.set(key, [action]);
        else running.push(action);
        return [];
      }
      case 'io.phoenix.action.succeeded':
      case 'io.phoenix.action.failed': {
        const action = current?.running.get(`${event.data.kind} ${event.data.resource}`)?.shift();
        if (action === undefined) return [];
        if (event.type === 'io.phoenix.action.succeeded') action.durationMs = event.data.durationMs;
        else action.error = `${event.data.error.code} ${event.data.error.message}`;
        return [];
      }
      case 'io.phoenix.secret.rotated':
        current?.rotated.push(event.data.secret);
        return [];
      case 'io.phoenix.container.restarted':
        if (current !== undefined) {
          current.heals.set(event.data.container, event.data);
          return [];
        }
        return line('info', `heal: restarted ${event.data.container} (attempt ${event.data.attempt}: ${event.data.reason})`);
      case 'io.phoenix.reconcile.succeeded':
      case 'io.phoenix.reconcile.failed':
        return this.finish(event, current, line);
      case 'io.phoenix.manifest.invalid': {
        const issues = event.data.issues;
        const shown = issues.slice(0, 3).map((issue) => issue.message);
        return line('warn', `manifests invalid, the last good version stays in force: ${shown.join('; ')}${issues.length > 3 ? ` and ${issues.length - 3} more` : ''}`);
      }
      case 'io.phoenix.container.died':
        return line('debug', `podman: ${event.data.container} died${event.data.exitCode === null ? '' : ` (exit code ${event.data.exitCode})`}`);
      case 'io.phoenix.container.unhealthy':
      {
        const output = oneLine(event.data.output);
        return line('warn', `health: ${event.data.container} unhealthy after ${event.data.failures} failed check${event.data.failures === 1 ? '' : 's'}${output === '' ? '' : `: ${output}`}`);
      }
      case 'io.phoenix.container.healthy':
        return line('debug', `health: ${event.data.container} healthy`);
      case 'io.phoenix.service.crash-looping': {
        const d = event.data;
        const exit = d.exitCode === null ? '' : ` (exit code ${d.exitCode})`;
        const last = d.logLines.at(-1);
        return line('error', `hold: ${event.subject ?? d.container} crash-looping, ${d.restarts} restarts within ${formatDuration(d.windowMs)}${exit}; restarts stop until it is healthy or its manifest changes. ${oneLine(d.lastError)}${last === undefined ? '' : ` | last log: ${oneLine(last)}`}`);
      }
      case 'io.phoenix.container.restart-failed': {
        const d = event.data;
        return line('error', `heal failed: restart ${d.container} (attempt ${d.attempt}): ${oneLine(d.error)}${d.exitCode === null ? '' : ` (exit code ${d.exitCode})`}`);
      }
      case 'io.phoenix.threshold.alert':
        return line('warn', `threshold: ${event.data.container} ${event.data.metric} ${event.data.value} over ${event.data.limit} for ${formatDuration(event.data.sustainedMs)}; ${event.data.recommendation}`);
      case 'io.phoenix.threshold.resolved':
        return line('info', `threshold: ${event.data.container} ${event.data.metric} back under ${event.data.limit}`);
      case 'io.phoenix.git.revision-applied':
        return line('debug', `git: ${event.data.revision.slice(0, 7)} of ${event.data.branch} applied`);
      case 'io.phoenix.revision.recorded':
        return line('debug', `history: revision ${event.data.revision} recorded (${event.data.result}${event.data.verdict === null ? '' : `, ${event.data.verdict}`})`);
      case 'io.phoenix.rollout.failed': {
        const d = event.data;
        const next = d.rollingBackTo === null ? 'no healthy revision to roll back to' : `rolling back to revision ${d.rollingBackTo}`;
        return line('error', `rollout: revision ${d.revision} failed${d.services.length === 0 ? '' : ` (${d.services.join(', ')})`}: ${oneLine(d.reason)}; ${next}`);
      }
      case 'io.phoenix.rollout.rolled-back': {
        const d = event.data;
        return line(d.ok ? 'warn' : 'error', `rollback: revision ${d.failedRevision} rolled back to revision ${d.to} (recorded as revision ${d.revision})${d.ok ? '' : ', and the rollback failed too'}`);
      }
      case 'io.phoenix.service.restart-requested': {
        const who = event.data.requestedBy;
        return line('info', `restart: ${event.subject ?? '?'} requested from ${who.address}${who.userAgent === '' ? '' : ` (${oneLine(who.userAgent)})`}`);
      }
      case 'io.phoenix.service.restart-finished': {
        const d = event.data;
        if (!d.ok) return line('error', `restart: ${event.subject ?? '?'} failed: ${d.error === null ? 'see the events before' : `${d.error.code} ${oneLine(d.error.message)}`}`);
        return line('info', `restart: ${event.subject ?? '?'} ${d.actions === 0 ? 'had no container to restart' : `restarted (${d.actions} actions, ${formatDuration(d.durationMs)})`}`);
      }
      case 'io.phoenix.verdict.changed': {
        const d = event.data;
        const why = d.to === 'converged' || d.detail === '' ? '' : ` (${d.detail})`;
        const level: LineLevel = d.to === 'failed' ? 'error' : d.to === 'degraded' ? 'warn' : 'info';
        // The environment's verdict ends every decision line; its own change is for debugging.
        if (d.scope === 'environment') return line('debug', `verdict: ${d.from} → ${d.to}${why}`);
        return line(level, `verdict: ${event.subject ?? '?'} ${d.from} → ${d.to}${why}`);
      }
      default:
        return [];
    }
  }

  private finish(event: Extract<PhoenixEvent, { type: 'io.phoenix.reconcile.succeeded' | 'io.phoenix.reconcile.failed' }>, current: OpenReconcile | undefined, line: (level: LineLevel, text: string) => WatchLine[]): WatchLine[] {
    this.open.delete(event.environment);
    const first = !this.reconciled.has(event.environment);
    this.reconciled.add(event.environment);
    const trigger = describeTrigger(event.data.trigger);
    const parts = [trigger];
    const changes = describeChanges(current?.changes ?? [], current?.rotated ?? []);
    if (changes !== '') parts.push(changes);
    const actions = current?.actions ?? [];
    if (actions.length > 0) {
      // A heal the trigger already names (`heal: restart X (...)`) is not told twice.
      const heal = (resource: string): EventPayloads['container.restarted'] | undefined => (trigger.includes(`heal: restart ${resource} `) ? undefined : current?.heals.get(resource));
      const named = actions.slice(0, MAX_ACTIONS).map((action) => describeAction(action, heal(action.resource)));
      parts.push(`${named.join(', ')}${actions.length > MAX_ACTIONS ? ` and ${actions.length - MAX_ACTIONS} more` : ''}`);
    }
    const verdict = event.data.verdict === null ? '' : ` · ${event.data.verdict}`;
    if (event.type === 'io.phoenix.reconcile.failed') {
      const e = event.data.error;
      // Cancelled because watch is stopping: no failure of anyone's.
      if (e.code === 'PODMAN-ABORTED') return line('debug', `${parts.join(' · ')} · cancelled`);
      return line('error', `${parts.join(' · ')} · FAILED in ${formatDuration(event.data.durationMs)}: ${e.code} ${oneLine(e.message)} ${oneLine(e.remediation)}${verdict}`);
    }
    if (actions.length === 0) {
      // Nothing to do: quiet, except for the first look at an environment (a person wants to know where it stands).
      return line(first ? 'info' : 'debug', `${parts.join(' · ')} · nothing to do${verdict}`);
    }
    return line('info', `${parts.join(' · ')} · ok in ${formatDuration(event.data.durationMs)}${verdict}`);
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
