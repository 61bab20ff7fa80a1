import type { ManifestIssue } from '../model/issue.js';
import type { ComposeDraft, ServiceDraft } from './compose-draft.js';

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

/**
 * Keeps the services the active profiles enable. An active service that depends on one left
 * out is an error (Compose's rule: a reference never enables a service by itself), unless the
 * dependency is `required: false`, which is then dropped; so is a `network_mode: service:NAME`
 * on a service left out.
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
    let dependsOn = service.dependsOn;
    for (const [dependency, entry] of service.dependsOn ?? []) {
      if (!left.has(dependency)) continue;
      if (entry.value.required) {
        const profiles = (merged.services.get(dependency)?.profiles ?? []).map((p) => p.value).join(', ');
        issues.push({
          code: 'PHX-PROFILE-DEPENDENCY',
          severity: 'error',
          location: entry.location,
          path: `services.${service.name}.depends_on.${dependency}`,
          message: `service "${service.name}" depends on "${dependency}", which is left out: it belongs to the profiles ${profiles} and ${shown}.`,
          remediation: `Activate one of its profiles (--profile ${profiles.split(', ')[0] ?? ''}, COMPOSE_PROFILES or the environment's profiles:), give "${service.name}" the same profiles, or mark the dependency required: false.`,
        });
      }
      dependsOn = new Map(dependsOn);
      dependsOn.delete(dependency);
    }
    const sharedWith = service.networkMode?.startsWith('service:') === true ? service.networkMode.slice('service:'.length) : null;
    if (sharedWith !== null && left.has(sharedWith)) {
      issues.push({
        code: 'PHX-PROFILE-DEPENDENCY',
        severity: 'error',
        location: service.fieldLocations.get('network_mode') ?? service.location,
        path: `services.${service.name}.network_mode`,
        message: `service "${service.name}" shares the network of "${sharedWith}", which is left out by its profiles (${shown}).`,
        remediation: `Activate a profile of "${sharedWith}", or give "${service.name}" the same profiles.`,
      });
    }
    services.set(service.name, dependsOn === service.dependsOn ? service : { ...service, dependsOn });
  }
  return { draft: { ...merged, services }, inactive: inactive.sort(), issues };
}
