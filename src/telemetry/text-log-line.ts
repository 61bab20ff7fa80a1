/**
 * The text form of one pino JSON log line, for people: `2026-12-04 21:14:03 dev  warning:
 * podman events stream dropped; restarting it: <error> (retryInMs=1000)`. Lines that carry an
 * event are left out: watch prints events as decision lines of their own (src/cli/watch-lines.ts).
 * The line it reads is already redacted.
 */

const LEVEL_WORD: Readonly<Record<number, string>> = { 10: 'trace: ', 20: 'debug: ', 30: '', 40: 'warning: ', 50: 'error: ', 60: 'fatal: ' };

/** Fields every line has, or that the line shows in its own place. */
const SHOWN_ELSEWHERE = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'err', 'error', 'environment']);

/** `2026-12-04 21:14:03`, local time (what a person's clock says), from an ISO time or epoch ms. */
export function formatTimestamp(value: unknown): string {
  const d = typeof value === 'string' || typeof value === 'number' ? new Date(value) : new Date();
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

function errorText(value: unknown): string {
  if (value === null || typeof value !== 'object') return '';
  const e = value as { message?: unknown; code?: unknown };
  const message = typeof e.message === 'string' ? e.message.replace(/\s+/g, ' ').trim() : '';
  return `${typeof e.code === 'string' ? `${e.code} ` : ''}${message}`;
}

/**
 * The line as text with its newline; null for a line that is not shown in text: an event's
 * (watch prints it as a decision line), or one the startup header already says (`url`).
 */
export function formatLogLine(json: string): string | null {
  let line: Record<string, unknown>;
  try {
    line = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  if ('event' in line || 'url' in line) return null;
  const level = typeof line.level === 'number' ? line.level : 30;
  const environment = typeof line.environment === 'string' ? `${line.environment}  ` : '';
  const error = errorText(line.err ?? line.error);
  const extras = Object.entries(line)
    .filter(([key, value]) => !SHOWN_ELSEWHERE.has(key) && value !== undefined && value !== null && typeof value !== 'object')
    .map(([key, value]) => `${key}=${String(value)}`);
  const message = typeof line.msg === 'string' ? line.msg : '';
  return `${formatTimestamp(line.time)} ${environment}${LEVEL_WORD[level] ?? ''}${message}${error === '' ? '' : `: ${error}`}${extras.length === 0 ? '' : ` (${extras.join(', ')})`}\n`;
}
