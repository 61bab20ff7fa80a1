/**
 * One actor per environment: the lock every Phoenix process that changes an environment's
 * Podman objects holds while it acts (apply, down, restart, build, pull, and watch for as long
 * as it runs). Two actors at once corrupted Podman (issue 10: failed runs, containers that
 * never started again, a name that stayed "in use" for good).
 *
 * The lock is a listening Unix socket. On Linux its name is in the abstract namespace
 * (`\0phoenix-lock-<hash of the state directory, project and environment>`): binding is atomic
 * (EADDRINUSE means held) and the kernel frees the name the moment the holder dies, kill -9
 * included, so there is no stale file to clean up. Elsewhere it is a socket file in
 * `<state dir>/locks/`; a file nobody answers on is stale and is removed (best effort: two
 * processes that find the same stale file at once may both take it). The holder answers on the
 * socket who it is, so a waiting process can name it, and `phoenix watch` also takes requests
 * to reconcile (see lock-protocol.ts).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, realpathSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { LockHolder, RemoteReconcileOutcome } from './lock-protocol.js';
import { holderOf, readMessages, writeMessage } from './lock-protocol.js';

/** The code of a lock still held when the wait ran out; docs/errors.md. */
export const LOCKED_CODE = 'PHX-LOCKED';

/** Refused: another process held the environment's lock for longer than this one would wait. */
export class EnvironmentLockedError extends Error {
  readonly code = LOCKED_CODE;
  readonly remediation: string;

  constructor(
    readonly project: string,
    readonly environment: string,
    readonly holder: LockHolder | null,
    waitedMs: number,
  ) {
    super(`${project}/${environment} is locked by ${describeHolder(holder)}; gave up after waiting ${Math.round(waitedMs / 100) / 10} s`);
    this.remediation =
      holder?.command === 'watch'
        ? `phoenix watch (pid ${holder.pid}) keeps this environment converged: stop it first, or let it do the work (an apply hands its request to it).`
        : 'Wait for it to finish and run the command again, or give it longer with --lock-timeout. A holder that was killed releases the lock at once.';
  }
}

/** "pid 123 (phoenix apply, since 2026-…)", or what is known when the holder did not answer. */
export function describeHolder(holder: LockHolder | null): string {
  return holder === null ? 'another Phoenix process (it did not say which)' : `pid ${holder.pid} (phoenix ${holder.command}, since ${holder.since})`;
}

/** Where the lock of (state directory, project, environment) lives. */
export function lockAddress(stateDir: string, project: string, environment: string, platform: NodeJS.Platform = process.platform): string {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  // The real path, so that two spellings of one state directory are one lock.
  const key = createHash('sha256').update(`${realpathSync(stateDir)}\0${project}\0${environment}`).digest('hex').slice(0, 40);
  if (platform === 'linux') return `\0phoenix-lock-${key}`;
  const dir = path.join(stateDir, 'locks');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return path.join(dir, `${key.slice(0, 24)}.sock`);
}

/** What a process taking a lock says about itself, and how it handles requests to reconcile. */
export interface LockRequestOptions {
  readonly stateDir: string;
  readonly project: string;
  readonly environment: string;
  /** The Phoenix command taking the lock, for the holder's description. */
  readonly command: string;
  /** Longest wait for a held lock before giving up with {@link EnvironmentLockedError}; 0 tries once. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Told each time the lock turns out held by a new holder (first wait included). */
  readonly onWait?: (holder: LockHolder | null) => void;
  /**
   * Stop waiting and return this holder instead (an apply that hands its request to a
   * watching process). Asked each time the holder is (re)named.
   */
  readonly yieldTo?: (holder: LockHolder) => boolean;
  /** Reconciles on a waiter's request (watch); without it such requests are refused. */
  readonly onReconcileRequest?: (from: { pid: number; command: string }) => Promise<RemoteReconcileOutcome>;
  /** Where this process serves its telemetry and status page (watch), told to whoever asks who holds the lock. */
  readonly telemetryUrl?: string;
  /** Clock for the deadline; injectable for tests. */
  readonly now?: () => number;
}

/** The outcome of a wait: the lock, or the holder this process yields to. */
export type LockAcquisition = { readonly kind: 'acquired'; readonly lock: EnvironmentLock } | { readonly kind: 'yielded'; readonly holder: LockHolder; readonly address: string };

/** A held lock; release it when done (dying releases it too). */
export class EnvironmentLock {
  private readonly sockets = new Set<net.Socket>();
  private released = false;

  constructor(
    private readonly server: net.Server,
    /** Who holds it: this process. */
    readonly holder: LockHolder,
    private readonly onReconcileRequest: LockRequestOptions['onReconcileRequest'],
  ) {
    // The lock must not keep a finished command alive; the holder releases it explicitly.
    server.unref();
    server.on('connection', (socket) => this.serve(socket));
  }

  /** Releases the lock and ends every connection to it, so the waiters try again at once. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private serve(socket: net.Socket): void {
    socket.unref();
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    readMessages(socket, (message) => {
      const m = message as { type?: unknown; pid?: unknown; command?: unknown } | null;
      if (m?.type === 'who') writeMessage(socket, { type: 'holder', holder: this.holder });
      else if (m?.type === 'reconcile') void this.reconcileFor(socket, { pid: Number(m.pid), command: String(m.command) });
      else socket.destroy();
    });
  }

  private async reconcileFor(socket: net.Socket, from: { pid: number; command: string }): Promise<void> {
    if (this.onReconcileRequest === undefined) {
      writeMessage(socket, { type: 'refused', holder: this.holder, reason: `phoenix ${this.holder.command} does not take requests` });
      return;
    }
    writeMessage(socket, { type: 'accepted', holder: this.holder });
    try {
      writeMessage(socket, { type: 'outcome', outcome: await this.onReconcileRequest(from) });
    } catch {
      // The watcher stopped before reconciling: ending the connection tells the requester to try the lock again.
      socket.destroy();
    }
  }
}

/**
 * Takes the environment's lock, waiting while another process holds it (naming it through
 * `onWait`) for at most `timeoutMs`. Resolves as soon as the holder releases it or dies.
 */
export async function acquireEnvironmentLock(options: LockRequestOptions): Promise<LockAcquisition> {
  const now = options.now ?? Date.now;
  const started = now();
  const address = lockAddress(options.stateDir, options.project, options.environment);
  let named: LockHolder | null | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    const since = new Date().toISOString();
    const holder: LockHolder = {
      pid: process.pid,
      command: options.command,
      since,
      project: options.project,
      environment: options.environment,
      reconcilesOnRequest: options.onReconcileRequest !== undefined,
      ...(options.telemetryUrl === undefined ? {} : { telemetryUrl: options.telemetryUrl }),
    };
    const server = await listenExclusively(address);
    if (server !== null) return { kind: 'acquired', lock: new EnvironmentLock(server, holder, options.onReconcileRequest) };
    const remaining = options.timeoutMs - (now() - started);
    const watch = await watchHolder(address);
    if (watch.kind === 'stale') {
      // Only for socket files: nobody listens on it, its holder died.
      removeStaleSocket(address);
      continue;
    }
    if (watch.kind === 'gone') {
      // Released between the bind and the connect: try again (a name bound by something that
      // does not listen also lands here, so the deadline still counts).
      if (remaining <= 0) throw new EnvironmentLockedError(options.project, options.environment, named ?? null, now() - started);
      await pause(50, options.signal);
      continue;
    }
    if (named === undefined || !sameHolder(named, watch.holder)) {
      named = watch.holder;
      if (watch.holder !== null && options.yieldTo?.(watch.holder) === true) {
        watch.close();
        return { kind: 'yielded', holder: watch.holder, address };
      }
      options.onWait?.(watch.holder);
    }
    if (remaining <= 0) {
      watch.close();
      throw new EnvironmentLockedError(options.project, options.environment, watch.holder, now() - started);
    }
    await watch.closedOr(Math.min(remaining, 1000), options.signal);
  }
}

/**
 * Who holds the environment's lock now, without waiting for it: null when nobody does (or the
 * holder did not say within 2 s). What `phoenix status` asks to point at a running watch.
 */
export async function currentLockHolder(stateDir: string, project: string, environment: string): Promise<LockHolder | null> {
  const watch = await watchHolder(lockAddress(stateDir, project, environment));
  if (watch.kind !== 'held') return null;
  watch.close();
  return watch.holder;
}

/** Listens on the address; null when someone else does. */
function listenExclusively(address: string): Promise<net.Server | null> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(null);
      else reject(error);
    });
    server.listen(address, () => resolve(server));
  });
}

type HolderWatch =
  | { readonly kind: 'gone' }
  | { readonly kind: 'stale' }
  | {
      readonly kind: 'held';
      readonly holder: LockHolder | null;
      /** Waits until the holder's connection closes (it released the lock or died), `ms` pass, or `signal` aborts. */
      readonly closedOr: (ms: number, signal?: AbortSignal) => Promise<void>;
      readonly close: () => void;
    };

/** How long a holder has to say who it is; a busy Node process answers in milliseconds. */
const WHO_TIMEOUT_MS = 2000;

/**
 * Connects to the holder and asks who it is. The connection stays open: the holder ends it
 * when it releases the lock, and the kernel when it dies, which wakes the waiter at once.
 */
function watchHolder(address: string): Promise<HolderWatch> {
  return new Promise((resolve) => {
    const socket = net.connect(address);
    let closed = false;
    const closeWaiters: (() => void)[] = [];
    let answered = false;
    const answer = (holder: LockHolder | null): void => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      resolve({
        kind: 'held',
        holder,
        close: () => socket.destroy(),
        closedOr: (ms, signal) =>
          new Promise<void>((done) => {
            if (closed || signal?.aborted === true) return done();
            const wake = (): void => {
              clearTimeout(wait);
              signal?.removeEventListener('abort', wake);
              done();
            };
            const wait = setTimeout(wake, ms);
            closeWaiters.push(wake);
            signal?.addEventListener('abort', wake, { once: true });
          }).finally(() => socket.destroy()),
      });
    };
    const timer = setTimeout(() => answer(null), WHO_TIMEOUT_MS);
    socket.on('connect', () => writeMessage(socket, { type: 'who' }));
    readMessages(socket, (message) => answer(holderOf(message)));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      // ECONNREFUSED on an abstract name, ENOENT on a file: released between the bind and now.
      resolve({ kind: error.code === 'ECONNREFUSED' && !address.startsWith('\0') ? 'stale' : 'gone' });
    });
    socket.on('close', () => {
      closed = true;
      for (const wake of closeWaiters.splice(0)) wake();
      if (!answered) {
        answered = true;
        clearTimeout(timer);
        resolve({ kind: 'gone' });
      }
    });
  });
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

function removeStaleSocket(address: string): void {
  try {
    unlinkSync(address);
  } catch {
    // Someone else removed it first.
  }
}

function sameHolder(a: LockHolder | null, b: LockHolder | null): boolean {
  return a === b || (a !== null && b !== null && a.pid === b.pid && a.since === b.since);
}
