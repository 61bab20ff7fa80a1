import net from 'node:net';
import type { LockHolder, RemoteReconcileOutcome } from './lock-protocol.js';
import { holderOf, readMessages, writeMessage } from './lock-protocol.js';

/** How a request to the lock's holder ended. */
export type ReconcileRequestResult =
  | { readonly kind: 'outcome'; readonly holder: LockHolder; readonly outcome: RemoteReconcileOutcome }
  /** The holder does not reconcile on request (it is not `phoenix watch`). */
  | { readonly kind: 'refused'; readonly reason: string }
  /** The holder went away (stopped, died) before answering: the lock may be free now. */
  | { readonly kind: 'gone' }
  | { readonly kind: 'timeout'; readonly holder: LockHolder | null };

/**
 * Asks the holder of the lock at `address` to reconcile its environment now and waits for the
 * outcome, at most `timeoutMs` (or until `signal` aborts, which counts as gone).
 */
export function requestReconcile(address: string, from: { pid: number; command: string }, timeoutMs: number, signal?: AbortSignal): Promise<ReconcileRequestResult> {
  return new Promise((resolve) => {
    const socket = net.connect(address);
    let holder: LockHolder | null = null;
    let settled = false;
    const settle = (result: ReconcileRequestResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = (): void => settle({ kind: 'gone' });
    const timer = setTimeout(() => settle({ kind: 'timeout', holder }), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('connect', () => writeMessage(socket, { type: 'reconcile', pid: from.pid, command: from.command }));
    readMessages(socket, (message) => {
      const m = message as { type?: unknown; reason?: unknown; outcome?: RemoteReconcileOutcome } | null;
      holder = holderOf(message) ?? holder;
      if (m?.type === 'refused') settle({ kind: 'refused', reason: String(m.reason) });
      else if (m?.type === 'outcome' && holder !== null && m.outcome !== undefined) settle({ kind: 'outcome', holder, outcome: m.outcome });
    });
    socket.on('error', () => settle({ kind: 'gone' }));
    socket.on('close', () => settle({ kind: 'gone' }));
  });
}
