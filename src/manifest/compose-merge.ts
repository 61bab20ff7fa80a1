import { mergeBuildDrafts } from './build-draft.js';
import type { BuildDraft } from './build-draft.js';
import type { ContainerOptions } from '../model/desired.js';
import type { ComposeDraft, HealthcheckDraft, KeyedDraft, Located, ResourceDraft, ServiceDraft } from './compose-draft.js';
import { optionRow } from './service-options.js';

/**
 * Merges Compose drafts in order, the way Compose merges `-f` files: mappings merge key by
 * key, sequences append (ports, volumes and secrets unique by their key, the later winning),
 * command, entrypoint and healthcheck.test are replaced, scalars take the last value.
 * `!reset` removes what earlier files set; `!override` replaces instead of merging.
 */
export function mergeComposeDrafts(drafts: readonly ComposeDraft[]): ComposeDraft {
  const [first, ...rest] = drafts;
  if (first === undefined) throw new Error('mergeComposeDrafts needs at least one draft');
  let merged: ComposeDraft = cloneDraft(first);
  for (const overlay of rest) merged = mergeTwo(merged, overlay);
  for (const resources of [merged.networks, merged.volumes, merged.secrets, merged.configs] as Map<string, ResourceDraft<object>>[]) {
    for (const [name, resource] of resources) if (resource.value === 'reset') resources.delete(name);
  }
  return merged;
}

function cloneDraft(draft: ComposeDraft): ComposeDraft {
  return {
    file: draft.file,
    services: new Map([...draft.services].map(([name, service]) => [name, mergeService(emptyService(service), service)])),
    networks: new Map(draft.networks),
    volumes: new Map(draft.volumes),
    secrets: new Map(draft.secrets),
    configs: new Map(draft.configs),
  };
}

function emptyService(like: ServiceDraft): ServiceDraft {
  return { name: like.name, location: like.location, fieldLocations: new Map(), resetFields: new Set(), overrideFields: new Set() };
}

function mergeTwo(base: ComposeDraft, overlay: ComposeDraft): ComposeDraft {
  const services = new Map(base.services);
  for (const [name, service] of overlay.services) {
    const earlier = services.get(name);
    services.set(name, mergeService(earlier ?? emptyService(service), service));
  }
  return {
    file: base.file,
    services,
    networks: mergeResources(base.networks, overlay.networks),
    volumes: mergeResources(base.volumes, overlay.volumes),
    secrets: mergeResources(base.secrets, overlay.secrets),
    configs: mergeResources(base.configs, overlay.configs),
  };
}

function mergeResources<T extends object>(base: Map<string, ResourceDraft<T>>, overlay: Map<string, ResourceDraft<T>>): Map<string, ResourceDraft<T>> {
  const out = new Map(base);
  for (const [name, entry] of overlay) {
    const earlier = out.get(name)?.value;
    if (entry.value === 'reset' || earlier === undefined || earlier === 'reset') out.set(name, entry);
    else out.set(name, { location: entry.location, value: { ...earlier, ...entry.value } });
  }
  return out;
}

type MutableService = { -readonly [K in keyof ServiceDraft]: ServiceDraft[K] };

const KEYED_FIELDS = ['environment', 'ports', 'volumes', 'networks', 'dependsOn', 'labels', 'secrets', 'configs', 'extraHosts'] as const;
const LIST_FIELDS = ['envFiles', 'capAdd', 'capDrop', 'securityOpt', 'tmpfs', 'profiles', 'labelFiles', 'links', 'externalLinks', 'volumesFrom'] as const;
const FIELD_NAMES: Record<string, string> = {
  environment: 'environment',
  ports: 'ports',
  volumes: 'volumes',
  networks: 'networks',
  dependsOn: 'depends_on',
  labels: 'labels',
  secrets: 'secrets',
  configs: 'configs',
  extraHosts: 'extra_hosts',
  envFiles: 'env_file',
  capAdd: 'cap_add',
  capDrop: 'cap_drop',
  securityOpt: 'security_opt',
  tmpfs: 'tmpfs',
  healthcheck: 'healthcheck',
  stopGracePeriodMs: 'stop_grace_period',
  workingDir: 'working_dir',
  usernsMode: 'userns_mode',
  pullPolicy: 'pull_policy',
  labelFiles: 'label_file',
  externalLinks: 'external_links',
  volumesFrom: 'volumes_from',
  memoryBytes: 'mem_limit',
};

/**
 * Merges one service's overlay onto what earlier files said (or, for `extends`, onto the
 * service it extends); returns a new draft.
 */
export function mergeService(base: ServiceDraft, overlay: ServiceDraft): ServiceDraft {
  const out: MutableService = {
    ...base,
    location: base.fieldLocations.size === 0 ? overlay.location : base.location,
    fieldLocations: new Map([...base.fieldLocations, ...overlay.fieldLocations]),
    resetFields: new Set(),
    overrideFields: new Set(),
  };
  const target = out as unknown as Record<string, unknown>;
  const source = overlay as unknown as Record<string, unknown>;
  const composeName = (field: string): string => FIELD_NAMES[field] ?? field;
  for (const [field, value] of Object.entries(source)) {
    if (['name', 'location', 'fieldLocations', 'resetFields', 'overrideFields'].includes(field) || value === undefined) continue;
    const replace = overlay.overrideFields.has(composeName(field));
    if ((KEYED_FIELDS as readonly string[]).includes(field) && !replace) {
      const earlier = target[field] as KeyedDraft<unknown> | undefined;
      target[field] = new Map([...(earlier ?? []), ...(value as KeyedDraft<unknown>)]);
    } else if ((LIST_FIELDS as readonly string[]).includes(field) && !replace) {
      const earlier = (target[field] as Located<unknown>[] | undefined) ?? [];
      target[field] = appendUnique(earlier, value as Located<unknown>[]);
    } else if (field === 'build' && !replace && target[field] !== undefined) {
      target[field] = mergeBuildDrafts(target[field] as BuildDraft, value as BuildDraft);
    } else if (field === 'options') {
      target[field] = mergeOptions(out.options, overlay.options!, overlay.overrideFields);
    } else if (field === 'healthcheck' && !replace) {
      target[field] = { ...(target[field] as HealthcheckDraft | undefined), ...(value as HealthcheckDraft) };
    } else {
      target[field] = value;
    }
  }
  for (const reset of overlay.resetFields) {
    const field = Object.entries(FIELD_NAMES).find(([, name]) => name === reset)?.[0] ?? camel(reset);
    delete target[field];
    if (out.options !== undefined) {
      const options = new Map(out.options);
      for (const key of options.keys()) if (key === reset || key.startsWith(`${reset}.`)) options.delete(key);
      out.options = options;
    }
    if (reset === 'deploy' || reset === 'scale') delete target.replicas;
    if (reset === 'deploy') {
      delete target.cpus;
      delete target.memoryBytes;
    }
  }
  return out;
}

/** Merges container options key by key with each key's rule (service-options.ts); `!override` replaces. */
function mergeOptions(
  earlier: ReadonlyMap<string, Located<ContainerOptions>> | undefined,
  later: ReadonlyMap<string, Located<ContainerOptions>>,
  overrides: ReadonlySet<string>,
): Map<string, Located<ContainerOptions>> {
  const out = new Map(earlier ?? []);
  for (const [key, entry] of later) {
    const before = out.get(key);
    const rule = overrides.has(key) || before === undefined ? 'replace' : (optionRow(key)?.merge ?? 'replace');
    if (rule === 'replace' && key === 'logging' && before !== undefined && !overrides.has(key)) {
      out.set(key, { location: entry.location, value: mergeLogging(before.value, entry.value) });
    } else if (rule === 'replace') {
      out.set(key, entry);
    } else {
      const merged: Record<string, unknown> = { ...before!.value };
      for (const [field, value] of Object.entries(entry.value)) {
        const old = merged[field];
        merged[field] = rule === 'append' ? [...new Set([...((old as unknown[] | undefined) ?? []), ...(value as unknown[])])] : { ...(old as object | undefined), ...(value as object) };
      }
      out.set(key, { location: entry.location, value: merged as ContainerOptions });
    }
  }
  return out;
}

/** Compose: the same driver (or none named later) merges options; another driver replaces the whole. */
function mergeLogging(earlier: ContainerOptions, later: ContainerOptions): ContainerOptions {
  const before = earlier.logging;
  const after = later.logging;
  if (before === undefined || after === undefined) return after === undefined ? earlier : later;
  if (after.driver !== null && after.driver !== before.driver) return later;
  return { logging: { driver: before.driver, options: { ...before.options, ...after.options } } };
}

function appendUnique<T>(earlier: readonly Located<T>[], later: readonly Located<T>[]): Located<T>[] {
  const seen = new Set(earlier.map((entry) => JSON.stringify(entry.value)));
  return [...earlier, ...later.filter((entry) => !seen.has(JSON.stringify(entry.value)))];
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
}
