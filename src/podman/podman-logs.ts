/**
 * `phoenix logs`: one `podman logs` process per container, all at once, their lines handed to
 * the caller tagged with the container they came from. Podman is asked for timestamps, which
 * frame every log line: a line without one is not a log line (a podman that prints something
 * else), and is an error rather than output passed off as the container's.
 */
import type { LogLine, LogOptions } from './podman-client.js';
import type { PodmanError } from './podman-error.js';
import { outputInvalid } from './podman-error.js';
import type { PodmanRunner } from './podman-runner.js';

/** The `podman logs` arguments for one container. */
export function logsArgs(name: string, options: LogOptions): string[] {
  const args = ['logs', '--timestamps'];
  if (options.follow) args.push('--follow');
  if (options.tail !== undefined) args.push('--tail', String(Math.max(0, Math.floor(options.tail))));
  if (options.since !== undefined) args.push('--since', options.since);
  args.push(name);
  return args;
}

/** `2026-12-04T18:51:16.192840532Z text`: the RFC 3339 time `--timestamps` puts before each line. */
const FRAMED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d) ?/;
/** Podman's own diagnostics on its standard error (logrus lines, its `Error:` line): not the container's. */
const PODMAN_DIAGNOSTIC = /^(?:time="|level=|Error: |WARN\[|ERRO\[)/;

/** A log line cut from its frame: when Podman logged it, and what the container wrote. */
export interface TimedText {
  readonly time: string;
  readonly text: string;
}

/**
 * One line of `podman logs --timestamps` as its time and the container's text; null for
 * Podman's own diagnostics on standard error (the runner reports them when podman fails); a
 * PodmanError for anything else.
 */
export function parseTimedLogLine(stream: 'stdout' | 'stderr', line: string): TimedText | PodmanError | null {
  const frame = FRAMED.exec(line);
  if (frame !== null) return { time: frame[0].trimEnd(), text: line.slice(frame[0].length) };
  if (stream === 'stderr' && PODMAN_DIAGNOSTIC.test(line)) return null;
  return outputInvalid('podman logs', 'a line that is not a timestamped log line', line);
}

/** One line of `podman logs --timestamps` as the container's text alone (see parseTimedLogLine). */
export function parseLogLine(stream: 'stdout' | 'stderr', line: string): string | PodmanError | null {
  const parsed = parseTimedLogLine(stream, line);
  return parsed === null || parsed instanceof Error ? parsed : parsed.text;
}

export interface StreamLogsOptions {
  /**
   * Without --follow, a podman logs that prints nothing for this long and does not finish is
   * hung: it is killed and reported as PODMAN-TIMEOUT.
   */
  readonly idleTimeoutMs: number;
}

/**
 * Streams every container's logs until all end or `signal` aborts. When one stream fails
 * (a container that does not exist, output that is not a log line, a podman that hangs), the
 * others are stopped and the error is thrown.
 */
export async function streamContainerLogs(
  runner: PodmanRunner,
  names: readonly string[],
  options: LogOptions,
  onLine: (line: LogLine) => void,
  signal: AbortSignal | undefined,
  streamOptions: StreamLogsOptions,
): Promise<void> {
  const stopAll = new AbortController();
  const onAbort = (): void => stopAll.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted === true) onAbort();
  let invalid: PodmanError | null = null;
  try {
    await Promise.all(
      names.map(async (container) => {
        try {
          await runner.stream(
            logsArgs(container, options),
            (stream, raw) => {
              if (invalid !== null) return;
              const parsed = parseTimedLogLine(stream, raw);
              if (parsed === null) return;
              if (parsed instanceof Error) {
                invalid = parsed;
                stopAll.abort(parsed);
                return;
              }
              onLine({ container, stream, time: parsed.time, text: parsed.text });
            },
            stopAll.signal,
            // A follow is silent for as long as the container is: only a plain read has an idle deadline.
            options.follow ? {} : { idleTimeoutMs: streamOptions.idleTimeoutMs },
          );
        } catch (error) {
          stopAll.abort(error);
          throw error;
        }
      }),
    );
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (invalid !== null) throw invalid;
}
