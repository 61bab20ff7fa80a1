/**
 * Runs a command for each event it is handed: the automated response to an alert (restart a
 * dependency, page someone, open a ticket), replacing hand-written agent hooks that poll.
 *
 * The event goes to the command as one CloudEvent JSON document on its standard input. The
 * command runs without a shell, with a minimal environment (Phoenix's own may hold secrets),
 * under a timeout after which its whole process group is killed, and at most `maxConcurrent`
 * at a time; events beyond that wait in a bounded queue, and are dropped and counted when it
 * is full, so that a slow hook never blocks the controller or grows its memory. Each run's
 * outcome (exit code or signal, duration) is reported; its output is not kept, since the
 * command may print what the event named.
 */
import { spawn } from 'node:child_process';
import type { PhoenixEvent } from '../event-types.js';

/** How one run of the command ended. */
export interface CommandOutcome {
  readonly eventId: string;
  readonly eventType: string;
  /** The command's exit code; null when it was killed, timed out or could not start. */
  readonly exitCode: number | null;
  /** The signal that ended it (SIGKILL after a timeout); null otherwise. */
  readonly signal: string | null;
  readonly timedOut: boolean;
  /** Why it could not be started (e.g. ENOENT); null when it started. */
  readonly spawnError: string | null;
  readonly durationMs: number;
}

/** Why an event did not reach the command. */
export type CommandDropReason = 'queue-full' | 'closed';

/** Options of the command sink. */
export interface CommandSinkOptions {
  /** The program and its arguments; no shell (write `["sh", "-c", "..."]` to want one). */
  readonly argv: readonly [string, ...string[]];
  /** Time one run may take before its process group is killed (default 30 s). */
  readonly timeoutMs?: number;
  /** Runs at the same time at most (default 2). */
  readonly maxConcurrent?: number;
  /** Events waiting for a free slot at most (default 100). */
  readonly maxQueue?: number;
  /** The working directory of the command (default: Phoenix's). */
  readonly cwd?: string;
  /** The variables of Phoenix's environment the command gets (default PATH, HOME, LANG, TZ). */
  readonly passEnv?: readonly string[];
  /** Told of each finished run. */
  readonly onOutcome?: (outcome: CommandOutcome) => void;
  /** Told of each dropped event. */
  readonly onDrop?: (event: PhoenixEvent, reason: CommandDropReason) => void;
  /** The clock for durations (ms); default performance.now. */
  readonly now?: () => number;
}

/** The variables a command gets from Phoenix's environment unless told otherwise: enough to find programs, nothing secret. */
export const DEFAULT_PASS_ENV: readonly string[] = ['PATH', 'HOME', 'LANG', 'TZ'];

/** Runs a command per event. Subscribe `sink.handle` on the bus with the filter that selects the events. */
export class CommandSink {
  /** Events dropped so far. */
  dropped = 0;
  private readonly timeoutMs: number;
  private readonly maxConcurrent: number;
  private readonly maxQueue: number;
  private readonly queue: PhoenixEvent[] = [];
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  /** Validates the options; nothing runs until the first event. */
  constructor(private readonly options: CommandSinkOptions) {
    this.timeoutMs = positive('timeoutMs', options.timeoutMs ?? 30_000);
    this.maxConcurrent = positive('maxConcurrent', options.maxConcurrent ?? 2);
    this.maxQueue = positive('maxQueue', options.maxQueue ?? 100);
  }

  /** Runs in progress. */
  get active(): number {
    return this.running.size;
  }

  /** Events waiting for a free slot. */
  get queued(): number {
    return this.queue.length;
  }

  /** Runs the command for the event, or queues it, or drops it when the queue is full. Bound, for `bus.subscribe`. */
  readonly handle = (event: PhoenixEvent): void => {
    if (this.closed) return this.drop(event, 'closed');
    if (this.running.size < this.maxConcurrent) return this.start(event);
    if (this.queue.length >= this.maxQueue) return this.drop(event, 'queue-full');
    this.queue.push(event);
  };

  /** Stops taking events, drops the queued ones and waits for the runs in progress (each bounded by its timeout). */
  async close(): Promise<void> {
    this.closed = true;
    for (const event of this.queue.splice(0)) this.drop(event, 'closed');
    await Promise.allSettled([...this.running]);
  }

  private start(event: PhoenixEvent): void {
    const run = this.run(event).then((outcome) => this.options.onOutcome?.(outcome));
    this.running.add(run);
    void run.finally(() => {
      this.running.delete(run);
      const next = this.closed ? undefined : this.queue.shift();
      if (next !== undefined) this.start(next);
    });
  }

  private run(event: PhoenixEvent): Promise<CommandOutcome> {
    const now = this.options.now ?? (() => performance.now());
    const started = now();
    const [program, ...args] = this.options.argv;
    return new Promise((resolve) => {
      let timedOut = false;
      let spawnError: string | null = null;
      const child = spawn(program, args, {
        env: this.environmentFor(event),
        ...(this.options.cwd === undefined ? {} : { cwd: this.options.cwd }),
        stdio: ['pipe', 'ignore', 'ignore'],
        // Its own process group, so that a timeout kills what the command started too.
        detached: true,
      });
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child.pid);
      }, this.timeoutMs);
      let settled = false;
      const settle = (exitCode: number | null, signal: string | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ eventId: event.id, eventType: event.type, exitCode, signal, timedOut, spawnError, durationMs: Math.round(now() - started) });
      };
      // A command that cannot start (ENOENT, EACCES) may never emit 'close'.
      child.on('error', (error) => {
        spawnError = error.message;
        if (child.pid === undefined) settle(null, null);
      });
      // A command that does not read its input closes the pipe early: EPIPE is no failure of the sink.
      child.stdin.on('error', () => undefined);
      child.stdin.end(`${JSON.stringify(event)}\n`);
      child.on('close', (code, signal) => settle(code, signal));
    });
  }

  private environmentFor(event: PhoenixEvent): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const name of this.options.passEnv ?? DEFAULT_PASS_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
    return { ...env, PHOENIX_EVENT_ID: event.id, PHOENIX_EVENT_TYPE: event.type, PHOENIX_EVENT_SEVERITY: event.severity, PHOENIX_ENVIRONMENT: event.environment, ...(event.subject === undefined ? {} : { PHOENIX_SERVICE: event.subject }) };
  }

  private drop(event: PhoenixEvent, reason: CommandDropReason): void {
    this.dropped += 1;
    this.options.onDrop?.(event, reason);
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, not ${value}`);
  return value;
}
