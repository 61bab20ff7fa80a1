import os from 'node:os';
import { Writable } from 'node:stream';
import { AuditLog } from '../security/audit-log.js';
import { EventBus } from '../events/event-bus.js';
import type { PhoenixEvent } from '../events/event-types.js';
import { WatchController } from '../controller/watch-controller.js';
import type { ManifestSource } from '../controller/environment-runtime.js';
import { GitRepository } from '../git/git-repository.js';
import { nodeReader } from '../manifest/node-reader.js';
import { parseDurationMs } from '../manifest/units.js';
import { SecretDigester } from '../model/hash.js';
import { PodmanStats } from '../podman/podman-stats.js';
import { loadOrCreateDigestKey, resolveStateDir } from '../state/digest-key.js';
import { readPullTimes, recordPullTime } from '../state/pull-record.js';
import { forgetStoppedServices, readStoppedServices } from '../state/stopped-services.js';
import { newWatchToken, removeWatchToken, writeWatchToken } from '../state/watch-token.js';
import { nodeContextReader } from '../manifest/context-reader.js';
import type { LogFormat } from '../telemetry/logger.js';
import { createLogger } from '../telemetry/logger.js';
import { Metrics } from '../telemetry/metrics.js';
import { SecretRedactor } from '../telemetry/secret-redactor.js';
import type { EnvironmentOptions } from './environment-loading.js';
import { environmentsDir } from './environment-loading.js';
import type { CliIo } from './io.js';
import { EXIT, useColour } from './io.js';
import type { LineLevel } from './watch-lines.js';
import { WatchLines } from './watch-lines.js';
import { connectPodman, secretReader } from './podman-wiring.js';
import { lockTimeoutMs } from './lock-flags.js';
import type { LockFlags } from './lock-flags.js';
import { WatchLocks } from './watch-locks.js';
import { telemetryBase } from '../events/sse-client.js';
import { RevisionHistory } from '../state/revision-history.js';

export interface WatchOptions extends EnvironmentOptions, LockFlags {
  readonly env?: string[];
  readonly git?: boolean;
  readonly branch?: string;
  readonly gitPoll?: string;
  readonly listen?: string;
  readonly eventsFile?: string;
  readonly webhook?: string[];
  readonly logFile?: string;
  readonly logLevel?: string;
  readonly logFormat?: string;
  /** Accept a secret-digest key other than the one Podman's secrets were made with (PHX-SECRET-KEY-CHANGED). */
  readonly rekey?: boolean;
  readonly printPageUrl?: boolean;
}

/**
 * `phoenix watch`: converge, then keep converged until SIGINT/SIGTERM, which stops taking
 * work, cancels what is in flight cleanly, leaves the containers running and exits 0.
 */
export async function runWatch(options: WatchOptions, io: CliIo): Promise<number> {
  const names = options.env ?? [];
  if (names.length === 0) {
    io.stderr('phoenix: name the environments to watch with --env NAME (repeatable).\n');
    return EXIT.failure;
  }
  const gitPollMs = parseDurationMs(options.gitPoll ?? '30s');
  if (gitPollMs === null || gitPollMs <= 0) {
    io.stderr('phoenix: --git-poll takes a duration such as 30s.\n');
    return EXIT.failure;
  }
  let listen: { host: string; port: number } | undefined;
  if (options.listen !== undefined) {
    const match = /^(.+):(\d+)$/.exec(options.listen);
    if (match === null) {
      io.stderr('phoenix: --listen takes host:port, e.g. 127.0.0.1:9464.\n');
      return EXIT.failure;
    }
    listen = { host: match[1]!, port: Number(match[2]) };
  }
  const format = parseLogFormat(options.logFormat);
  if (format === null) {
    io.stderr(`phoenix: --log-format takes text (lines for people, the default) or json (pino's JSON lines, for machines), not "${options.logFormat ?? ''}".\n`);
    return EXIT.failure;
  }
  const level = options.logLevel ?? 'info';
  if (!LOG_LEVELS.includes(level as LogLevel)) {
    io.stderr(`phoenix: --log-level takes ${LOG_LEVELS.join(', ')}, not "${level}".\n`);
    return EXIT.failure;
  }
  const lockTimeout = lockTimeoutMs(options, io);
  if (lockTimeout === null) return EXIT.failure;
  const dir = environmentsDir(options, io);
  let repository: GitRepository | null = null;
  if (options.git === true) {
    try {
      repository = new GitRepository(dir);
      repository.head(options.branch ?? 'HEAD');
    } catch (error) {
      io.stderr(`phoenix: ${(error as Error).message}\n`);
      return EXIT.failure;
    }
  }
  const stateDir = resolveStateDir(options.stateDir, io.env);
  const redactor = new SecretRedactor();
  // Fix: the logger wrote to process.stdout, around the io every command writes through, so
  // an in-process run (tests, embedding) could neither capture nor silence the logs.
  const destination = Object.assign(
    new Writable({
      write: (chunk: Buffer | string, _encoding, callback) => {
        io.stdout(String(chunk));
        callback();
      },
    }),
    { isTTY: io.interactive },
  );
  const { logger, close: closeLogger } = createLogger({
    redactor,
    destination,
    level: level as LogLevel,
    format,
    ...(options.logFile === undefined ? {} : { file: { path: options.logFile } }),
  });
  const podman = connectPodman(options, io);
  const bus = new EventBus(
    (error) => logger.warn({ err: error }, 'an event sink failed'),
    (event) => redactor.redactDeep(event),
  );
  // Text: the decisions, one line each, made from the events (the JSON log has every event as it is).
  if (format === 'text') bus.subscribe({}, decisionPrinter(names, level as LogLevel, (text) => io.stdout(`${redactor.redact(text)}\n`), useColour(io)));
  // Every security event of the bus goes to the audit log of the state directory too.
  const audit = AuditLog.open(stateDir);
  const unsubscribeAudit = bus.subscribe({}, (event) => audit.record(event));
  const closeAudit = async (): Promise<void> => {
    unsubscribeAudit();
    await audit.close();
  };
  // The controller asks for the locks; the locks hand requests back to the controller.
  let controllerRef: WatchController | null = null;
  const locks = new WatchLocks({
    stateDir,
    timeoutMs: lockTimeout,
    logger,
    reconcile: (environment, reason) => controllerRef?.reconcileNow(environment, reason) ?? Promise.resolve(null),
    // The telemetry server listens before the first reconcile takes a lock; a wildcard address is reached on loopback.
    telemetryUrl: () => (controllerRef?.address === null || controllerRef === null ? null : telemetryBase(controllerRef.address.address, controllerRef.address.port)),
  });
  // The /api/* token: in memory and in a file only this user can read, never in a URL unless asked for.
  const apiToken = newWatchToken();
  const source = (): ManifestSource => (repository === null ? { kind: 'disk' } : { kind: 'git', repository, branch: options.branch ?? 'HEAD' });
  const controller = new WatchController({
    environments: names,
    load: {
      environmentsDir: dir,
      processEnv: io.env,
      cwd: io.cwd,
      homeDir: io.env.HOME ?? os.homedir(),
      digester: new SecretDigester(loadOrCreateDigestKey(stateDir)),
      requireSecretValues: true,
      profiles: options.profile ?? [],
      contextReader: nodeContextReader,
    },
    disk: nodeReader,
    imagePulls: {
      read: () => readPullTimes(stateDir),
      record: (image) => {
        try {
          recordPullTime(stateDir, image, Date.now());
        } catch (error) {
          logger.warn({ err: error, image }, 'could not record an image pull in the state directory');
        }
      },
    },
    stoppedServices: (project, environment) => readStoppedServices(stateDir, project, environment),
    source,
    gitPollMs,
    podman: podman.client,
    inspector: podman.inspector,
    stats: new PodmanStats({ env: io.env, stateDir }),
    bus,
    metrics: new Metrics({ environments: names }),
    redactor,
    logger,
    readSecret: secretReader(io),
    ...(listen === undefined ? {} : { listen }),
    ...(options.eventsFile === undefined ? {} : { eventsFile: options.eventsFile }),
    ...(options.webhook === undefined ? {} : { webhooks: options.webhook }),
    claim: (environment, project, signal) => locks.claim(environment, project, signal),
    history: (environment, project) => new RevisionHistory(stateDir, project, environment),
    secretKey: { stateDir, rekey: options.rekey === true },
    apiToken,
    forgetStopped: (project, environment, services) => {
      try {
        forgetStoppedServices(stateDir, project, environment, services);
      } catch (error) {
        logger.warn({ err: error, environment }, 'could not forget the stop marks of restarted services in the state directory');
      }
    },
  });
  controllerRef = controller;
  let tokenFile: string | null = null;
  const removeToken = (): void => {
    if (tokenFile !== null && controller.address !== null) removeWatchToken(stateDir, controller.address.port, apiToken);
  };
  try {
    await controller.start();
    tokenFile = writeWatchToken(stateDir, controller.address!.port, apiToken);
    io.stderr(`phoenix: watching ${names.join(', ')}${repository === null ? '' : ` (git ${options.branch ?? 'HEAD'} every ${options.gitPoll ?? '30s'})`}; telemetry on ${controller.url ?? '?'} (/metrics /healthz /readyz /status /events). Ctrl-C stops (containers keep running).\n`);
    io.stderr(`phoenix: status page on ${controller.url ?? '?'}/; the token for its restart buttons and logs (and /api/*, as Authorization: Bearer) is in ${tokenFile}\n`);
    if (options.printPageUrl === true) io.stderr(`phoenix: open ${controller.url ?? '?'}/#token=${apiToken}\n`);
    await new Promise<void>((resolve) => {
      if (io.signal === undefined) return;
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } catch (error) {
    io.stderr(`phoenix: ${(error as Error).message}\n`);
    locks.stop();
    await controller.stop();
    removeToken();
    await locks.releaseAll();
    await closeAudit();
    await closeLogger();
    return EXIT.failure;
  }
  logger.info('stopping: no new work; the containers keep running');
  locks.stop();
  await controller.stop();
  removeToken();
  await locks.releaseAll();
  await closeAudit();
  await closeLogger();
  return EXIT.ok;
}

/** What `--log-level` takes (pino's levels). */
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

/** `--log-format`: text (the default) or json; `auto` and `pretty`, its values before text existed, mean text. */
function parseLogFormat(value: string | undefined): LogFormat | null {
  if (value === undefined || value === 'text' || value === 'auto' || value === 'pretty') return 'text';
  return value === 'json' ? 'json' : null;
}

const RANK: Readonly<Record<LineLevel | LogLevel, number>> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5, silent: 6 };
const PAINT: Readonly<Record<LineLevel, string>> = { debug: '\u001b[2m', info: '', warn: '\u001b[33m', error: '\u001b[31m' };

/** A bus subscriber that prints each decision line at or above `level`, coloured on a terminal. */
function decisionPrinter(environments: readonly string[], level: LogLevel, write: (line: string) => void, colour: boolean): (event: PhoenixEvent) => void {
  const lines = new WatchLines(environments);
  return (event) => {
    for (const line of lines.handle(event)) {
      if (RANK[line.level] < RANK[level]) continue;
      write(colour && PAINT[line.level] !== '' ? `${PAINT[line.level]}${line.text}\u001b[0m` : line.text);
    }
  };
}
