import { isIP } from 'node:net';

/**
 * Whether a request's Host header names this server. A DNS-rebinding page makes the browser
 * call `http://evil.example:9464/status` with evil.example resolving to 127.0.0.1: the request
 * reaches Phoenix with `Host: evil.example:9464`. Accepted are IP literals (the address the
 * client dialled; rebinding needs a name), `localhost`, and the names configured
 * (`policy.telemetry.allowed_hosts`). A request without a Host header (HTTP/1.0 tools) is
 * accepted: browsers always send one.
 */
export function hostAllowed(hostHeader: string | undefined, allowedNames: readonly string[]): boolean {
  if (hostHeader === undefined || hostHeader === '') return true;
  const name = hostnameOf(hostHeader).toLowerCase();
  if (name === '') return false;
  if (isIP(name) !== 0) return true;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  return allowedNames.some((allowed) => allowed.toLowerCase() === name);
}

/** `host:port` → `host`; `[::1]:9464` → `::1`; a trailing dot of a fully-qualified name dropped. */
function hostnameOf(hostHeader: string): string {
  const value = hostHeader.trim();
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    return close === -1 ? '' : value.slice(1, close);
  }
  const colon = value.lastIndexOf(':');
  const host = colon === -1 ? value : value.slice(0, colon);
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/** Whether a listen address keeps the endpoints on this host (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.')) || bare === '::ffff:127.0.0.1';
}
