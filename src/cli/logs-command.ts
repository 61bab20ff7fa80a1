import type { EnvironmentOptions } from './environment-loading.js';
import { loadFromDisk } from './environment-loading.js';
import type { CliIo } from './io.js';
import { EXIT, useColour } from './io.js';
import { reportFailure } from './live-plan.js';
import type { FollowNotice, LogSlot } from './log-follower.js';
import { followLogs, slotsWithoutContainer } from './log-follower.js';
import { parseLogSince } from './log-since.js';
import { connectPodman } from './podman-wiring.js';
import { formatIssue } from '../model/issue.js';
import type { LogLine } from '../podman/podman-client.js';

export interface LogsOptions extends EnvironmentOptions {
  readonly env: string;
  readonly follow?: boolean;
  readonly tail?: string;
  readonly since?: string;
  readonly timestamps?: boolean;
}

const PALETTE = ['\u001b[36m', '\u001b[33m', '\u001b[35m', '\u001b[32m', '\u001b[34m', '\u001b[31m'];
const DIM = '\u001b[2m';
const RESET = '\u001b[0m';

/** The first 12 hex digits of a container id, as `podman ps` shows it. */
function shortId(id: string): string {
  return id.slice(0, 12);
}

/** The marker line for something the follower noticed; none for a notice not worth a line. */
export function noticeLine(notice: FollowNotice): string {
  const name = notice.slot.label;
  switch (notice.kind) {
    case 'recreated':
      return `--- ${name} recreated (${shortId(notice.from.id)} → ${shortId(notice.to.id)}) ---`;
    case 'stopped':
      return `--- ${name} stopped (${shortId(notice.container.id)}); following on when it starts again ---`;
    case 'restarted':
      return `--- ${name} started again (${shortId(notice.container.id)}) ---`;
    case 'gone':
      return `--- ${name} removed: no container of service ${notice.slot.service} replica ${notice.slot.replica} for ${notice.afterMs / 1000} s ---`;
  }
}

/**
 * `phoenix logs`: the logs of the services' containers, interleaved, each line prefixed by its
 * container. With -f it follows each replica across recreates and restarts (log-follower.ts)
 * until Ctrl-C, or until every followed service is removed.
 */
export async function runLogs(services: readonly string[], options: LogsOptions, io: CliIo): Promise<number> {
  // Logs need no secret values, and an unreadable one is not worth a warning here.
  const loaded = loadFromDisk(options.env, options, io, 'if-available');
  if (!loaded.ok) {
    for (const issue of loaded.issues) io.stderr(`${formatIssue(issue)}\n`);
    return EXIT.failure;
  }
  const { desired } = loaded;
  const chosen = services.length === 0 ? desired.services : desired.services.filter((s) => services.includes(s.name));
  const unknown = services.filter((name) => !desired.services.some((s) => s.name === name));
  if (unknown.length > 0) {
    io.stderr(`phoenix: no service ${unknown.join(', ')} in ${options.env} (services: ${desired.services.map((s) => s.name).join(', ')}).\n`);
    return EXIT.failure;
  }
  const tail = options.tail === undefined ? undefined : Number(options.tail);
  if (tail !== undefined && !(/^\d+$/.test(options.tail!.trim()) && Number.isSafeInteger(tail))) {
    io.stderr(`phoenix: --tail takes a whole number of lines, such as 100; got "${options.tail}".\n`);
    return EXIT.failure;
  }
  let since: string | undefined;
  if (options.since !== undefined) {
    const parsed = parseLogSince(options.since, Date.now());
    if (parsed === null) {
      io.stderr(`phoenix: --since takes a duration before now (10m, 1h30m) or a time (2026-12-04T18:00:00Z, 2026-12-04, Unix seconds); got "${options.since}".\n`);
      return EXIT.failure;
    }
    since = parsed;
  }
  const slots: LogSlot[] = chosen.flatMap((s) => s.containerNames.map((label, index) => ({ service: s.name, replica: index + 1, label })));
  const width = Math.max(...slots.map((slot) => slot.label.length));
  const colour = useColour(io);
  const print = (label: string, line: LogLine): void => {
    const prefix = label.padEnd(width);
    const painted = colour ? `${PALETTE[slots.findIndex((s) => s.label === label) % PALETTE.length]}${prefix}${RESET}` : prefix;
    const stamp = options.timestamps === true ? `${line.time} ` : '';
    (line.stream === 'stderr' ? io.stderr : io.stdout)(`${painted} | ${stamp}${line.text}\n`);
  };
  const podman = connectPodman(options, io);
  const logOptions = { ...(tail === undefined ? {} : { tail }), ...(since === undefined ? {} : { since }) };
  try {
    if (options.follow !== true) {
      await podman.inspector.streamLogs(
        slots.map((slot) => slot.label),
        { follow: false, ...logOptions },
        (line) => print(line.container, line),
        io.signal,
      );
      return EXIT.ok;
    }
    const signal = io.signal ?? new AbortController().signal;
    const { project, environment } = desired;
    const missing = await slotsWithoutContainer(podman.inspector, project, environment, slots, signal);
    if (missing.length > 0) {
      io.stderr(`phoenix: ${missing.map((slot) => slot.label).join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist in Podman; nothing to follow there. Run phoenix apply --env ${options.env} first.\n`);
      return EXIT.failure;
    }
    let gone = 0;
    await followLogs({
      podman: podman.inspector,
      project,
      environment,
      slots,
      ...logOptions,
      signal,
      onLine: (slot, line) => print(slot.label, line),
      onNotice: (notice) => {
        if (notice.kind === 'gone') gone += 1;
        io.stderr(colour ? `${DIM}${noticeLine(notice)}${RESET}\n` : `${noticeLine(notice)}\n`);
      },
    });
    if (gone === slots.length) io.stderr(`phoenix: every container followed was removed (phoenix down, or the services left the manifests); stopping.\n`);
  } catch (error) {
    reportFailure(io, error);
    return EXIT.failure;
  }
  return EXIT.ok;
}
