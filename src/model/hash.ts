import { createHash, createHmac } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth, so that two values equal as data give the
 * same text whatever their key order, YAML formatting or anchors were.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const child = (value as Record<string, unknown>)[key];
      if (child !== undefined) out[key] = sortKeys(child);
    }
    return out;
  }
  return value;
}

/** SHA-256 of the canonical JSON of `value`, as 64 hex digits. */
export function digestOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/**
 * Computes keyed digests of secret contents. A plain SHA-256 of a short password can be
 * reversed by trying candidates; an HMAC under a key only Phoenix's state directory holds
 * cannot, so the digest may appear in labels and plans.
 */
export class SecretDigester {
  /** @param key the HMAC key (at least 32 random bytes, kept in the state directory) */
  constructor(private readonly key: Uint8Array) {}

  /** HMAC-SHA-256 of a secret's content, bound to its name, as 64 hex digits. */
  digest(secretName: string, content: Uint8Array | string): string {
    return createHmac('sha256', this.key).update(secretName).update('\0').update(content).digest('hex');
  }

  /**
   * A short id of the key (16 hex digits of an HMAC of a constant under it): it tells two keys
   * apart, so that Podman's secrets can say which key named them, but says nothing of the key.
   */
  keyId(): string {
    return createHmac('sha256', this.key).update(KEY_ID_CONSTANT).digest('hex').slice(0, 16);
  }
}

/** What a key id is the HMAC of: fixed, so that one key always has the same id. */
const KEY_ID_CONSTANT = 'phoenix secret-digest key id v1';
