/**
 * The evidence a failure event carries: the last lines a container printed, read through the
 * Podman module's logs call and redacted against every known secret value, so that an alert
 * says why a container fails without leaking what it printed of its secrets.
 */
import type { LogOptions, PodmanInspector } from '../../podman/podman-client.js';
import type { SecretRedactor } from '../../telemetry/secret-redactor.js';

/** Lines of a container's log an event carries at most: enough to see the error, small enough for a chat message. */
export const EVIDENCE_TAIL_LINES = 20;
/** Characters per line at most: one runaway line (a stack dump on one line) must not bloat every event. */
const MAX_LINE_CHARS = 500;
/** A log read that takes longer is given up: evidence is best effort and must not delay the alert much. */
const LOG_READ_TIMEOUT_MS = 5000;

/** Reads a container's last log lines, redacted; never throws (an empty list when they cannot be read). */
export type LogEvidence = (container: string) => Promise<readonly string[]>;

/** The last `tail` log lines of a container, through `logs`, each redacted with `redactor` and cut to a bounded length. */
export function logEvidence(logs: Pick<PodmanInspector, 'streamLogs'>, redactor: Pick<SecretRedactor, 'redact'>, tail = EVIDENCE_TAIL_LINES): LogEvidence {
  return async (container) => {
    const lines: string[] = [];
    const options: LogOptions = { follow: false, tail };
    try {
      await logs.streamLogs([container], options, (line) => lines.push(line.text), AbortSignal.timeout(LOG_READ_TIMEOUT_MS));
    } catch {
      // A container removed meanwhile, or a podman that hangs: the event goes out without its log.
    }
    return lines.slice(-tail).map((line) => {
      const redacted = redactor.redact(line);
      return redacted.length > MAX_LINE_CHARS ? `${redacted.slice(0, MAX_LINE_CHARS)}…` : redacted;
    });
  };
}
