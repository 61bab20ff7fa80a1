/**
 * A minimal client of the libpod REST API over Podman's unix socket, for the calls on the hot
 * paths: listing everything for one observation costs ~3 ms a call over the socket against
 * ~40-80 ms for each podman process (PODMAN.md), and a start, stop, removal or state read
 * saves the podman process it would otherwise spawn.
 */
import { request } from 'node:http';
import { PodmanError, classifyPodmanFailure, outputInvalid } from './podman-error.js';

/** The API version Phoenix speaks (Podman 4.0 and later serve it). */
const API_PREFIX = '/v4.0.0/libpod';

/**
 * The socket cannot be reached (no service, stale socket file, a connection dropped by the
 * service): callers fall back to the CLI. A dropped connection may have delivered the request,
 * so only calls that are safe to repeat go through the API (see PodmanCli.viaApi); an answer
 * that is late after connecting is a PODMAN-TIMEOUT instead, never retried on the CLI.
 */
export class PodmanApiUnavailable extends Error {}

/** What one API call takes: cancellation, a deadline, and how to name the call in an error. */
export interface ApiCallOptions {
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs?: number | undefined;
  /** The podman command this call stands for (`['start', name]`), for error messages. */
  readonly args?: readonly string[];
}

/** Connection errors that mean nobody listens on the socket, or the service dropped the connection. */
const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTSOCK', 'EACCES']);

function messageOf(body: string): string {
  try {
    return String((JSON.parse(body) as { message?: unknown }).message ?? body);
  } catch {
    return body;
  }
}

/** Access to the libpod REST API on one socket. */
export class PodmanApi {
  /** @param socketPath the unix socket `podman system service` listens on */
  constructor(readonly socketPath: string) {}

  /** GETs a libpod path (`/containers/json?all=true`) and parses the JSON answer. */
  async get(path: string, options: ApiCallOptions = {}): Promise<unknown> {
    const body = await this.send('GET', path, options);
    try {
      return JSON.parse(body) as unknown;
    } catch (error) {
      throw outputInvalid(`GET ${path}`, 'an answer that is not JSON', body, error);
    }
  }

  /** POSTs to a libpod path (`/containers/NAME/start`); 304 (nothing to do) counts as success. */
  async post(path: string, options: ApiCallOptions = {}): Promise<void> {
    await this.send('POST', path, options);
  }

  /**
   * POSTs a JSON body to a libpod path (`/containers/create`) and parses the JSON answer. Not
   * for a request a retry could repeat: see PodmanCli.createViaApi for what a dropped
   * connection means there.
   */
  async postJson(path: string, body: unknown, options: ApiCallOptions = {}): Promise<unknown> {
    const answer = await this.send('POST', path, options, JSON.stringify(body));
    try {
      return JSON.parse(answer) as unknown;
    } catch (error) {
      throw outputInvalid(`POST ${path}`, 'an answer that is not JSON', answer, error);
    }
  }

  /** DELETEs a libpod path (`/containers/NAME?force=true`). */
  async delete(path: string, options: ApiCallOptions = {}): Promise<void> {
    await this.send('DELETE', path, options);
  }

  /**
   * One request; resolves to the body of a 2xx or 304 answer. Any other answer becomes a
   * PodmanError classified like the CLI's stderr (404 is PODMAN-NO-SUCH-OBJECT); a socket
   * nobody answers on, PodmanApiUnavailable.
   */
  private send(method: 'GET' | 'POST' | 'DELETE', path: string, options: ApiCallOptions, body?: string): Promise<string> {
    const args = options.args ?? [method, path];
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted === true) {
        reject(classifyPodmanFailure({ args, exitCode: null, stderr: '', aborted: true }));
        return;
      }
      let sent = false;
      const req = request({ socketPath: this.socketPath, path: `${API_PREFIX}${path}`, method, agent: false, headers: { connection: 'close', ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }) }, timeout: timeoutMs, ...(options.signal === undefined ? {} : { signal: options.signal }) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if ((status >= 200 && status < 300) || status === 304) {
            resolve(body);
            return;
          }
          const message = messageOf(body).trim();
          if (status === 404) {
            reject(new PodmanError('PODMAN-NO-SUCH-OBJECT', `${method} ${path}: ${message}`, { args, stderr: message }));
            return;
          }
          reject(classifyPodmanFailure({ args, exitCode: status, stderr: `Error: ${message}` }));
        });
      });
      req.on('socket', (socket) => socket.on('connect', () => (sent = true)));
      req.on('timeout', () => {
        if (sent) req.destroy(classifyPodmanFailure({ args, exitCode: null, stderr: '', timedOut: true, timeoutMs }));
        else req.destroy(new PodmanApiUnavailable(`the Podman API on ${this.socketPath} did not answer in time`));
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error instanceof PodmanApiUnavailable || error instanceof PodmanError) reject(error);
        else if (error.name === 'AbortError') reject(classifyPodmanFailure({ args, exitCode: null, stderr: '', aborted: true }));
        else if (!sent || UNREACHABLE.has(error.code ?? '')) reject(new PodmanApiUnavailable(`the Podman API on ${this.socketPath} is not reachable (${error.code ?? error.message})`));
        else reject(new PodmanError('PODMAN-FAILED', `${method} ${path}: ${error.message}`, { args, cause: error }));
      });
      req.end(body);
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
