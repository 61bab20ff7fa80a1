import type { ErrorObject } from 'ajv';

/**
 * Whether the mapping an `additionalProperties` error came from accepts `x-` extension keys:
 * its schema (the error's parentSchema; the validators are compiled verbose) has the `^x-`
 * pattern. The schema marks exactly the mappings where the Compose Specification allows
 * extensions, so the unknown-key message suggests `x-` only where it would be accepted.
 */
export function extensionAllowed(error: ErrorObject): boolean {
  const patterns = (error.parentSchema as { patternProperties?: Record<string, unknown> } | undefined)?.patternProperties;
  return patterns !== undefined && Object.hasOwn(patterns, '^x-');
}
