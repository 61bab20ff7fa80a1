/**
 * The shapes of watch's /api/* answers, as the page reads them. Provisional copy: the server's
 * own types (src/telemetry/status-document.ts) replace this file once they are on main.
 */

/** The body of a refused /api/* request. */
export interface ApiErrorDocument {
  readonly error: { readonly code: string; readonly message: string; readonly remediation: string };
}

/** GET /api/logs: the last lines of a service's containers, oldest first. */
export interface LogTailDocument {
  readonly environment: string;
  readonly service: string;
  readonly tail: number;
  readonly containers: readonly string[];
  readonly lines: readonly { readonly container: string; readonly stream: 'stdout' | 'stderr'; readonly time: string; readonly text: string }[];
  readonly truncated: boolean;
}

/** POST /api/restart: how the restart went. */
export interface RestartAnswerDocument {
  readonly environment: string;
  readonly service: string;
  readonly requestId: string;
  readonly ok: boolean;
  readonly actions: number;
  readonly durationMs: number;
  readonly error: { readonly code: string; readonly message: string; readonly remediation: string } | null;
}
