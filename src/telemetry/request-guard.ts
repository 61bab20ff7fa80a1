/**
 * The checks in front of watch's `/api/*` routes, which act on containers or show their output:
 * the request must carry the token (`Authorization: Bearer …`) and, when a browser sent it,
 * come from the server's own origin. The Host check (host-check.ts) already ran: the Host
 * header names this server, so comparing Origin with it is comparing with our own origin.
 *
 * Why both: the token proves the caller could read a file only watch's user can read; the
 * origin check stops a page on another site from using a token a browser holds (and browsers
 * send Origin on every POST and every cross-origin request, so a missing Origin is a
 * non-browser client such as curl, which has no ambient credentials to abuse).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The token of `Authorization: Bearer <token>`; null when the header is absent or another scheme. */
export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (header === undefined) return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match === null ? null : match[1]!;
}

/** Compares in constant time (digests of equal length), so that the answer's timing tells nothing of the token. */
export function tokenMatches(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Null when the request may come from where it says: no Origin (not a browser), or an Origin
 * whose host and port are the Host header's (http or https: a proxy may terminate TLS), and a
 * `Sec-Fetch-Site`, where the browser sends one, of `same-origin` or `none`. Otherwise the
 * reason, for the 403 answer.
 */
export function originRefusal(req: IncomingMessage): string | null {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return `the browser says the request comes from another site (Sec-Fetch-Site: ${site})`;
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  const host = (req.headers.host ?? '').toLowerCase();
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return `its Origin ${JSON.stringify(origin.slice(0, 100))} is not this server's`;
  }
  const sameHost = (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.host.toLowerCase() === host && host !== '';
  return sameHost ? null : `its Origin ${JSON.stringify(origin.slice(0, 100))} is not this server's (http://${host})`;
}
