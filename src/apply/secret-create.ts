import type { CallOptions, PodmanClient } from '../podman/podman-client.js';
import type { ContentSource, SecretSource } from '../model/desired.js';
import type { Action } from '../plan/actions.js';
import { ExecutionError, isCodedError, toErrorInfo } from './execution-error.js';

type SecretCreateAction = Extract<Action, { kind: 'secret.create' }>;

/**
 * Reads a secret's value from its source and hands it to Podman (a config's inline content
 * needs no reading). The value lives only in
 * this call: it is never logged, never put in an event, and an error whose text contains it
 * is replaced by one that does not.
 */
export async function createSecret(
  podman: PodmanClient,
  readSecret: (source: SecretSource) => Promise<Uint8Array>,
  action: SecretCreateAction,
  call: CallOptions,
): Promise<void> {
  const { secret } = action;
  if (secret.source === null) {
    throw new ExecutionError(
      'PHX-SECRET-SOURCE-MISSING',
      `secret "${secret.name}" (${secret.podmanName}) has no source to read its value from.`,
      'Give the secret a `file:` or `environment:` source, or mark it `external: true` if it is made outside Phoenix.',
    );
  }
  const value = await readValue(readSecret, secret.source, `${secret.config === true ? 'config' : 'secret'} "${secret.name}"`);
  if (secret.config === true) {
    // A config is not secret: Podman's error is shown as it is.
    await podman.createSecret(secret.podmanName, value, secret.labels, call);
    return;
  }
  call.signal?.throwIfAborted();
  try {
    await podman.createSecret(secret.podmanName, value, secret.labels, call);
  } catch (error) {
    throw withoutSecret(error, value, secret.podmanName);
  }
}

/** Reads the value; an uncoded failure (a missing file, an unset variable) becomes PHX-SECRET-SOURCE-MISSING naming the source. */
async function readValue(readSecret: (source: SecretSource) => Promise<Uint8Array>, source: ContentSource, what: string): Promise<Uint8Array> {
  if (source.kind === 'content') return new TextEncoder().encode(source.text);
  try {
    return await readSecret(source);
  } catch (error) {
    if (isCodedError(error)) throw error;
    const where = source.kind === 'environment' ? `environment variable ${source.variable}` : `file ${source.path}`;
    throw new ExecutionError(
      'PHX-SECRET-SOURCE-MISSING',
      `cannot read ${what} from ${where}: ${toErrorInfo(error).message}`,
      source.kind === 'environment' ? `Set ${source.variable} in Phoenix's environment.` : 'Create the file (keep it out of git) or correct its path.',
    );
  }
}

/** The error itself, unless its text contains the value; then an error that says so without it. */
function withoutSecret(error: unknown, value: Uint8Array, podmanName: string): unknown {
  const text = Buffer.from(value).toString('utf8');
  // A value read from a file often ends in a newline that an error message would not repeat.
  const forms = [...new Set([text, text.trim()])].filter((form) => form.length > 0);
  if (!forms.some((form) => leaks(error, form))) return error;
  const info = toErrorInfo(error);
  return new ExecutionError(
    'PHX-EXEC-FAILED',
    `creating secret ${podmanName} failed (${info.code}); the error message contained the secret's value and was withheld.`,
    'Check that Podman works (`podman secret ls`) and apply again.',
  );
}

function leaks(error: unknown, text: string, depth = 0): boolean {
  if (typeof error === 'string') return error.includes(text);
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  if (error instanceof Error && (`${error.message}\n${error.stack ?? ''}`.includes(text) || leaks(error.cause, text, depth + 1))) return true;
  try {
    return JSON.stringify(error).includes(text);
  } catch {
    return true;
  }
}
