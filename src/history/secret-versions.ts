/**
 * A rollback re-applies a stored desired state, which names each secret by its source and the
 * digest of the value it had then: never the value. Where Podman still has that secret version
 * (its versioned name), nothing needs reading. Where the plan must create it again, the value
 * comes from the source as it is NOW: if the source changed since, creating the old version's
 * name with the new value would roll a different secret back silently. This check refuses that.
 */
import { createHash } from 'node:crypto';
import type { ErrorInfo } from '../apply/execution-error.js';
import type { SecretSource } from '../model/desired.js';
import type { SecretDigester } from '../model/hash.js';
import type { Plan } from '../plan/actions.js';

/**
 * The first secret (or config read from a file or variable) the plan would create whose source
 * no longer holds the value the plan's desired state was made with; null when there is none.
 * @param revision the revision being rolled back to, for the message
 */
export async function changedSecretSource(plan: Plan, read: (source: SecretSource) => Promise<Uint8Array>, digester: SecretDigester, revision: number): Promise<ErrorInfo | null> {
  for (const action of plan.actions) {
    if (action.kind !== 'secret.create') continue;
    const { secret } = action;
    // Inline config content is stored in the revision itself; an external secret is not Phoenix's to create.
    if (secret.source === null || secret.source.kind === 'content' || secret.external) continue;
    const what = `${secret.config === true ? 'config' : 'secret'} "${secret.name}"`;
    const where = secret.source.kind === 'environment' ? `the environment variable ${secret.source.variable}` : secret.source.kind === 'file' ? `the file ${secret.source.path}` : `the ${secret.source.kind === 'age' ? 'age' : 'SOPS'} file ${secret.source.path}`;
    let content: Uint8Array;
    try {
      content = await read(secret.source);
    } catch (error) {
      return {
        code: 'PHX-SECRET-SOURCE-MISSING',
        message: `revision ${revision} needs ${what} created again (Podman no longer has ${secret.podmanName}), but ${where} cannot be read: ${(error as Error).message}`,
        remediation: `Make ${where} available to Phoenix with the value revision ${revision} used, then roll back again.`,
      };
    }
    // A config's digest is a plain SHA-256; a secret's is keyed and bound to its name (model/hash.ts).
    const digest = secret.config === true ? createHash('sha256').update(content).digest('hex') : digester.digest(secret.name, content);
    if (digest === secret.digest) continue;
    return {
      code: 'PHX-ROLLBACK-SECRET-CHANGED',
      message: `revision ${revision} used version ${secret.digest.slice(0, 12)} of ${what}, which Podman no longer has; ${where} now holds another value (version ${digest.slice(0, 12)}), and Phoenix keeps no secret values, so it cannot give the old version back`,
      remediation: `Put the value revision ${revision} used back in ${where} and roll back again; or roll back to a revision made with the current value (phoenix history --json lists each revision's secret versions); or fix forward with phoenix apply. Nothing was changed.`,
    };
  }
  return null;
}
