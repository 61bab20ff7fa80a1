/**
 * Runs one podman process through execa: never a shell, standard input only for secret
 * values, a deadline and a cancel signal on every call, and every failure classified.
 */
import { constants as osConstants } from 'node:os';
import { createInterface } from 'node:readline';
import type { execa as Execa } from 'execa';
import type { PodmanError } from './podman-error.js';
import { classifyPodmanFailure } from './podman-error.js';
import { withFifoStdin } from './fifo-stdin.js';
import { chooseContainersConf } from './containers-conf.js';
import { childEnvironment } from './child-environment.js';

/**
 * The environment to run podman with: what podman needs of `processEnv` (child-environment.ts:
 * never a secret-carrying variable), plus CONTAINERS_CONF pointing at the host's
 * containers.conf fix (containers-conf.ts: the user's config folder, /etc/phoenix, or the state
 * directory of older releases) when one exists and the caller set none of their own.
 */
export function podmanEnvironment(stateDir: string, processEnv: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env = childEnvironment(processEnv);
  // Chosen with Phoenix's whole environment: PHOENIX_CONFIG_DIR says where the fix is, and is no podman variable.
  const conf = chooseContainersConf(stateDir, processEnv);
  if (conf !== null) env.CONTAINERS_CONF = conf.path;
  return env;
}

export interface RunOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** Written to podman's standard input, a named pipe (secret values); stdin is /dev/null otherwise. */
  readonly input?: Uint8Array;
}

/**
 * Where an attached podman's standard streams go: the process's own (inherited: a terminal
 * stays a terminal, bytes pass untouched), or to callbacks with no input (tests, captures).
 */
export type AttachedStdio =
  | { readonly kind: 'terminal' }
  | { readonly kind: 'capture'; readonly onStdout: (chunk: Uint8Array) => void; readonly onStderr: (chunk: Uint8Array) => void };

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

export interface PodmanRunnerOptions {
  readonly binary: string;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

/**
 * execa and its dependencies take ~100 ms to load: loaded on the first podman process, so that
 * a run that needs none (an unchanged apply observing through the REST API) never pays it.
 */
let execaModule: Promise<typeof Execa> | null = null;
function loadExeca(): Promise<typeof Execa> {
  execaModule ??= import('execa').then((module) => module.execa);
  return execaModule;
}

/** Executes podman; a non-zero exit becomes a PodmanError. */
export class PodmanRunner {
  constructor(private readonly options: PodmanRunnerOptions) {}

  /** Runs `podman ...args` and returns its output, or throws a classified PodmanError. */
  async run(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const failure = await this.exec(args, options);
    if ('error' in failure) throw failure.error;
    if (failure.exitCode !== 0) throw classifyPodmanFailure({ args, exitCode: failure.exitCode, stderr: failure.stderr });
    return failure;
  }

  /**
   * Runs podman and returns the exit code instead of throwing on a non-zero one, for the
   * commands whose exit code is an answer (`podman healthcheck run`). Still throws when the
   * process could not run, timed out or was cancelled.
   */
  async exec(args: readonly string[], options: RunOptions = {}): Promise<(RunResult & { readonly exitCode: number }) | { readonly error: PodmanError }> {
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    if (options.signal?.aborted === true) return { error: classifyPodmanFailure({ args, exitCode: null, stderr: '', aborted: true }) };
    const execa = await loadExeca();
    const spawn = (stdin: 'ignore' | number) =>
      execa(this.options.binary, [...args], {
        env: this.options.env,
        // Only the given environment: not Phoenix's own (secrets from variables live there).
        extendEnv: false,
        reject: false,
        shell: false,
        // execa hands any fd number to child_process; its types list only 0 and 3-9.
        stdin: stdin as 'ignore',
        timeout: timeoutMs,
        cancelSignal: options.signal,
        forceKillAfterDelay: 2000,
        stripFinalNewline: true,
        // A process group of its own: Ctrl-C in a terminal signals the whole foreground group,
        // and a podman killed by that SIGINT reported PODMAN-FAILED ("killed by SIGINT") before
        // Phoenix's own handler could cancel it (PODMAN-ABORTED). Phoenix stops its podman
        // calls itself, through cancelSignal.
        detached: true,
      });
    const result = options.input === undefined ? await spawn('ignore') : await withFifoStdin(options.input, spawn);
    const stderr = typeof result.stderr === 'string' ? result.stderr.trim() : '';
    const stdout = typeof result.stdout === 'string' ? result.stdout : '';
    if (result.isCanceled) return { error: classifyPodmanFailure({ args, exitCode: null, stderr, aborted: true }) };
    if (result.timedOut) return { error: classifyPodmanFailure({ args, exitCode: null, stderr, timedOut: true, timeoutMs }) };
    if (result.exitCode === undefined && result.signal !== undefined) {
      return { error: classifyPodmanFailure({ args, exitCode: null, stderr: stderr === '' ? `podman was killed by ${result.signal}` : stderr }) };
    }
    if (result.exitCode === undefined) {
      const cause: unknown = result.cause;
      const spawnError = cause instanceof Error ? { code: (cause as NodeJS.ErrnoException).code, message: cause.message } : { code: result.code, message: result.shortMessage ?? 'unknown error' };
      return { error: classifyPodmanFailure({ args, exitCode: null, stderr, spawnError }) };
    }
    return { stdout, stderr, exitCode: result.exitCode };
  }

  /**
   * Runs a podman whose standard streams belong to a person or a script (`exec`, `run`): the
   * process's own (a terminal, a pipe), or captured chunk by chunk. No deadline: a job runs as
   * long as it runs; `signal` stops it. Resolves with podman's exit code (the command's own,
   * or 125-127 when podman could not run it; 128 + the signal's number when it was killed);
   * throws a PodmanError only when podman itself could not be started.
   */
  async attach(args: readonly string[], stdio: AttachedStdio, signal?: AbortSignal): Promise<number> {
    const execa = await loadExeca();
    const terminal = stdio.kind === 'terminal';
    const subprocess = execa(this.options.binary, [...args], {
      env: this.options.env,
      extendEnv: false,
      reject: false,
      shell: false,
      stdin: terminal ? 'inherit' : 'ignore',
      stdout: terminal ? 'inherit' : 'pipe',
      stderr: terminal ? 'inherit' : 'pipe',
      buffer: false,
      encoding: 'buffer',
      cancelSignal: signal,
      forceKillAfterDelay: 2000,
    });
    if (stdio.kind === 'capture') {
      subprocess.stdout?.on('data', (chunk: Uint8Array) => stdio.onStdout(chunk));
      subprocess.stderr?.on('data', (chunk: Uint8Array) => stdio.onStderr(chunk));
    }
    const result = await subprocess;
    if (typeof result.exitCode === 'number') return result.exitCode;
    if (result.signal !== undefined) return 128 + (osConstants.signals[result.signal] ?? 15);
    const cause: unknown = result.cause;
    const spawnError = cause instanceof Error ? { code: (cause as NodeJS.ErrnoException).code, message: cause.message } : { message: result.shortMessage ?? 'unknown error' };
    throw classifyPodmanFailure({ args, exitCode: null, stderr: '', spawnError });
  }

  /**
   * Runs a long-lived podman (`logs --follow`, a build, a pull) and hands over each line of its
   * standard output and error as it comes. Resolves when podman exits or `signal` aborts;
   * throws a PodmanError when podman fails. With `idleTimeoutMs`, a podman that prints nothing
   * for that long without finishing is killed and reported as PODMAN-TIMEOUT (a hung podman
   * must not make `phoenix logs` wait for ever); without it only `signal` ends a silent one.
   */
  async stream(args: readonly string[], onLine: (stream: 'stdout' | 'stderr', text: string) => void, signal?: AbortSignal, options: { readonly idleTimeoutMs?: number } = {}): Promise<void> {
    if (signal?.aborted === true) return;
    const execa = await loadExeca();
    const subprocess = execa(this.options.binary, [...args], {
      env: this.options.env,
      extendEnv: false,
      reject: false,
      shell: false,
      stdin: 'ignore',
      buffer: false,
      cancelSignal: signal,
      forceKillAfterDelay: 2000,
    });
    const idleTimeoutMs = options.idleTimeoutMs;
    let idle = false;
    let idleTimer: NodeJS.Timeout | undefined;
    const armIdleTimer = (): void => {
      if (idleTimeoutMs === undefined) return;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        idle = true;
        subprocess.kill();
      }, idleTimeoutMs);
    };
    armIdleTimer();
    const errorLines: string[] = [];
    const pump = (stream: 'stdout' | 'stderr', readable: NodeJS.ReadableStream | null): Promise<void> => {
      if (readable === null) return Promise.resolve();
      const reader = createInterface({ input: readable, crlfDelay: Infinity });
      reader.on('line', (text) => {
        armIdleTimer();
        if (stream === 'stderr' && errorLines.length < 20) errorLines.push(text);
        onLine(stream, text);
      });
      return new Promise((resolve) => reader.once('close', () => resolve()));
    };
    let result: Awaited<typeof subprocess>;
    try {
      [result] = await Promise.all([subprocess, pump('stdout', subprocess.stdout), pump('stderr', subprocess.stderr)]);
    } finally {
      clearTimeout(idleTimer);
    }
    if (idle) throw classifyPodmanFailure({ args, exitCode: null, stderr: errorLines.join('\n'), timedOut: true, ...(idleTimeoutMs === undefined ? {} : { timeoutMs: idleTimeoutMs }) });
    if (result.isCanceled || result.exitCode === 0) return;
    if (result.exitCode === undefined && result.signal === undefined) {
      const cause: unknown = result.cause;
      const spawnError = cause instanceof Error ? { code: (cause as NodeJS.ErrnoException).code, message: cause.message } : { message: result.shortMessage ?? 'unknown error' };
      throw classifyPodmanFailure({ args, exitCode: null, stderr: '', spawnError });
    }
    throw classifyPodmanFailure({ args, exitCode: result.exitCode ?? null, stderr: errorLines.join('\n') });
  }
}
