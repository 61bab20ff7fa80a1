import { parseDurationMs } from '../manifest/units.js';

/** `2026-12-04`, `2026-12-04T18:00:00`, with optional fraction and zone (`Z`, `+01:00`). */
const DATE_TIME = /^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|[+-]\d\d:\d\d)?)?$/;

/**
 * `logs --since`: a duration before `nowMs` (`10m`, `1h30m`, Phoenix's duration grammar), a
 * time (RFC 3339 or a date; without a zone it is UTC, as Podman reads it), or Unix seconds, as
 * the RFC 3339 time Podman is handed. Null when it is none of these. Turned into an absolute
 * time here so that every stream of a follow, started later, cuts at the same instant.
 */
export function parseLogSince(value: string, nowMs: number): string | null {
  const text = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) {
    // Bare numbers are Unix seconds, as for podman and docker logs (not a duration in seconds).
    const ms = Number(text) * 1000;
    return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
  }
  if (DATE_TIME.test(text)) {
    const zoned = /(?:Z|[+-]\d\d:\d\d)$/.test(text) || !text.includes(':') ? text : `${text}Z`;
    const ms = Date.parse(zoned.replace(' ', 'T'));
    return Number.isNaN(ms) ? null : new Date(ms).toISOString();
  }
  const duration = parseDurationMs(text);
  if (duration === null) return null;
  return new Date(nowMs - duration).toISOString();
}
