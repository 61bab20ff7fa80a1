import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { EventFilter } from '../events/event-bus.js';
import { matchesFilter } from '../events/event-bus.js';
import { EventLogTail, readRecentEvents } from '../events/event-log.js';
import type { PhoenixEvent, Severity } from '../events/event-types.js';
import { kindOf } from '../events/event-types.js';
import { eventsUrl, followEventStream, telemetryBase } from '../events/sse-client.js';
import { formatIssue } from '../model/issue.js';
import type { EnvironmentOptions } from './environment-loading.js';
import { loadFromDisk } from './environment-loading.js';
import type { CliIo } from './io.js';
import { EXIT, useColour } from './io.js';
import { parseLogSince } from './log-since.js';

export interface EventsOptions extends EnvironmentOptions {
  readonly env: string;
  readonly type?: string[];
  readonly severity?: string[];
  readonly service?: string[];
  readonly json?: boolean;
  readonly follow?: boolean;
  readonly tail?: string;
  readonly since?: string;
  readonly file?: string;
  readonly url?: string;
}

const LEVELS: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
/** Kinds are lower-case words joined by dots and dashes; `*` is the only wildcard. */
const TYPE_PATTERN = /^[a-z0-9*][a-z0-9.*-]*$/;
/** How often the event log is read again while following. */
const FILE_POLL_MS = 500;
/** How long to wait before asking again for a watch that did not answer or went away. */
const RECONNECT_MS = 2000;
/** Ids remembered to show an event only once when the log and the stream both carry it. */
const REMEMBERED_IDS = 4096;

function split(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(',')).map((value) => value.trim()).filter((value) => value !== '');
}

/** `--severity high` (that level), `--severity high+` (that level and above); repeatable, comma-separated. */
export function parseSeverities(values: readonly string[]): Severity[] | string {
  const chosen = new Set<Severity>();
  for (const value of values) {
    const atLeast = value.endsWith('+');
    const level = (atLeast ? value.slice(0, -1) : value) as Severity;
    const index = LEVELS.indexOf(level);
    if (index < 0) return value;
    for (const passing of atLeast ? LEVELS.slice(index) : [level]) chosen.add(passing);
  }
  return LEVELS.filter((level) => chosen.has(level));
}

/** `key=value` pairs of an event's data, one level deep, for the one-line text form. */
export function summarise(data: Readonly<Record<string, unknown>>): string {
  const show = (value: unknown): string => {
    if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
    if (Array.isArray(value)) return `[${value.length} item${value.length === 1 ? '' : 's'}]`;
    return JSON.stringify(value) ?? 'null';
  };
  const parts: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, innerValue] of Object.entries(value)) parts.push(`${key}.${inner}=${show(innerValue)}`);
    } else {
      parts.push(`${key}=${show(value)}`);
    }
  }
  const text = parts.join(' ');
  return text.length > 400 ? `${text.slice(0, 399)}…` : text;
}

const SEVERITY_COLOUR: Readonly<Record<Severity, string>> = { critical: '\u001b[31;1m', high: '\u001b[31m', medium: '\u001b[33m', low: '\u001b[36m', info: '\u001b[2m' };

/** One event as a line: time, severity, kind, service, data. */
export function eventLine(event: PhoenixEvent, colour: boolean): string {
  const severity = event.severity.padEnd(8);
  const painted = colour ? `${SEVERITY_COLOUR[event.severity]}${severity}\u001b[0m` : severity;
  return `${event.time} ${painted} ${kindOf(event).padEnd(24)} ${(event.subject ?? '-').padEnd(12)} ${summarise(event.data as Readonly<Record<string, unknown>>)}`.trimEnd();
}

/** A set of the last N ids. */
class RecentIds {
  private readonly ids = new Set<string>();

  /** True the first time an id is offered. */
  fresh(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > REMEMBERED_IDS) this.ids.delete(this.ids.values().next().value!);
    return true;
  }
}

async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/**
 * `phoenix events`: the environment's events, filtered. The recent ones come from the event
 * log watch writes (policy.events.file, or --file for watch's --events-file); with -f it
 * follows on, from a running watch's `/events` stream (the environment's telemetry address,
 * or --url) and from the log, each event once, until Ctrl-C.
 */
export async function runEvents(options: EventsOptions, io: CliIo): Promise<number> {
  const loaded = loadFromDisk(options.env, options, io, 'if-available');
  if (!loaded.ok) {
    for (const issue of loaded.issues) io.stderr(`${formatIssue(issue)}\n`);
    return EXIT.failure;
  }
  const { desired } = loaded;
  const types = split(options.type).map((type) => (type.startsWith('io.phoenix.') ? type.slice('io.phoenix.'.length) : type));
  const badType = types.find((type) => !TYPE_PATTERN.test(type));
  if (badType !== undefined) {
    io.stderr(`phoenix: --type takes an event kind or a pattern with * (reconcile.failed, container.*, *.failed); got "${badType}".\n`);
    return EXIT.failure;
  }
  const severities = parseSeverities(split(options.severity));
  if (typeof severities === 'string') {
    io.stderr(`phoenix: --severity takes ${LEVELS.join(', ')}, or one of them followed by + for that level and above (high+); got "${severities}".\n`);
    return EXIT.failure;
  }
  const tail = options.tail === undefined ? 20 : Number(options.tail);
  if (options.tail !== undefined && !(/^\d+$/.test(options.tail.trim()) && Number.isSafeInteger(tail))) {
    io.stderr(`phoenix: --tail takes a whole number of events, such as 50; got "${options.tail}".\n`);
    return EXIT.failure;
  }
  let sinceMs: number | undefined;
  if (options.since !== undefined) {
    const since = parseLogSince(options.since, Date.now());
    if (since === null) {
      io.stderr(`phoenix: --since takes a duration before now (10m, 1h30m) or a time (2026-12-04T18:00:00Z, 2026-12-04, Unix seconds); got "${options.since}".\n`);
      return EXIT.failure;
    }
    sinceMs = Date.parse(since);
  }
  const services = split(options.service);
  const filter: EventFilter = {
    environments: [desired.environment],
    ...(types.length === 0 ? {} : { types }),
    ...(services.length === 0 ? {} : { services }),
    ...(severities.length === 0 ? {} : { severities }),
  };
  const file = options.file !== undefined ? path.resolve(io.cwd, options.file) : (desired.policy.events.file?.path ?? null);
  if (file === null && options.follow !== true) {
    io.stderr(
      `phoenix: error PHX-EVENTS-NO-LOG environment ${desired.environment} keeps no event log (policy.events.file), so there are no recent events to show. ` +
        'Set policy.events.file.path (watch appends every event to it), pass --file for a watch started with --events-file, or follow a running watch with -f.\n',
    );
    return EXIT.failure;
  }
  const colour = useColour(io);
  const seen = new RecentIds();
  const print = (event: PhoenixEvent): void => {
    if (!matchesFilter(event, filter) || (sinceMs !== undefined && !(Date.parse(event.time) >= sinceMs)) || !seen.fresh(event.id)) return;
    io.stdout(options.json === true ? `${JSON.stringify(event)}\n` : `${eventLine(event, colour)}\n`);
  };
  const note = (text: string): void => io.stderr(colour ? `\u001b[2m${text}\u001b[0m\n` : `${text}\n`);

  if (options.follow !== true) {
    const recent = readRecentEvents(file!, (event) => matchesFilter(event, filter), tail, sinceMs);
    if (!recent.exists) note(`phoenix: no events yet: ${file!} does not exist (phoenix watch writes it).`);
    for (const event of recent.events) print(event);
    if (recent.skipped > 0) note(`phoenix: ${recent.skipped} line(s) of the log are not events and were skipped.`);
    return EXIT.ok;
  }

  const signal = io.signal ?? new AbortController().signal;
  const base = options.url ?? telemetryBase(desired.policy.telemetry.host, desired.policy.telemetry.port);
  const url = eventsUrl(base, filter);
  // The stream opens first and its events wait until the recent ones are printed, so that
  // nothing falls between the two and the order stays the log's.
  let printedRecent = false;
  const early: PhoenixEvent[] = [];
  const fromStream = (event: PhoenixEvent): void => {
    if (printedRecent) print(event);
    else early.push(event);
  };
  const tailer = file === null ? null : new EventLogTail(file);
  const stream = (async (): Promise<void> => {
    let state: 'unknown' | 'connected' | 'absent' = 'unknown';
    while (!signal.aborted) {
      try {
        await followEventStream(url, fromStream, signal, () => {
          if (state !== 'connected') note(`phoenix: following the watch at ${base}/events.`);
          state = 'connected';
        });
        if (signal.aborted) return;
        note(`phoenix: the watch at ${base} ended its event stream; waiting for it to come back${file === null ? '' : ` (reading ${file} meanwhile)`}.`);
        state = 'absent';
      } catch (error) {
        if (state !== 'absent') note(`phoenix: ${(error as Error).message}: is phoenix watch running? Asking again every ${RECONNECT_MS / 1000} s${file === null ? '' : `; reading ${file} meanwhile`}.`);
        state = 'absent';
      }
      if (!(await pause(RECONNECT_MS, signal))) return;
    }
  })();
  if (file !== null) {
    const recent = readRecentEvents(file, (event) => matchesFilter(event, filter), tail, sinceMs);
    for (const event of recent.events) print(event);
  }
  printedRecent = true;
  for (const event of early.splice(0)) print(event);
  const logLoop = (async (): Promise<void> => {
    if (tailer === null) return;
    while (await pause(FILE_POLL_MS, signal)) for (const event of tailer.poll().events) print(event);
  })();
  await Promise.all([stream, logLoop]);
  return EXIT.ok;
}
