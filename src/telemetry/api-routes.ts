/**
 * Watch's `/api/*` routes, the ones that act or show container output, each behind the token
 * and the same-origin check (request-guard.ts):
 *
 * - `GET /api/logs?environment=E&service=S&tail=N`: the last lines of a service's containers;
 * - `POST /api/restart` with `{"environment": E, "service": S}` (JSON): restarts a service
 *   through watch's work queue, recorded as a `service.restart-requested` event.
 *
 * The controller does the work (ApiHandlers); this file reads requests and writes answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiErrorDocument, LogTailDocument, RestartAnswerDocument } from './status-document.js';
import { bearerToken, originRefusal, tokenMatches } from './request-guard.js';

/** Who asked, as the restart event records it (never the token). */
export interface Requester {
  /** The client's address and port as the server saw them (a proxy's, behind one). */
  readonly address: string;
  /** The User-Agent header, cut at 200 characters; '' when absent. */
  readonly userAgent: string;
}

/** A refusal the controller answers with: HTTP status and the error. */
export interface ApiRefusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly remediation: string;
}

/** What the routes need from the controller. */
export interface ApiHandlers {
  /** The token a request must carry. */
  readonly token: string;
  /** The last `tail` lines of the service's containers; a refusal when it is not watched or Podman failed. */
  logs(environment: string, service: string, tail: number, signal: AbortSignal): Promise<LogTailDocument | ApiRefusal>;
  /** Restarts the service through the work queue; resolves once done (or refused). */
  restart(environment: string, service: string, requester: Requester): Promise<RestartAnswerDocument | ApiRefusal>;
}

/** Lines of log a request may ask for at most, and by default. */
export const MAX_TAIL = 1000;
export const DEFAULT_TAIL = 200;
/** A request body larger than this is no restart request. */
const MAX_BODY_BYTES = 4096;

/** The codes of refused API requests (docs/errors.md). */
export const API_CODES = {
  unauthorized: 'PHX-API-UNAUTHORIZED',
  origin: 'PHX-API-ORIGIN-REFUSED',
  badRequest: 'PHX-API-BAD-REQUEST',
  notWatched: 'PHX-API-NOT-WATCHED',
  method: 'PHX-API-METHOD',
} as const;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  res.end(`${JSON.stringify(body, null, 2)}\n`);
}

function refuse(res: ServerResponse, refusal: ApiRefusal, headers: Record<string, string> = {}): void {
  const body: ApiErrorDocument = { error: { code: refusal.code, message: refusal.message, remediation: refusal.remediation } };
  sendJson(res, refusal.status, body, headers);
}

function isRefusal(value: unknown): value is ApiRefusal {
  return typeof value === 'object' && value !== null && 'status' in value && 'code' in value && !('environment' in value);
}

/** Reads a small body; null when it is larger than the limit. */
async function readBody(req: IncomingMessage): Promise<string | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The token and origin checks; true when the request may go on (else it was answered). */
function admitted(req: IncomingMessage, res: ServerResponse, token: string): boolean {
  const refusal = originRefusal(req);
  if (refusal !== null) {
    refuse(res, { status: 403, code: API_CODES.origin, message: `refused: ${refusal}`, remediation: "Use the status page served by this watch (its own address), or call the API from a program that sends no Origin header." });
    return false;
  }
  const given = bearerToken(req);
  if (given === null || !tokenMatches(given, token)) {
    refuse(
      res,
      {
        status: 401,
        code: API_CODES.unauthorized,
        message: given === null ? 'this request needs the watch token (Authorization: Bearer <token>)' : 'the token is not this watch’s',
        remediation: 'Send the token from the file phoenix watch named at start (<state dir>/watch-token-<port>, readable by its user only) as `Authorization: Bearer <token>`; a restarted watch has a new one.',
      },
      { 'www-authenticate': 'Bearer realm="phoenix watch"' },
    );
    return false;
  }
  return true;
}

function methodNotAllowed(res: ServerResponse, allowed: string): void {
  refuse(res, { status: 405, code: API_CODES.method, message: `this route takes ${allowed} only`, remediation: `Send a ${allowed} request (docs/status-page.md lists the routes).` }, { allow: allowed });
}

function badRequest(res: ServerResponse, message: string, remediation: string, status = 400): void {
  refuse(res, { status, code: API_CODES.badRequest, message, remediation });
}

/** A name as the manifests allow them (environments and services); anything else is no watched one. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

async function logsRoute(handlers: ApiHandlers, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'GET') return methodNotAllowed(res, 'GET');
  if (!admitted(req, res, handlers.token)) return;
  const environment = url.searchParams.get('environment') ?? '';
  const service = url.searchParams.get('service') ?? '';
  if (!NAME.test(environment) || !NAME.test(service)) return badRequest(res, 'name the environment and the service: ?environment=E&service=S', 'Take both names from /status.');
  const tailText = url.searchParams.get('tail');
  const tail = tailText === null ? DEFAULT_TAIL : Number(tailText);
  if (!Number.isInteger(tail) || tail < 1 || tail > MAX_TAIL) return badRequest(res, `tail takes a whole number of lines from 1 to ${MAX_TAIL}, not ${JSON.stringify(tailText)}`, `Ask for at most ${MAX_TAIL} lines (default ${DEFAULT_TAIL}).`);
  // A client that goes away stops the read.
  const abort = new AbortController();
  res.once('close', () => abort.abort());
  const answer = await handlers.logs(environment, service, tail, abort.signal);
  if (abort.signal.aborted) return;
  if (isRefusal(answer)) return refuse(res, answer);
  sendJson(res, 200, answer);
}

async function restartRoute(handlers: ApiHandlers, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
  if (!admitted(req, res, handlers.token)) return;
  // JSON only: a cross-site HTML form cannot send it, one more wall besides the token and Origin.
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return badRequest(res, 'the body must be JSON (Content-Type: application/json)', 'Send {"environment": "<name>", "service": "<name>"} as JSON.', 415);
  const body = await readBody(req);
  if (body === null) return badRequest(res, `the body is larger than ${MAX_BODY_BYTES} bytes`, 'Send {"environment": "<name>", "service": "<name>"} alone.', 413);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return badRequest(res, 'the body is not JSON', 'Send {"environment": "<name>", "service": "<name>"}.');
  }
  const { environment, service } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { environment?: unknown; service?: unknown };
  if (typeof environment !== 'string' || typeof service !== 'string' || !NAME.test(environment) || !NAME.test(service)) {
    return badRequest(res, 'the body must name the environment and the service as strings', 'Send {"environment": "<name>", "service": "<name>"}; take both from /status.');
  }
  const requester: Requester = { address: `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`, userAgent: (req.headers['user-agent'] ?? '').slice(0, 200) };
  const answer = await handlers.restart(environment, service, requester);
  if (isRefusal(answer)) return refuse(res, answer);
  sendJson(res, answer.ok ? 200 : 502, answer);
}

/** Answers a request under `/api/`; true when the path is one of the API's (else the caller answers 404). */
export async function apiRoute(handlers: ApiHandlers, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  switch (url.pathname) {
    case '/api/logs':
      await logsRoute(handlers, req, res, url);
      return true;
    case '/api/restart':
      await restartRoute(handlers, req, res);
      return true;
    default:
      return false;
  }
}
