import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../model/hash.js';
import type { Plan } from '../plan/actions.js';
import { loadOrCreateStateKey } from '../state/state-key.js';

/** The file in the state directory that holds the key saved plans are signed with. */
export const PLAN_KEY_FILE = 'plan-signing.key';

const SCHEME = 'hmac-sha256:';

/** A saved plan as `plan --out` writes it: the plan's JSON form plus its signature. */
export type SignedPlan = Plan & { readonly signature: string };

/** Why a saved plan's signature does not hold. */
export type SignatureProblem = 'unsigned' | 'mismatch';

/** The plan-signing key of a state directory, created (0600) on first use. */
export function loadOrCreatePlanKey(stateDir: string): Buffer {
  return loadOrCreateStateKey(stateDir, PLAN_KEY_FILE);
}

function mac(plan: unknown, key: Uint8Array): string {
  // Canonical JSON: the signature is about the data, not its indentation or key order.
  return createHmac('sha256', key).update(canonicalJson(plan)).digest('hex');
}

/**
 * Signs a plan with an HMAC-SHA-256 over its canonical JSON. Only a holder of the state
 * directory's key can make a signature `apply --plan` accepts, so an edited plan file (a
 * container made privileged, a foreign container added to the removals) is refused.
 */
export function signPlan(plan: Plan, key: Uint8Array): SignedPlan {
  return { ...plan, signature: `${SCHEME}${mac(plan, key)}` };
}

/**
 * Checks the signature of a parsed saved plan: the plan without its signature when the HMAC
 * matches, else what is wrong. Compared in constant time.
 */
export function verifyPlanSignature(saved: Readonly<Record<string, unknown>>, key: Uint8Array): { readonly ok: true; readonly plan: Plan } | { readonly ok: false; readonly problem: SignatureProblem } {
  const { signature, ...plan } = saved;
  if (typeof signature !== 'string' || !signature.startsWith(SCHEME)) return { ok: false, problem: 'unsigned' };
  const given = Buffer.from(signature.slice(SCHEME.length), 'hex');
  const expected = Buffer.from(mac(plan, key), 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, problem: 'mismatch' };
  return { ok: true, plan: plan as unknown as Plan };
}
