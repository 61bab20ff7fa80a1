/**
 * Durations and sizes as Compose writes them. Pure parsing: callers decide how to report a
 * null (which key, which hint).
 */

/** Milliseconds per unit of a Go-style duration, which is what Compose uses. */
const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign, accepted by Go
  μs: 1e-3, // U+03BC Greek mu, accepted by Go
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/** One `<number><unit>` component; Go accepts "1.5s", "1.s" and ".5s". */
const DURATION_COMPONENT = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * Parses a Compose duration (`"1h2m3.5s"`, `"500ms"`, `"10s"`, `"2us"`, `"3ns"`) or a number
 * of seconds into whole milliseconds; null when invalid.
 *
 * - Units are Go's (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`), case-sensitive, in any order, as
 *   `time.ParseDuration` accepts them. Signs are rejected: no Compose duration is negative.
 * - A number, or a string holding only a decimal number (`"10"`, `"0.5"`), means seconds: the
 *   environment file allows bare seconds, and an interpolated `${TIMEOUT}` arrives as a string.
 * - Sub-millisecond precision is rounded with Math.round (`"1500us"` → 2, `"400us"` → 0),
 *   since Podman takes nothing finer than milliseconds anyway.
 * - Negative, NaN, infinite and unsafe-integer results, and non-string/number input, → null.
 */
export function parseDurationMs(value: string | number): number | null {
  if (typeof value === 'number') return secondsToMs(value);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (text === '') return null;
  if (DECIMAL.test(text)) return secondsToMs(Number(text));
  let total = 0;
  let position = 0;
  while (position < text.length) {
    DURATION_COMPONENT.lastIndex = position;
    const match = DURATION_COMPONENT.exec(text);
    if (match === null) return null;
    total += Number(match[1]) * DURATION_UNITS_MS[match[2]!]!;
    position = DURATION_COMPONENT.lastIndex;
  }
  return checkedMs(total);
}

function secondsToMs(seconds: number): number | null {
  return Number.isFinite(seconds) && seconds >= 0 ? checkedMs(seconds * 1000) : null;
}

function checkedMs(ms: number): number | null {
  const rounded = Math.round(ms);
  return Number.isSafeInteger(rounded) && rounded >= 0 ? rounded : null;
}

/** Bytes per unit; Compose and Docker sizes are binary (1k = 1024). */
const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

/** A decimal number, an optional single space (as Docker allows), an optional unit. */
const SIZE = /^(\d+(?:\.\d+)?) ?([a-z]*)$/i;

/**
 * Parses a size (`"512M"`, `"1g"`, `"100kb"`, `"12"`, `1024`) into bytes; null when invalid.
 * Units `b`, `k`, `kb`, `m`, `mb`, `g`, `gb`, case-insensitive, powers of 1024. A fraction
 * (`"1.5g"`) is allowed and truncated to whole bytes, as Docker does; a number must already be
 * a whole, non-negative byte count. Unknown units (`"1t"`, `"1kib"`) → null.
 */
export function parseSizeBytes(value: string | number): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value !== 'string') return null;
  const match = SIZE.exec(value.trim());
  if (match === null) return null;
  const unit = match[2]!.toLowerCase();
  // hasOwn: a "unit" like "constructor" must not find Object.prototype's members.
  if (!Object.hasOwn(SIZE_UNITS, unit)) return null;
  const multiplier = SIZE_UNITS[unit]!;
  const bytes = Math.floor(Number(match[1]) * multiplier);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/**
 * Formats milliseconds as a Compose duration that {@link parseDurationMs} reads back:
 * `"500ms"` below a second, otherwise hours, minutes and seconds with zero parts left out and
 * any milliseconds as a fraction of the seconds (`"1h"`, `"1m30s"`, `"1.5s"`, `"1h0.25s"`),
 * and `"0s"` for zero. The input is rounded to whole milliseconds; a negative value gets a
 * leading "-" (as Go prints it) for messages, though it will not parse back.
 * @throws RangeError for NaN or an infinite value, which is a caller bug, not a duration.
 */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`cannot format ${ms} as a duration`);
  const rounded = Math.round(ms);
  if (rounded < 0) return `-${formatDurationMs(-rounded)}`;
  if (rounded === 0) return '0s';
  if (rounded < 1000) return `${rounded}ms`;
  const hours = Math.floor(rounded / 3_600_000);
  const minutes = Math.floor((rounded % 3_600_000) / 60_000);
  const seconds = Math.floor((rounded % 60_000) / 1000);
  const millis = rounded % 1000;
  let out = '';
  if (hours > 0) out += `${hours}h`;
  if (minutes > 0) out += `${minutes}m`;
  if (seconds > 0 || millis > 0) {
    const fraction = millis > 0 ? `.${String(millis).padStart(3, '0').replace(/0+$/, '')}` : '';
    out += `${seconds}${fraction}s`;
  }
  return out;
}
