/**
 * Encrypted secrets are decrypted before a plan runs, so that a wrong or missing age key stops
 * the apply with nothing changed in Podman, instead of failing half-way after networks and
 * other secrets were made. The values are kept only for this run, for the secret.create
 * actions that need them.
 */
import type { SecretSource } from '../model/desired.js';
import type { Plan } from '../plan/actions.js';

type SecretReader = (source: SecretSource) => Promise<Uint8Array>;

/** A reader that reads each source once per run (an encrypted one is then decrypted once). */
export function cachedSecretReader(read: SecretReader): SecretReader {
  const values = new Map<SecretSource, Promise<Uint8Array>>();
  return (source) => {
    let value = values.get(source);
    if (value === undefined) {
      value = read(source);
      values.set(source, value);
    }
    return value;
  };
}

/** Decrypts every encrypted secret the plan creates; the first failure, or null when all decrypt. */
export async function firstUndecryptableSecret(plan: Plan, read: SecretReader): Promise<unknown> {
  for (const action of plan.actions) {
    if (action.kind !== 'secret.create') continue;
    const source = action.secret.source;
    if (source === null || (source.kind !== 'age' && source.kind !== 'sops')) continue;
    try {
      await read(source);
    } catch (error) {
      return error;
    }
  }
  return null;
}
