/**
 * How the page writes times, durations and values: short, and the same on every screen.
 * Pure (no DOM, no clock): the caller passes `now`.
 */

/** `45s`, `12m 3s`, `5h 2m`, `3d 4h`: a duration of whole seconds, two units at most. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const units: [number, string][] = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'm'],
    [1, 's'],
  ];
  const parts: string[] = [];
  let rest = seconds;
  for (const [size, unit] of units) {
    if (parts.length === 0 && rest < size && size !== 1) continue;
    parts.push(`${Math.floor(rest / size)}${unit}`);
    rest %= size;
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

/** How long ago (or since) an ISO 8601 time was, from `now` (epoch ms); null for no time or an unreadable one. */
export function since(iso: string | null | undefined, now: number): string | null {
  if (iso === null || iso === undefined) return null;
  const then = Date.parse(iso);
  return Number.isNaN(then) ? null : formatDuration(now - then);
}

/** `14:03:27` in the viewer's time zone, for an ISO 8601 time (the time as given when unreadable). */
export function clockTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

/** A date and time for a history row, e.g. `2026-12-05 14:03`. */
export function dateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
