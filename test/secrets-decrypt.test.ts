/**
 * Decrypting age and SOPS secret sources (src/secrets/decrypt.ts) with keys and files made by
 * the real age tools: the right key gives the value; a missing key, a file without an
 * identity and a wrong key are coded errors naming where the secret is declared, never the value.
 */
import { describe, expect, it } from 'vitest';
import type { SecretSource } from '../src/model/desired.js';
import { ageIdentitiesIn, decryptSecret, SecretDecryptError } from '../src/secrets/decrypt.js';
import { ageEncrypt, ageKeyPair, sopsEncryptedYaml } from './support/age-fixtures.js';

type Encrypted = Extract<SecretSource, { kind: 'age' | 'sops' }>;

function files(entries: Record<string, string | Uint8Array>) {
  const readBytes = (file: string): Uint8Array | null => {
    const entry = entries[file];
    return entry === undefined ? null : typeof entry === 'string' ? new TextEncoder().encode(entry) : entry;
  };
  const readText = (file: string): string | null => {
    const bytes = readBytes(file);
    return bytes === null ? null : Buffer.from(bytes).toString('utf8');
  };
  return { readBytes, readText };
}

async function failure(promise: Promise<unknown>): Promise<SecretDecryptError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SecretDecryptError) return error;
    throw error;
  }
  throw new Error('expected a SecretDecryptError');
}

describe('encrypted secret sources', () => {
  const keys = ageKeyPair();
  const other = ageKeyPair();
  const age: Encrypted = { kind: 'age', path: '/s/token.age', identity: { kind: 'file', path: '/k/age.txt' }, declaredAt: 'environments/dev.yaml:7:10' };
  const sops: Encrypted = { kind: 'sops', path: '/s/app.sops.yaml', key: 'db.password', identity: { kind: 'environment', variable: 'AGE_KEY' }, declaredAt: 'environments/dev.yaml:10:11' };

  it('finds the identities in an age-keygen key file', () => {
    expect(ageIdentitiesIn(keys.keyFile)).toEqual([keys.identity]);
    expect(ageIdentitiesIn(`# just a comment\n${keys.recipient}\n`)).toEqual([]);
  });

  it('decrypts binary and armored age files and SOPS values with the right key', async () => {
    for (const armor of [false, true]) {
      const fs = files({ '/s/token.age': ageEncrypt('s3cret\n', keys.recipient, armor), '/k/age.txt': keys.keyFile });
      expect(Buffer.from(await decryptSecret(age, fs.readBytes, fs.readText, {})).toString()).toBe('s3cret\n');
    }
    const fs = files({ '/s/app.sops.yaml': sopsEncryptedYaml({ db: { password: 'pa55' } }, keys.recipient) });
    expect(Buffer.from(await decryptSecret(sops, fs.readBytes, fs.readText, { AGE_KEY: keys.identity })).toString()).toBe('pa55');
  });

  it('a wrong key is PHX-SECRET-DECRYPT at the declaring line, with a remedy', async () => {
    const fs = files({ '/s/token.age': ageEncrypt('s3cret', keys.recipient), '/k/age.txt': other.keyFile, '/s/app.sops.yaml': sopsEncryptedYaml({ db: { password: 'pa55' } }, keys.recipient) });
    const ageError = await failure(decryptSecret(age, fs.readBytes, fs.readText, {}));
    expect(ageError.code).toBe('PHX-SECRET-DECRYPT');
    expect(ageError.message).toMatch(/^environments\/dev\.yaml:7:10: cannot decrypt the age-encrypted file \/s\/token\.age with the key file \/k\/age\.txt: /);
    expect(ageError.message).not.toContain('s3cret');
    const sopsError = await failure(decryptSecret(sops, fs.readBytes, fs.readText, { AGE_KEY: other.identity }));
    expect([sopsError.code, sopsError.remediation]).toEqual(['PHX-SECRET-DECRYPT', expect.stringContaining('sops updatekeys')]);
    expect(sopsError.message).toMatch(/^environments\/dev\.yaml:10:11: cannot decrypt "db\.password" of the SOPS file/);
  });

  it('a missing key, or a key file without an identity, is PHX-SECRET-KEY-MISSING', async () => {
    const fs = files({ '/s/token.age': ageEncrypt('s3cret', keys.recipient), '/s/app.sops.yaml': 'x: 1\n' });
    expect((await failure(decryptSecret(age, fs.readBytes, fs.readText, {}))).message).toContain('the key file /k/age.txt does not exist');
    expect((await failure(decryptSecret(sops, fs.readBytes, fs.readText, {}))).message).toContain('the variable AGE_KEY is not set');
    const recipientOnly = files({ '/s/token.age': ageEncrypt('s3cret', keys.recipient), '/k/age.txt': `${keys.recipient}\n` });
    const error = await failure(decryptSecret(age, recipientOnly.readBytes, recipientOnly.readText, {}));
    expect([error.code, error.message]).toEqual(['PHX-SECRET-KEY-MISSING', expect.stringContaining('holds no age identity')]);
  });
});
