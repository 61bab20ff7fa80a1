/**
 * `phoenix config`: the environment as Phoenix will apply it, merged, interpolated and with
 * every default explicit, in the spirit of `docker compose config`. It is the desired state
 * (src/model/desired.ts) in its own field names, keyed by name: secrets appear as sources and
 * keyed digests, never as values. Pure: no I/O.
 */
import type { ContainerSpec, DesiredSecret, DesiredService, DesiredState } from '../model/desired.js';

/** What `digest` says of a secret or config whose value could not be read here. */
export const UNKNOWN_DIGEST = 'unknown';

/** The config document of one environment. */
export interface ConfigDocument {
  readonly project: string;
  readonly environment: string;
  readonly services: Readonly<Record<string, unknown>>;
  /** Declared services whose profiles are not active; absent when every service is. */
  readonly inactiveServices?: readonly string[];
  readonly networks: Readonly<Record<string, unknown>>;
  readonly volumes: Readonly<Record<string, unknown>>;
  readonly secrets: Readonly<Record<string, unknown>>;
  readonly configs: Readonly<Record<string, unknown>>;
}

/** A secret or config mount as applied; the version of one whose value is unknown is unknown too. */
function mountVersion<M extends { readonly podmanName: string; readonly digest: string }>(mount: M): M {
  return mount.digest === '' ? { ...mount, podmanName: UNKNOWN_DIGEST, digest: UNKNOWN_DIGEST } : mount;
}

function serviceEntry(service: DesiredService): Record<string, unknown> {
  const spec: ContainerSpec = {
    ...service.spec,
    secrets: service.spec.secrets.map(mountVersion),
    ...(service.spec.configs === undefined ? {} : { configs: service.spec.configs.map(mountVersion) }),
  };
  return {
    replicas: service.replicas,
    containerNames: service.containerNames,
    dependsOn: service.dependsOn,
    ...spec,
    ...(service.build === undefined ? {} : { build: service.build }),
    ...(service.pullPolicy === undefined ? {} : { pullPolicy: service.pullPolicy }),
    // Unknown secret versions make the hash unknown too: it is the one apply computes with the value.
    configHash: spec.secrets.some((m) => m.digest === UNKNOWN_DIGEST) || spec.configs?.some((m) => m.digest === UNKNOWN_DIGEST) === true ? UNKNOWN_DIGEST : service.configHash,
  };
}

/** Where a secret's value comes from, by name only (an encrypted source names its file, its SOPS key and where its age key is). */
function sourceEntry(source: NonNullable<DesiredSecret['source']>): Record<string, unknown> {
  switch (source.kind) {
    case 'file':
      return { file: source.path };
    case 'environment':
      return { environment: source.variable };
    case 'content':
      return { content: source.text };
    case 'age':
    case 'sops': {
      const key = source.identity.kind === 'file' ? { key_file: source.identity.path } : { key_environment: source.identity.variable };
      return source.kind === 'age' ? { age: source.path, ...key } : { sops: source.path, key: source.key, ...key };
    }
  }
}

/** A secret or config: its Podman name, source (a variable or file name, or a config's content) and digest. */
function secretEntry(secret: DesiredSecret): Record<string, unknown> {
  if (secret.external) return { podmanName: secret.podmanName, external: true };
  const unknown = secret.valueUnknown === true || secret.digest === '';
  const source = secret.source === null ? null : sourceEntry(secret.source);
  return {
    podmanName: unknown ? UNKNOWN_DIGEST : secret.podmanName,
    external: false,
    source,
    // A secret's digest is keyed (HMAC-SHA-256 under the state directory's key); a config's is plain SHA-256.
    digest: unknown ? UNKNOWN_DIGEST : `${secret.config === true ? 'sha256' : 'hmac-sha256'}:${secret.digest}`,
  };
}

/** The environment's config document; `serviceNames` limits services to those (all when empty). */
export function configDocument(desired: DesiredState, serviceNames: readonly string[] = []): ConfigDocument {
  const services = serviceNames.length === 0 ? desired.services : desired.services.filter((s) => serviceNames.includes(s.name));
  const byName = <T extends { readonly name: string }>(items: readonly T[], entry: (item: T) => unknown): Record<string, unknown> => Object.fromEntries(items.map((item) => [item.name, entry(item)]));
  return {
    project: desired.project,
    environment: desired.environment,
    services: byName(services, serviceEntry),
    ...(desired.inactiveServices === undefined || desired.inactiveServices.length === 0 ? {} : { inactiveServices: desired.inactiveServices }),
    networks: byName(desired.networks, ({ name: _name, ...network }) => network),
    volumes: byName(desired.volumes, ({ name: _name, ...volume }) => volume),
    secrets: byName(desired.secrets.filter((s) => s.config !== true), secretEntry),
    configs: byName(desired.secrets.filter((s) => s.config === true), secretEntry),
  };
}
