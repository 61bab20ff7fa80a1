/**
 * The secret-digest key guard. A secret's Podman name carries a keyed digest of its value, so a
 * plan made with another key (a fresh `--state-dir`, a lost `secret-digest.key`) sees every
 * secret as new: it would create each again under a new name and recreate every container that
 * uses one. Podman's secrets say which key named them (the `io.phoenix.secret-key` label, a key
 * id, never the key); when the key in use is not that one, the plan is refused unless the
 * operator asked for it (`--rekey`). Pure: the planner calls it.
 */
import type { DesiredSecret } from '../model/desired.js';
import { LABEL } from '../model/desired.js';
import type { ObservedSecret } from '../model/observed.js';

/** Where the key the plan is made with lives, and whether a different key was accepted. */
export interface SecretKeyGuard {
  /** The state directory in use (named in the refusal: the key it holds is not the one Podman's secrets were made with). */
  readonly stateDir: string;
  /** `--rekey`: new versions under this key are wanted, their consumers recreated. */
  readonly rekey: boolean;
}

/** A secret the key in use would rename: the versions Podman has were made with another key. */
export interface RekeyedSecret {
  readonly secret: DesiredSecret;
  /** The key ids Podman's versions of it carry. */
  readonly observedKeyIds: readonly string[];
}

/**
 * The secrets the plan would create again only because the key changed: a Phoenix secret (not a
 * config, whose digest is unkeyed) whose wanted version is not in Podman, while every version
 * Podman has of it was labelled with another key id. Versions without the label (made before
 * Phoenix labelled them) count as legacy and never refuse.
 */
export function rekeyedSecrets(desired: readonly DesiredSecret[], observed: readonly ObservedSecret[], owns: (labels: Readonly<Record<string, string>>) => boolean): RekeyedSecret[] {
  const out: RekeyedSecret[] = [];
  for (const secret of desired) {
    const keyId = secret.labels[LABEL.secretKey];
    if (secret.external || secret.config === true || secret.valueUnknown === true || keyId === undefined) continue;
    if (observed.some((s) => s.name === secret.podmanName)) continue;
    const versions = observed.filter((s) => owns(s.labels) && s.labels[LABEL.config] === undefined && s.labels[LABEL.secret] === secret.name);
    const ids = [...new Set(versions.flatMap((s) => (s.labels[LABEL.secretKey] === undefined ? [] : [s.labels[LABEL.secretKey]!])))];
    if (ids.length > 0 && !ids.includes(keyId)) out.push({ secret, observedKeyIds: ids });
  }
  return out;
}

/** The refusal's message: which secrets, which key ids, which state directory. */
export function keyChangedMessage(project: string, environment: string, rekeyed: readonly RekeyedSecret[], guard: SecretKeyGuard): string {
  const keyId = rekeyed[0]!.secret.labels[LABEL.secretKey];
  const observedIds = [...new Set(rekeyed.flatMap((r) => r.observedKeyIds))].join(', ');
  const names = rekeyed.map((r) => `"${r.secret.name}"`).join(', ');
  return (
    `the secrets of ${project}/${environment} in Podman (${names}) were made with another secret-digest key (key id ${observedIds}) ` +
    `than the one in the state directory ${guard.stateDir} (key id ${keyId}): with it every such secret would get a new name and every container using one would be recreated.`
  );
}

/** The refusal's remedy. */
export function keyChangedRemediation(guard: SecretKeyGuard): string {
  return (
    `Use the state directory that holds the original key (--state-dir or PHOENIX_STATE_DIR), or copy that directory's secret-digest.key into ${guard.stateDir} (mode 0600); ` +
    'or pass --rekey to accept new secret versions under this key and the recreation of the containers that use them.'
  );
}
