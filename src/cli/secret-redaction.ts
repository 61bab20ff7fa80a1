import type { DesiredState } from '../model/desired.js';
import { SecretRedactor } from '../telemetry/secret-redactor.js';
import type { CliIo } from './io.js';
import { secretReader } from './podman-wiring.js';

/** Every secret value the environment reads (configs are not secret), for redacting what a command prints. */
export async function secretRedactorFor(desired: DesiredState, io: CliIo): Promise<SecretRedactor> {
  const read = secretReader(io);
  const redactor = new SecretRedactor();
  for (const secret of desired.secrets) {
    if (secret.source === null || secret.source.kind === 'content' || secret.config === true) continue;
    try {
      // The redactor also knows the value without its trailing newline, and its encodings.
      const value = new TextDecoder().decode(await read(secret.source));
      redactor.add(value, value.trim());
    } catch {
      // One that cannot be read now has nothing to redact (the load reports it).
    }
  }
  return redactor;
}

/**
 * The command's io with everything it prints redacted: a health check's output, a container's
 * log lines or Podman's message may quote a secret, and the terminal, CI logs and JSON output
 * must not.
 */
export function redactingIo(io: CliIo, redactor: SecretRedactor): CliIo {
  if (redactor.size === 0) return io;
  return { ...io, stdout: (text) => io.stdout(redactor.redact(text)), stderr: (text) => io.stderr(redactor.redact(text)) };
}
