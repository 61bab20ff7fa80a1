/**
 * The last lines of a service's containers for `GET /api/logs`: read through the Podman
 * module's logs call (`podman logs --tail N --timestamps`, one per container), merged by time,
 * redacted with the environment's secret values, and bounded (lines cut at 2,000 characters,
 * the whole at 1 MiB) so that a container printing megabytes cannot make watch hold them.
 */
import type { LogLine, PodmanInspector } from '../podman/podman-client.js';
import type { LogTailLine } from '../telemetry/status-document.js';

/** Characters of one line kept; the rest is cut (ending in …). */
export const MAX_LOG_LINE_CHARS = 2000;
/** Characters of all lines kept; the oldest go first. */
export const MAX_LOG_TAIL_CHARS = 1024 * 1024;

/** The merged tail and whether anything was cut or left out. */
export interface LogTail {
  readonly lines: readonly LogTailLine[];
  readonly truncated: boolean;
}

/**
 * The newest `tail` lines over `containers` (each read with --tail `tail`), oldest first.
 * Throws the Podman module's error when a read fails (a container removed meanwhile).
 */
export async function readLogTail(logs: Pick<PodmanInspector, 'streamLogs'>, containers: readonly string[], tail: number, redact: (text: string) => string, signal: AbortSignal): Promise<LogTail> {
  let truncated = false;
  const lines: LogLine[] = [];
  await logs.streamLogs(
    containers,
    { follow: false, tail },
    (line) => {
      // Cut as it comes: a single runaway line must not be held whole.
      if (line.text.length > MAX_LOG_LINE_CHARS) {
        truncated = true;
        lines.push({ ...line, text: `${line.text.slice(0, MAX_LOG_LINE_CHARS - 1)}…` });
      } else lines.push(line);
    },
    signal,
  );
  // RFC 3339 times of one clock sort as text once their fractions have the same width (Podman prints nanoseconds).
  const ordered = lines.map((line, index) => ({ line, index })).sort((a, b) => (a.line.time < b.line.time ? -1 : a.line.time > b.line.time ? 1 : a.index - b.index));
  const newest = ordered.slice(-tail).map(({ line }) => ({ container: line.container, stream: line.stream, time: line.time, text: redact(line.text) }));
  let size = newest.reduce((sum, line) => sum + line.text.length, 0);
  let first = 0;
  while (size > MAX_LOG_TAIL_CHARS && first < newest.length) size -= newest[first++]!.text.length;
  return { lines: newest.slice(first), truncated: truncated || first > 0 };
}
