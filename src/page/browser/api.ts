/**
 * The page's requests to the Phoenix that serves it (same origin only: the page's
 * Content-Security-Policy allows no other): /status, and the token-guarded /api/logs and
 * /api/restart (the token goes in `Authorization: Bearer`, never in a URL).
 */
import type { ApiErrorDocument, LogTailDocument, RestartAnswerDocument, StatusDocument } from '../../telemetry/status-document.js';

/** A request the server refused or failed: its HTTP status and what it said. */
export interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly remediation: string;
}

/** The answer of a token-guarded request: the document, or why not. */
export type Guarded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly refusal: Refusal };

/** GET /status. */
export async function fetchStatus(): Promise<StatusDocument> {
  const res = await fetch('/status', { cache: 'no-store' });
  if (!res.ok) throw new Error(`/status answered ${res.status}`);
  return (await res.json()) as StatusDocument;
}

/** The refusal in an error answer (the API's JSON error document, or whatever text came). */
async function refusalOf(res: Response): Promise<Refusal> {
  const text = await res.text();
  try {
    const { error } = JSON.parse(text) as ApiErrorDocument;
    if (typeof error?.message === 'string') return { status: res.status, code: error.code, message: error.message, remediation: error.remediation };
  } catch {
    // Not the API's JSON (a proxy's page, an older watch).
  }
  return { status: res.status, code: '', message: text.trim().slice(0, 300) || res.statusText, remediation: '' };
}

async function guarded<T>(url: string, token: string, init: RequestInit = {}): Promise<Guarded<T>> {
  const res = await fetch(url, { ...init, cache: 'no-store', headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` } });
  if (!res.ok) return { ok: false, refusal: await refusalOf(res) };
  return { ok: true, value: (await res.json()) as T };
}

/** The last `tail` log lines of a service's containers (redacted by the server). */
export function fetchLogs(environment: string, service: string, tail: number, token: string): Promise<Guarded<LogTailDocument>> {
  const query = new URLSearchParams({ environment, service, tail: String(tail) });
  return guarded<LogTailDocument>(`/api/logs?${query.toString()}`, token);
}

/**
 * Restarts a service; resolves when watch has done it. A restart whose action failed comes
 * back as a refusal with status 502 and the failure.
 */
export async function requestRestart(environment: string, service: string, token: string): Promise<Guarded<RestartAnswerDocument>> {
  return guarded<RestartAnswerDocument>('/api/restart', token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ environment, service }) });
}

/** One sentence for a refusal, saying what it means for the person at the page. */
export function explainRefusal(refusal: Refusal): string {
  const meaning: Record<number, string> = {
    401: 'the token is missing or not this watch’s',
    403: 'this request is not allowed from here',
  };
  const why = meaning[refusal.status] ?? (refusal.status >= 500 ? 'it failed' : 'the server refused');
  return `Refused (${refusal.status}${refusal.code === '' ? '' : ` ${refusal.code}`}): ${why}. ${refusal.message}`;
}
