/**
 * Decrypts secrets kept encrypted at rest: age-encrypted files (age-encryption) and values of
 * SOPS files encrypted for age (sops-age). The plaintext is returned to the caller only, which
 * hands it to `podman secret create` on a FIFO; no message here ever contains it.
 */
import type { AgeIdentitySource, SecretSource } from '../model/desired.js';

/** A secret that could not be decrypted: a code, where it is declared (file:line:col), what to do. */
export class SecretDecryptError extends Error {
  override readonly name = 'SecretDecryptError';
  readonly code: 'PHX-SECRET-DECRYPT' | 'PHX-SECRET-KEY-MISSING' | 'PHX-SECRET-SOURCE-MISSING';
  readonly remediation: string;

  constructor(code: SecretDecryptError['code'], message: string, remediation: string) {
    super(message);
    this.code = code;
    this.remediation = remediation;
  }
}

type EncryptedSource = Extract<SecretSource, { kind: 'age' | 'sops' }>;

const AGE_KEY = /^AGE-SECRET-KEY-1[0-9A-Z]+$/;

/** The age identities in a key file's text (age-keygen writes comments and one key a line). */
export function ageIdentitiesIn(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => AGE_KEY.test(line));
}

function describeIdentity(identity: AgeIdentitySource): string {
  return identity.kind === 'file' ? `the key file ${identity.path}` : `the variable ${identity.variable}`;
}

/** Reads the identities of a source; PHX-SECRET-KEY-MISSING when there are none. */
export function identitiesOf(source: EncryptedSource, readText: (file: string) => string | null, env: Readonly<Record<string, string | undefined>>): string[] {
  const { identity } = source;
  const text = identity.kind === 'file' ? readText(identity.path) : (env[identity.variable] ?? null);
  const where = describeIdentity(identity);
  if (text === null) {
    throw new SecretDecryptError(
      'PHX-SECRET-KEY-MISSING',
      `${source.declaredAt}: the age key for ${source.path} is missing: ${identity.kind === 'file' ? `${where} does not exist` : `${where} is not set`}.`,
      identity.kind === 'file' ? 'Create the key file (age-keygen -o FILE, mode 0600) or correct `key_file:`.' : `Set ${identity.variable} to the age identity (AGE-SECRET-KEY-1...) in Phoenix's environment.`,
    );
  }
  const identities = ageIdentitiesIn(text);
  if (identities.length === 0) {
    throw new SecretDecryptError('PHX-SECRET-KEY-MISSING', `${source.declaredAt}: ${where} holds no age identity (a line AGE-SECRET-KEY-1...).`, 'Point the secret at the age identity made with age-keygen (not its public recipient age1...).');
  }
  return identities;
}

function failure(source: EncryptedSource, why: string): SecretDecryptError {
  const what = source.kind === 'age' ? `the age-encrypted file ${source.path}` : `"${source.key}" of the SOPS file ${source.path}`;
  return new SecretDecryptError(
    'PHX-SECRET-DECRYPT',
    `${source.declaredAt}: cannot decrypt ${what} with ${describeIdentity(source.identity)}: ${why}.`,
    source.kind === 'age'
      ? 'Check that the file was encrypted to the recipient of this key (`age-keygen -y KEYFILE` prints it) and is not damaged; re-encrypt it with `age -r RECIPIENT`.'
      : 'Check that the SOPS file lists the recipient of this key under sops.age (`age-keygen -y KEYFILE` prints it; `sops updatekeys` adds it) and that `key:` names an encrypted value.',
  );
}

/** A library's message, kept short and free of anything but its own words (it never holds plaintext: decryption failed). */
function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.slice(0, 200);
}

async function decryptAge(source: EncryptedSource, ciphertext: Uint8Array, identities: readonly string[]): Promise<Uint8Array> {
  const { Decrypter, armor } = await import('age-encryption');
  const decrypter = new Decrypter();
  for (const identity of identities) decrypter.addIdentity(identity);
  const text = Buffer.from(ciphertext).toString('latin1');
  try {
    const binary = text.startsWith('-----BEGIN AGE ENCRYPTED FILE-----') ? armor.decode(text) : ciphertext;
    return await decrypter.decrypt(binary, 'uint8array');
  } catch (error) {
    throw failure(source, reason(error));
  }
}

async function decryptSops(source: Extract<SecretSource, { kind: 'sops' }>, file: Uint8Array, identities: readonly string[]): Promise<Uint8Array> {
  const { decryptSops: decrypt } = await import('sops-age');
  const text = Buffer.from(file).toString('utf8');
  const fileType = /\.json$/i.test(source.path) ? 'json' : /\.env$/i.test(source.path) ? 'env' : 'yaml';
  let lastError: unknown;
  // sops-age takes one identity at a time: try each until one is a recipient of the file.
  for (const secretKey of identities) {
    try {
      const value: unknown = await decrypt(text, { secretKey, keyPath: source.key, fileType });
      if (value instanceof Uint8Array) return value;
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return new TextEncoder().encode(String(value));
      throw new Error(`"${source.key}" is not a single value`);
    } catch (error) {
      lastError = error;
    }
  }
  throw failure(source, reason(lastError));
}

/**
 * Decrypts an encrypted secret source. `readBytes` / `readText` read files (bounded, regular
 * files only); `env` is Phoenix's own environment, for a key in a variable.
 */
export async function decryptSecret(
  source: EncryptedSource,
  readBytes: (file: string) => Uint8Array | null,
  readText: (file: string) => string | null,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Uint8Array> {
  const ciphertext = readBytes(source.path);
  if (ciphertext === null) {
    throw new SecretDecryptError('PHX-SECRET-SOURCE-MISSING', `${source.declaredAt}: the encrypted file ${source.path} does not exist.`, 'Create it (encrypted with age or SOPS), or correct the path.');
  }
  const identities = identitiesOf(source, readText, env);
  return source.kind === 'age' ? decryptAge(source, ciphertext, identities) : decryptSops(source, ciphertext, identities);
}
