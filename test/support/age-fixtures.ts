/**
 * Encrypted secret files for tests, made with the real age tools (Debian's `age` and
 * `age-keygen`, installed by scripts/setup.sh): a fresh key pair, age-encrypted files, and
 * SOPS files encrypted for an age recipient.
 *
 * There is no `sops` binary in Debian 12 or on npm, so sopsEncryptedYaml() writes a SOPS file
 * itself, in the format sops 3 writes: each value AES-256-GCM-encrypted with a random data key
 * (additional data: the value's path, `db:password:`), the data key encrypted to the recipient
 * with the real `age -r -a`, and the MAC over the values under `sops.mac`. Phoenix decrypts it
 * with the sops-age library, as it would a file sops made.
 */
import { execFileSync } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { stringify } from 'yaml';

/** A fresh age identity (AGE-SECRET-KEY-1...) and its recipient (age1...), from age-keygen. */
export interface AgeKeyPair {
  /** age-keygen's whole output: comments and the identity line, as a key file holds it. */
  readonly keyFile: string;
  readonly identity: string;
  readonly recipient: string;
}

/** Fails with what to do when the age tools are missing (a failure, never a skip). */
function age(args: readonly string[], input?: string | Buffer): Buffer {
  try {
    return execFileSync(args[0]!, args.slice(1), { input: input ?? '', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${args[0]} is not installed: run scripts/setup.sh (it installs Debian's age package), then the tests again.`, { cause: error });
    throw error;
  }
}

/** Makes a new key pair with age-keygen. */
export function ageKeyPair(): AgeKeyPair {
  const keyFile = age(['age-keygen']).toString('utf8');
  const identity = keyFile.split('\n').find((line) => line.startsWith('AGE-SECRET-KEY-1'));
  if (identity === undefined) throw new Error(`age-keygen printed no identity: ${keyFile}`);
  const recipient = age(['age-keygen', '-y'], keyFile).toString('utf8').trim();
  return { keyFile, identity, recipient };
}

/** Encrypts `plaintext` to `recipient` with `age -r` (ASCII-armored with `armor`). */
export function ageEncrypt(plaintext: string | Buffer, recipient: string, armor = false): Buffer {
  return age(['age', '-r', recipient, ...(armor ? ['-a'] : [])], plaintext);
}

function encryptValue(value: string, dataKey: Buffer, additionalData: string): string {
  const iv = randomBytes(32);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(Buffer.from(additionalData, 'utf8'));
  const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${cipher.getAuthTag().toString('base64')},type:str]`;
}

/** A SOPS YAML file with the string leaves of `tree` encrypted for `recipient` (see the file comment). */
export function sopsEncryptedYaml(tree: Record<string, Record<string, string>>, recipient: string): string {
  const dataKey = randomBytes(32);
  const plaintexts: string[] = [];
  const encrypted: Record<string, Record<string, string>> = {};
  for (const [branch, leaves] of Object.entries(tree)) {
    encrypted[branch] = {};
    for (const [leaf, value] of Object.entries(leaves)) {
      plaintexts.push(value);
      encrypted[branch]![leaf] = encryptValue(value, dataKey, `${branch}:${leaf}:`);
    }
  }
  const lastmodified = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const mac = createHash('sha512').update(plaintexts.join('')).digest('hex').toUpperCase();
  return stringify({
    ...encrypted,
    sops: {
      age: [{ recipient, enc: ageEncrypt(dataKey, recipient, true).toString('utf8') }],
      lastmodified,
      mac: encryptValue(mac, dataKey, lastmodified),
      unencrypted_suffix: '_unencrypted',
      version: '3.8.1',
    },
  });
}
