import { resolveStateDir } from '../state/digest-key.js';
import { EnvironmentLockedError, acquireEnvironmentLock, describeHolder } from '../state/environment-lock.js';
import type { LockAcquisition } from '../state/environment-lock.js';
import { requestReconcile } from '../state/lock-client.js';
import type { LockHolder } from '../state/lock-protocol.js';
import type { EnvironmentOptions } from './environment-loading.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { DEFAULT_LOCK_TIMEOUT, lockTimeoutMs } from './lock-flags.js';
import type { LockFlags } from './lock-flags.js';

/** The environment a command acts on. */
export interface LockTarget {
  readonly project: string;
  readonly environment: string;
}

/** How a command takes the lock. */
export interface LockUse {
  /** The command's name, as holders are described. */
  readonly command: string;
  /**
   * When a watching process holds the lock, ask it to reconcile instead of waiting (apply
   * without flags watch cannot honour), and print how that went.
   */
  readonly handOff?: boolean;
  readonly json?: boolean;
}

/**
 * Runs `work` holding the environment's lock, and returns its exit code. While another
 * process holds the lock this waits (saying who holds it) up to --lock-timeout, then refuses
 * with PHX-LOCKED; with `handOff`, a holding `phoenix watch` does the work instead.
 */
export async function withEnvironmentLock(target: LockTarget, use: LockUse, options: EnvironmentOptions & LockFlags, io: CliIo, work: () => Promise<number>): Promise<number> {
  const timeoutMs = lockTimeoutMs(options, io);
  if (timeoutMs === null) return EXIT.failure;
  const name = `${target.project}/${target.environment}`;
  let handOff = use.handOff === true;
  for (;;) {
    let acquisition: LockAcquisition;
    try {
      acquisition = await acquireEnvironmentLock({
        stateDir: resolveStateDir(options.stateDir, io.env),
        ...target,
        command: use.command,
        timeoutMs,
        ...(io.signal === undefined ? {} : { signal: io.signal }),
        onWait: (holder) => io.stderr(`phoenix: ${name} is locked by ${describeHolder(holder)}; waiting up to ${options.lockTimeout ?? DEFAULT_LOCK_TIMEOUT} (--lock-timeout).\n`),
        ...(handOff ? { yieldTo: (holder: LockHolder) => holder.reconcilesOnRequest } : {}),
      });
    } catch (error) {
      if (error instanceof EnvironmentLockedError) {
        io.stderr(`error ${error.code}: ${error.message}; nothing was done.\n  ${error.remediation}\n`);
        return EXIT.failure;
      }
      if (io.signal?.aborted === true) {
        io.stderr(`phoenix: interrupted while waiting for the lock of ${name}; nothing was done.\n`);
        return EXIT.failure;
      }
      // The state directory cannot be made or read, or the socket cannot be bound (a path too long on a system without abstract sockets).
      io.stderr(`phoenix: cannot take the lock of ${name} in the state directory: ${(error as Error).message}; nothing was done.\n  Check that the state directory (--state-dir) is writable by this user.\n`);
      return EXIT.failure;
    }
    if (acquisition.kind === 'acquired') {
      try {
        return await work();
      } finally {
        await acquisition.lock.release();
      }
    }
    const handed = await handOver(target, acquisition.holder, acquisition.address, timeoutMs, use, io);
    if (typeof handed === 'number') return handed;
    // The watcher stopped before answering (the lock may be free now), or refused: wait for the lock.
    if (handed === 'refused') handOff = false;
  }
}

/** Asks the watching holder to reconcile and prints the outcome: the exit code, or what stopped the hand-over. */
async function handOver(target: LockTarget, holder: LockHolder, address: string, timeoutMs: number, use: LockUse, io: CliIo): Promise<number | 'gone' | 'refused'> {
  const name = `${target.project}/${target.environment}`;
  io.stderr(`phoenix: ${name} is kept by phoenix watch (pid ${holder.pid}, since ${holder.since}); asking it to reconcile now.\n`);
  const result = await requestReconcile(address, { pid: process.pid, command: use.command }, Math.max(timeoutMs, 1000), io.signal);
  switch (result.kind) {
    case 'gone':
      if (io.signal?.aborted === true) {
        io.stderr('phoenix: interrupted; the watching process may still reconcile.\n');
        return EXIT.failure;
      }
      io.stderr(`phoenix: phoenix watch (pid ${holder.pid}) stopped before answering; taking the lock instead.\n`);
      return 'gone';
    case 'refused':
      io.stderr(`phoenix: the holder refused the request (${result.reason}); waiting for the lock instead.\n`);
      return 'refused';
    case 'timeout':
      io.stderr(`error PHX-LOCKED: phoenix watch (pid ${holder.pid}) did not finish a reconcile of ${name} within the lock timeout.\n  Look at its logs (or GET /status on its telemetry address), or give it longer with --lock-timeout.\n`);
      return EXIT.failure;
    case 'outcome': {
      const { outcome } = result;
      if (use.json === true) {
        io.stdout(`${JSON.stringify({ project: target.project, environment: target.environment, handedOffTo: { pid: result.holder.pid, command: result.holder.command, since: result.holder.since }, outcome }, null, 2)}\n`);
      } else {
        const seconds = (outcome.durationMs / 1000).toFixed(1);
        const what = outcome.actions === 0 ? 'nothing to do' : `${outcome.actions} action${outcome.actions === 1 ? '' : 's'}${outcome.summary === null ? '' : ` (${outcome.summary})`}`;
        io.stdout(`Reconciled by phoenix watch (pid ${result.holder.pid}): ${what}, ${outcome.ok ? 'succeeded' : 'failed'} in ${seconds} s.\n`);
        if (outcome.error !== null) io.stderr(`error ${outcome.error.code}: ${outcome.error.message}\n  ${outcome.error.remediation}\n`);
      }
      return outcome.ok ? EXIT.ok : EXIT.failure;
    }
  }
}
