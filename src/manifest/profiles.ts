import type { ManifestIssue } from '../model/issue.js';
import type { ComposeDraft, ServiceDraft } from './compose-draft.js';
import { dependenciesOf, serviceReference, volumesFromService } from './implicit-dependencies.js';

/** The profile name that activates every profile, as in Compose. */
export const ALL_PROFILES = '*';

/** Where the active profiles come from, most specific first. */
export interface ProfileSources {
  /** `--profile` flags; when given, `COMPOSE_PROFILES` is not read (Compose's rule). */
  readonly flags: readonly string[];
  /** The `COMPOSE_PROFILES` variable (comma-separated), from the process or the environment's variables. */
  readonly composeProfiles: string | undefined;
  /** The environment file's `profiles:`, always active. */
  readonly environment: readonly string[];
}

/**
 * The active profiles: the environment file's own, plus the `--profile` flags, or when no flag
 * is given the comma-separated `COMPOSE_PROFILES`. The environment's profiles are part of its
 * declared state, so the command line can add to them but not take them away.
 */
export function activeProfiles(sources: ProfileSources): string[] {
  const fromCommandLine = sources.flags.length > 0 ? sources.flags : (sources.composeProfiles ?? '').split(',');
  const names = [...sources.environment, ...fromCommandLine].map((name) => name.trim()).filter((name) => name !== '');
  return [...new Set(names)].sort();
}

/** Whether a service is part of the environment under the active profiles. */
export function serviceActive(service: ServiceDraft, active: readonly string[]): boolean {
  const profiles = service.profiles ?? [];
  if (profiles.length === 0) return true;
  return active.includes(ALL_PROFILES) || profiles.some((profile) => active.includes(profile.value));
}

/** A merged environment with the services its active profiles leave out taken away. */
export interface ProfileSelection {
  readonly draft: ComposeDraft;
  /** Services declared but not active: their containers are neither created nor pruned. */
  readonly inactive: readonly string[];
  readonly issues: readonly ManifestIssue[];
}

/** Which key of `service` refers to `dependency`, for messages. */
function referringKey(service: ServiceDraft, dependency: string): string {
  if (service.dependsOn?.has(dependency) === true) return `depends_on.${dependency}`;
  if ((service.links ?? []).some((link) => link.value.name === dependency)) return 'links';
  if ((service.volumesFrom ?? []).some((entry) => volumesFromService(entry.value) === dependency)) return 'volumes_from';
  for (const key of ['pid', 'ipc'] as const) if (serviceReference(service.options?.get(key)?.value[key]) === dependency) return key;
  return 'network_mode';
}

/**
 * Keeps the services the active profiles enable. An active service that refers to one left
 * out (`depends_on`, `links`, `volumes_from`, `service:NAME` in network_mode, pid or ipc) is an
 * error: Compose's rule, a reference never enables a service by itself. A `depends_on` marked
 * `required: false` is dropped instead.
 */
export function selectProfiles(merged: ComposeDraft, active: readonly string[]): ProfileSelection {
  const inactive = [...merged.services.values()].filter((service) => !serviceActive(service, active)).map((service) => service.name);
  if (inactive.length === 0) return { draft: merged, inactive, issues: [] };
  const left = new Set(inactive);
  const issues: ManifestIssue[] = [];
  const shown = active.length === 0 ? 'no profile is active' : `the active profiles are ${active.join(', ')}`;
  const services = new Map<string, ServiceDraft>();
  for (const service of merged.services.values()) {
    if (left.has(service.name)) continue;
    let kept = service;
    for (const [dependency, entry] of dependenciesOf(service)) {
      if (!left.has(dependency)) continue;
      const optional = service.dependsOn?.get(dependency)?.value.required === false;
      if (!optional) {
        const profiles = (merged.services.get(dependency)?.profiles ?? []).map((p) => p.value);
        const key = referringKey(service, dependency);
        issues.push({
          code: 'PHX-PROFILE-DEPENDENCY',
          severity: 'error',
          location: entry.location,
          path: `services.${service.name}.${key}`,
          message: `service "${service.name}" ${key.startsWith('depends_on') ? 'depends on' : `refers to (${key})`} "${dependency}", which is left out: it belongs to the profiles ${profiles.join(', ')} and ${shown}.`,
          remediation: `Activate one of its profiles (--profile ${profiles[0] ?? ''}, COMPOSE_PROFILES or the environment's profiles:), give "${service.name}" the same profiles${key.startsWith('depends_on') ? ', or mark the dependency required: false' : ''}.`,
        });
      }
      kept = withoutReferencesTo(kept, dependency);
    }
    services.set(service.name, kept);
  }
  return { draft: { ...merged, services }, inactive: inactive.sort(), issues };
}

/**
 * The service without its references to a service left out: reported once as
 * PHX-PROFILE-DEPENDENCY (or dropped as optional), they must not come back as "not defined".
 */
function withoutReferencesTo(service: ServiceDraft, dependency: string): ServiceDraft {
  const out: ServiceDraft = { ...service };
  if (service.dependsOn?.has(dependency) === true) {
    out.dependsOn = new Map(service.dependsOn);
    out.dependsOn.delete(dependency);
  }
  if (service.links !== undefined) out.links = service.links.filter((link) => link.value.name !== dependency);
  if (service.volumesFrom !== undefined) out.volumesFrom = service.volumesFrom.filter((entry) => volumesFromService(entry.value) !== dependency);
  if (serviceReference(service.networkMode) === dependency) out.networkMode = undefined;
  if (service.options !== undefined) {
    out.options = new Map(service.options);
    for (const key of ['pid', 'ipc'] as const) if (serviceReference(service.options.get(key)?.value[key]) === dependency) out.options.delete(key);
  }
  return out;
}
