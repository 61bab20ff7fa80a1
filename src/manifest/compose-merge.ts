import { mergeBuildDrafts } from './build-draft.js';
import type { BuildDraft } from './build-draft.js';
import type { ComposeDraft, HealthcheckDraft, KeyedDraft, Located, ResourceDraft, ServiceDraft } from './compose-draft.js';

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
const LIST_FIELDS = ['envFiles', 'capAdd', 'capDrop', 'securityOpt', 'tmpfs', 'profiles'] as const;
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
    } else if (field === 'healthcheck' && !replace) {
      target[field] = { ...(target[field] as HealthcheckDraft | undefined), ...(value as HealthcheckDraft) };
    } else {
      target[field] = value;
    }
  }
  for (const reset of overlay.resetFields) {
    const field = Object.entries(FIELD_NAMES).find(([, name]) => name === reset)?.[0] ?? camel(reset);
    delete target[field];
    if (reset === 'deploy' || reset === 'scale') delete target.replicas;
    if (reset === 'deploy') {
      delete target.cpus;
      delete target.memoryBytes;
    }
  }
  return out;
}

function appendUnique<T>(earlier: readonly Located<T>[], later: readonly Located<T>[]): Located<T>[] {
  const seen = new Set(earlier.map((entry) => JSON.stringify(entry.value)));
  return [...earlier, ...later.filter((entry) => !seen.has(JSON.stringify(entry.value)))];
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
}
