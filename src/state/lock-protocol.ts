/**
 * What the holder of an environment lock and the processes waiting for it say to each other
 * over the lock's socket: one JSON object per line. A waiter asks who holds the lock (to name
 * it), and may ask a holder that runs `phoenix watch` to reconcile now and answer how it went.
 */
import type { Socket } from 'node:net';

/** Who holds an environment's lock: printed by every process that waits for it. */
export interface LockHolder {
  readonly pid: number;
  /** The Phoenix command holding it: apply, down, restart, build, pull, watch. */
  readonly command: string;
  /** When it took the lock (ISO 8601). */
  readonly since: string;
  readonly project: string;
  readonly environment: string;
  /** The holder reconciles on request (`phoenix watch`): an apply hands its request over instead of waiting. */
  readonly reconcilesOnRequest: boolean;
  /** Where the holder serves its status page and telemetry (`phoenix watch`): what `phoenix status` points at. */
  readonly telemetryUrl?: string;
}

/** How a reconcile done on another process's request went; the requester prints it. */
export interface RemoteReconcileOutcome {
  readonly ok: boolean;
  /** Actions the reconcile carried out (0 when Podman already matched). */
  readonly actions: number;
  /** One line of what it did (the plan's summary), when it planned. */
  readonly summary: string | null;
  readonly durationMs: number;
  /** The holder's manifests did not validate; its last good version was applied. */
  readonly manifestInvalid: boolean;
  readonly error: { readonly code: string; readonly message: string; readonly remediation: string } | null;
}

/** A waiter's request. */
export type LockRequest = { readonly type: 'who' } | { readonly type: 'reconcile'; readonly pid: number; readonly command: string };

/** The holder's answers. */
export type LockReply =
  | { readonly type: 'holder'; readonly holder: LockHolder }
  | { readonly type: 'accepted'; readonly holder: LockHolder }
  | { readonly type: 'refused'; readonly holder: LockHolder; readonly reason: string }
  | { readonly type: 'outcome'; readonly outcome: RemoteReconcileOutcome };

/** Longest line either side accepts: a reply is a few hundred bytes; more is not a Phoenix peer. */
const MAX_LINE_BYTES = 64 * 1024;

/** Writes one message as a line. */
export function writeMessage(socket: Socket, message: LockRequest | LockReply): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
}

/**
 * Calls `onMessage` with every complete JSON line the socket receives. A line that is not
 * JSON or too long ends the connection: the peer is not a Phoenix process.
 */
export function readMessages(socket: Socket, onMessage: (message: unknown) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        socket.destroy();
        return;
      }
      onMessage(message);
      newline = buffered.indexOf('\n');
    }
    if (buffered.length > MAX_LINE_BYTES) socket.destroy();
  });
}

/** The holder named in a reply, when the reply is one that names it. */
export function holderOf(message: unknown): LockHolder | null {
  const m = message as { type?: unknown; holder?: Partial<LockHolder> } | null;
  if (m === null || typeof m !== 'object' || (m.type !== 'holder' && m.type !== 'accepted' && m.type !== 'refused')) return null;
  const h = m.holder;
  if (h === undefined || typeof h.pid !== 'number' || typeof h.command !== 'string' || typeof h.since !== 'string') return null;
  const telemetryUrl = typeof h.telemetryUrl === 'string' && /^https?:\/\/[^\s]{1,200}$/.test(h.telemetryUrl) ? h.telemetryUrl : undefined;
  return { pid: h.pid, command: h.command, since: h.since, project: String(h.project ?? ''), environment: String(h.environment ?? ''), reconcilesOnRequest: h.reconcilesOnRequest === true, ...(telemetryUrl === undefined ? {} : { telemetryUrl }) };
}
