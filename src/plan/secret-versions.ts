/**
 * Read-only and removal commands (status, restart, down, ps, logs, ...) need no secret values:
 * a secret whose value cannot be read where Phoenix runs has an empty digest, which would make
 * every consumer's config hash differ from what it was created with, a false drift. Such a
 * secret is taken as the version Podman runs instead. Pure: no I/O.
 */
import type { ConfigMount, ContainerSpec, ContentSource, DesiredSecret, DesiredService, DesiredState, SecretMount } from '../model/desired.js';
import { LABEL } from '../model/desired.js';
import { canonicalJson, digestOf } from '../model/hash.js';
import type { ObservedContainer, ObservedState } from '../model/observed.js';

/** A secret or config whose value this command could not read, and the version it was taken as. */
export interface UnknownSecretVersion {
  /** Its name in the manifests. */
  readonly name: string;
  /** True for a Compose config (kept as a Podman secret). */
  readonly config: boolean;
  /** Where its value would come from (a variable or a file): names only, never a value. */
  readonly source: ContentSource | null;
  /**
   * The versioned Podman secret taken as its version, or null when Podman has no version of it
   * for this environment (its consumers then compare as they are: missing or drifted).
   */
  readonly takenAs: string | null;
}

/** The desired state with unknown secret versions replaced by the observed ones, and what was replaced. */
export interface SecretVersionsTaken {
  readonly desired: DesiredState;
  readonly unknown: readonly UnknownSecretVersion[];
}

interface Version {
  readonly podmanName: string;
  readonly digest: string;
}

/** `secret:NAME` or `config:NAME`: a config and a secret may share a name. */
function keyOf(config: boolean, name: string): string {
  return `${config ? 'config' : 'secret'}:${name}`;
}

/** The secret and config versions a container was created with, from its applied-spec label. */
function appliedVersions(container: ObservedContainer): Map<string, Version> {
  const out = new Map<string, Version>();
  let applied: unknown;
  try {
    applied = JSON.parse(container.labels[LABEL.appliedSpec] ?? 'null');
  } catch {
    return out;
  }
  if (applied === null || typeof applied !== 'object') return out;
  for (const [field, nameKey, config] of [['secrets', 'secret', false], ['configs', 'config', true]] as const) {
    const list = (applied as Record<string, unknown>)[field];
    if (!Array.isArray(list)) continue;
    for (const item of list as unknown[]) {
      if (item === null || typeof item !== 'object') continue;
      const { [nameKey]: name, podmanName, digest } = item as Record<string, unknown>;
      if (typeof name === 'string' && typeof podmanName === 'string' && typeof digest === 'string') out.set(keyOf(config, name), { podmanName, digest });
    }
  }
  return out;
}

/** The version most of the environment's containers use (ties: the first name), else its only Podman secret. */
function environmentVersion(key: string, containers: readonly Map<string, Version>[], observed: ObservedState, owns: (labels: Readonly<Record<string, string>>) => boolean): Version | null {
  const uses = new Map<string, { version: Version; count: number }>();
  for (const versions of containers) {
    const version = versions.get(key);
    if (version === undefined) continue;
    const entry = uses.get(version.podmanName) ?? { version, count: 0 };
    uses.set(version.podmanName, { version, count: entry.count + 1 });
  }
  const ranked = [...uses.values()].sort((a, b) => b.count - a.count || a.version.podmanName.localeCompare(b.version.podmanName));
  if (ranked.length > 0) return ranked[0]!.version;
  // No container holds it: the one version Podman keeps, if there is exactly one.
  const logicalKey = (labels: Readonly<Record<string, string>>): string => {
    const config = labels[LABEL.config];
    return config !== undefined ? keyOf(true, config) : keyOf(false, labels[LABEL.secret] ?? '');
  };
  const kept = observed.secrets.filter((s) => owns(s.labels) && logicalKey(s.labels) === key);
  return kept.length === 1 ? { podmanName: kept[0]!.name, digest: kept[0]!.labels[LABEL.secretDigest] ?? '' } : null;
}

/** The service with its spec changed: its config hash and the labels that carry the spec follow. */
function withSpec(service: DesiredService, spec: ContainerSpec): DesiredService {
  const configHash = digestOf(spec);
  return { ...service, spec, configHash, ownerLabels: { ...service.ownerLabels, [LABEL.configHash]: configHash, [LABEL.appliedSpec]: canonicalJson(spec) } };
}

/**
 * Takes each secret (and config) whose value could not be read (`valueUnknown`) as the version
 * Podman runs: for a service, the version its own containers were created with (replica 1
 * first); otherwise the version most of the environment's containers use, or the one Podman
 * secret of the environment holding it. A service's config hash is then what it would be had
 * the value been the observed one, so an unavailable value never shows as drift. States
 * without unknown secrets are returned unchanged.
 */
export function takeObservedSecretVersions(desired: DesiredState, observed: ObservedState): SecretVersionsTaken {
  const unknownSecrets = desired.secrets.filter((s) => s.valueUnknown === true && !s.external);
  if (unknownSecrets.length === 0) return { desired, unknown: [] };
  const owns = (labels: Readonly<Record<string, string>>): boolean => labels[LABEL.project] === desired.project && labels[LABEL.environment] === desired.environment;
  const byName = new Map(observed.containers.filter((c) => owns(c.labels)).map((c) => [c.name, appliedVersions(c)]));
  const envVersions = new Map<string, Version | null>(unknownSecrets.map((s) => [keyOf(s.config === true, s.name), environmentVersion(keyOf(s.config === true, s.name), [...byName.values()], observed, owns)]));

  const services = desired.services.map((service) => {
    const own = service.containerNames.map((name) => byName.get(name)).filter((v) => v !== undefined);
    const versionFor = (key: string): Version | null => own.map((versions) => versions.get(key)).find((v) => v !== undefined) ?? envVersions.get(key) ?? null;
    let changed = false;
    const take = <M extends SecretMount | ConfigMount>(mount: M, key: string): M => {
      if (!envVersions.has(key)) return mount;
      const version = versionFor(key);
      if (version === null) return mount;
      changed = true;
      return { ...mount, podmanName: version.podmanName, digest: version.digest };
    };
    const secrets = service.spec.secrets.map((m) => take(m, keyOf(false, m.secret)));
    const configs = service.spec.configs?.map((m) => take(m, keyOf(true, m.config)));
    if (!changed) return service;
    return withSpec(service, { ...service.spec, secrets, ...(configs === undefined ? {} : { configs }) });
  });

  const secrets = desired.secrets.map((secret): DesiredSecret => {
    const version = envVersions.get(keyOf(secret.config === true, secret.name));
    if (secret.valueUnknown !== true || version === undefined || version === null) return secret;
    return { ...secret, podmanName: version.podmanName, digest: version.digest, labels: { ...secret.labels, [LABEL.secretDigest]: version.digest } };
  });
  const unknown = unknownSecrets.map((s): UnknownSecretVersion => ({ name: s.name, config: s.config === true, source: s.source, takenAs: envVersions.get(keyOf(s.config === true, s.name))?.podmanName ?? null }));
  return { desired: { ...desired, services, secrets }, unknown };
}
