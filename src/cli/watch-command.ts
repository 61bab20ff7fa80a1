import os from 'node:os';
import { Writable } from 'node:stream';
import { EventBus } from '../events/event-bus.js';
import { WatchController } from '../controller/watch-controller.js';
import type { ManifestSource } from '../controller/environment-runtime.js';
import { GitRepository } from '../git/git-repository.js';
import { nodeReader } from '../manifest/node-reader.js';
import { parseDurationMs } from '../manifest/units.js';
import { SecretDigester } from '../model/hash.js';
import { PodmanStats } from '../podman/podman-stats.js';
import { loadOrCreateDigestKey, resolveStateDir } from '../state/digest-key.js';
import { readPullTimes, recordPullTime } from '../state/pull-record.js';
import { nodeContextReader } from '../manifest/context-reader.js';
import { createLogger } from '../telemetry/logger.js';
import { Metrics } from '../telemetry/metrics.js';
import { SecretRedactor } from '../telemetry/secret-redactor.js';
import type { EnvironmentOptions } from './environment-loading.js';
import { environmentsDir } from './environment-loading.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { connectPodman, secretReader } from './podman-wiring.js';
import { lockTimeoutMs } from './lock-flags.js';
import type { LockFlags } from './lock-flags.js';
import { WatchLocks } from './watch-locks.js';
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
  const format = options.logFormat ?? 'auto';
  if (!['auto', 'json', 'pretty'].includes(format)) {
    io.stderr('phoenix: --log-format takes auto, json or pretty.\n');
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
    level: (options.logLevel ?? 'info') as 'info',
    format: format as 'auto',
    env: io.env,
    ...(options.logFile === undefined ? {} : { file: { path: options.logFile } }),
  });
  const podman = connectPodman(options, io);
  const bus = new EventBus((error) => logger.warn({ err: error }, 'an event sink failed'));
  // The controller asks for the locks; the locks hand requests back to the controller.
  let controllerRef: WatchController | null = null;
  const locks = new WatchLocks({ stateDir, timeoutMs: lockTimeout, logger, reconcile: (environment, reason) => controllerRef?.reconcileNow(environment, reason) ?? Promise.resolve(null) });
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
  });
  controllerRef = controller;
  try {
    await controller.start();
    io.stderr(`phoenix: watching ${names.join(', ')}${repository === null ? '' : ` (git ${options.branch ?? 'HEAD'} every ${options.gitPoll ?? '30s'})`}; telemetry on ${controller.url ?? '?'}. Ctrl-C stops (containers keep running).\n`);
    await new Promise<void>((resolve) => {
      if (io.signal === undefined) return;
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } catch (error) {
    io.stderr(`phoenix: ${(error as Error).message}\n`);
    locks.stop();
    await controller.stop();
    await locks.releaseAll();
    await closeLogger();
    return EXIT.failure;
  }
  logger.info('stopping: no new work; the containers keep running');
  locks.stop();
  await controller.stop();
  await locks.releaseAll();
  await closeLogger();
  return EXIT.ok;
}
