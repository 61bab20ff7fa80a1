/**
 * A minimal client of the libpod REST API over Podman's unix socket, for the reads on the hot
 * path: listing everything for one observation costs ~3 ms a call over the socket against
 * ~40-80 ms for each podman process (PODMAN.md).
 */
import { request } from 'node:http';
import { PodmanError } from './podman-error.js';

/** The API version Phoenix speaks (Podman 4.0 and later serve it). */
const API_PREFIX = '/v4.0.0/libpod';

/** The socket cannot be reached (no service, stale socket file): callers fall back to the CLI. */
export class PodmanApiUnavailable extends Error {}

/** Read-only access to the libpod REST API on one socket. */
export class PodmanApi {
  /** @param socketPath the unix socket `podman system service` listens on */
  constructor(readonly socketPath: string) {}

  /** GETs a libpod path (`/containers/json?all=true`) and parses the JSON answer. */
  get(path: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, path: `${API_PREFIX}${path}`, method: 'GET', agent: false, headers: { connection: 'close' }, timeout: options.timeoutMs ?? 10_000, ...(options.signal === undefined ? {} : { signal: options.signal }) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) {
            const message = (() => {
              try {
                return String((JSON.parse(body) as { message?: unknown }).message ?? body);
              } catch {
                return body;
              }
            })();
            reject(new PodmanError(res.statusCode === 404 ? 'PODMAN-NO-SUCH-OBJECT' : 'PODMAN-FAILED', `GET ${path}: ${message.trim()}`));
            return;
          }
          try {
            resolve(JSON.parse(body) as unknown);
          } catch {
            reject(new PodmanError('PODMAN-FAILED', `GET ${path}: the answer is not JSON`));
          }
        });
      });
      req.on('timeout', () => req.destroy(new PodmanApiUnavailable(`the Podman API on ${this.socketPath} did not answer in time`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error instanceof PodmanApiUnavailable || error.name === 'AbortError') reject(error);
        else reject(new PodmanApiUnavailable(`the Podman API on ${this.socketPath} is not reachable (${error.code ?? error.message})`));
      });
      req.end();
    });
  }

  /** True when a service answers on the socket (`/_ping`: cheap, unlike `/version` or `/info`). */
  ping(timeoutMs = 1000): Promise<boolean> {
    return new Promise((resolve) => {
      const req = request({ socketPath: this.socketPath, path: `${API_PREFIX}/_ping`, method: 'GET', agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
      req.end();
    });
  }
}
