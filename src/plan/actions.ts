import type { ContainerSpec, DependencyCondition, DesiredNetwork, DesiredSecret, DesiredVolume, HealthCheckSpec, ImageBuild } from '../model/desired.js';

/** The container an action creates: its name, owner service and replica, spec and labels. */
export interface ContainerIntent {
  readonly name: string;
  readonly service: string;
  readonly replica: number;
  readonly spec: ContainerSpec;
  /** Every label to put on it, ownership and config hash included. */
  readonly labels: Readonly<Record<string, string>>;
}

/** Before starting, wait until these containers of a dependency meet the condition. */
export interface DependencyWait {
  readonly service: string;
  readonly containers: readonly string[];
  readonly condition: DependencyCondition;
  /** When false, a dependency that never meets it does not fail this start. */
  readonly required: boolean;
  /** The dependency's health check, which Phoenix runs itself for service_healthy (Podman's timers need systemd). */
  readonly healthcheck: HealthCheckSpec | null;
}

/** One field that differs between what was applied and what is desired. */
export interface FieldChange {
  readonly op: 'add' | 'remove' | 'replace';
  /** Dotted path into the container spec, e.g. `environment.LOG_LEVEL`. */
  readonly path: string;
  /** Absent for an add, or when sensitive. */
  readonly before?: unknown;
  /** Absent for a remove, or when sensitive. */
  readonly after?: unknown;
  /** Secret material: shown only as `(sensitive)`. */
  readonly sensitive: boolean;
}

interface ActionBase {
  /** Position in the plan, from 1; stable for the same inputs. */
  readonly id: number;
  /** Why it is needed, in words the dry-run report shows. */
  readonly cause: string;
  /** Ids of the actions that must finish first. */
  readonly dependsOn: readonly number[];
}

/** Everything a plan can ask the executor to do. The executor dispatches on `kind` and decides nothing. */
export type Action =
  /** Builds an image with `podman build`, labelled with its build digest; `service` is the service it is built for. */
  | (ActionBase & { readonly kind: 'image.build'; readonly service: string; readonly build: ImageBuild })
  /** Pulls an image reference; `tlsVerify: false` for a registry the policy marks insecure. */
  | (ActionBase & { readonly kind: 'image.pull'; readonly image: string; readonly services: readonly string[]; readonly tlsVerify: boolean })
  | (ActionBase & { readonly kind: 'network.create'; readonly network: DesiredNetwork })
  | (ActionBase & { readonly kind: 'network.remove'; readonly name: string })
  | (ActionBase & { readonly kind: 'volume.create'; readonly volume: DesiredVolume })
  | (ActionBase & { readonly kind: 'volume.remove'; readonly name: string })
  | (ActionBase & { readonly kind: 'secret.create'; readonly secret: DesiredSecret })
  | (ActionBase & {
      readonly kind: 'secret.remove';
      readonly name: string;
      /** The logical secret (or config) it is a version of. */
      readonly secret: string;
      /** Set when the Podman secret holds a Compose config. */
      readonly config?: true;
    })
  | (ActionBase & { readonly kind: 'container.create'; readonly container: ContainerIntent })
  | (ActionBase & { readonly kind: 'container.start'; readonly name: string; readonly service: string; readonly awaits: readonly DependencyWait[] })
  | (ActionBase & { readonly kind: 'container.stop'; readonly name: string; readonly service: string; readonly timeoutSeconds: number })
  | (ActionBase & {
      readonly kind: 'container.recreate';
      readonly container: ContainerIntent;
      /** The container it replaces; the replacement is created before it is removed. */
      readonly replaces: { readonly id: string; readonly name: string; readonly timeoutSeconds: number };
      readonly changes: readonly FieldChange[];
    })
  | (ActionBase & { readonly kind: 'container.remove'; readonly name: string; readonly containerId: string; readonly service: string | null; readonly timeoutSeconds: number });

export type ActionKind = Action['kind'];

/** The kind of Podman object an action touches and its name. */
export interface ResourceRef {
  readonly type: 'image' | 'network' | 'volume' | 'secret' | 'container';
  readonly name: string;
}

/** The object an action touches. */
export function resourceOf(action: Action): ResourceRef {
  switch (action.kind) {
    case 'image.build':
      return { type: 'image', name: action.build.image };
    case 'image.pull':
      return { type: 'image', name: action.image };
    case 'network.create':
      return { type: 'network', name: action.network.podmanName };
    case 'volume.create':
      return { type: 'volume', name: action.volume.podmanName };
    case 'secret.create':
      return { type: 'secret', name: action.secret.podmanName };
    case 'network.remove':
      return { type: 'network', name: action.name };
    case 'volume.remove':
      return { type: 'volume', name: action.name };
    case 'secret.remove':
      return { type: 'secret', name: action.name };
    case 'container.create':
    case 'container.recreate':
      return { type: 'container', name: action.container.name };
    case 'container.start':
    case 'container.stop':
    case 'container.remove':
      return { type: 'container', name: action.name };
  }
}

/** Actions that destroy something: a person confirms them, and the report marks them. */
export function isDestructive(action: Action): boolean {
  return action.kind.endsWith('.remove') || action.kind === 'container.recreate';
}

/** Problems that stop a plan from being made at all. */
export interface PlanIssue {
  readonly code: 'PHX-PLAN-NAME-CONFLICT' | 'PHX-PLAN-EXTERNAL-MISSING' | 'PHX-PLAN-IMAGE-MISSING' | 'PHX-SECRET-KEY-CHANGED';
  readonly resource: ResourceRef;
  readonly message: string;
  readonly remediation: string;
}

/** A warning the report shows without stopping the plan. */
export interface PlanWarning {
  readonly resource: ResourceRef;
  readonly message: string;
}

/** Counts by what happens, for the summary line. */
export interface PlanSummary {
  /** Images built; absent when none (plans without images keep their JSON form). */
  readonly build?: number;
  /** Images pulled; absent when none. */
  readonly pull?: number;
  readonly create: number;
  readonly recreate: number;
  readonly start: number;
  readonly stop: number;
  readonly remove: number;
}

/** The version of the plan's JSON form; bumped on any incompatible change. */
export const PLAN_FORMAT_VERSION = 1;

/** What must happen for one environment to converge, in dependency order. */
export interface Plan {
  readonly formatVersion: typeof PLAN_FORMAT_VERSION;
  readonly project: string;
  readonly environment: string;
  /** Ordered so that every action comes after those it depends on. */
  readonly actions: readonly Action[];
  readonly warnings: readonly PlanWarning[];
  readonly summary: PlanSummary;
  /** Digest of the observed state the plan was made against; a saved plan is refused when it changed. */
  readonly observedFingerprint: string;
}
