import type { SourceLocation } from '../model/issue.js';
import type { ContainerOptions, DependencyCondition, PullPolicy } from '../model/desired.js';
import type { BuildDraft } from './build-draft.js';

/**
 * One Compose file after validation, with every field in one canonical shape (lists of
 * `KEY=VALUE` made maps, short port and volume syntax made long) and the location each
 * entry came from. Drafts are what overlays merge; nothing is defaulted yet.
 */
export interface ComposeDraft {
  readonly file: string;
  readonly services: Map<string, ServiceDraft>;
  readonly networks: Map<string, ResourceDraft<NetworkDraft>>;
  readonly volumes: Map<string, ResourceDraft<VolumeDraft>>;
  readonly secrets: Map<string, ResourceDraft<ComposeSecretDraft>>;
  readonly configs: Map<string, ResourceDraft<ComposeConfigDraft>>;
}

/** A value with where it was written. */
export interface Located<T> {
  readonly value: T;
  readonly location: SourceLocation;
}

/** A top-level network, volume or secret: `reset` removes one an earlier file declared. */
export interface ResourceDraft<T> {
  readonly location: SourceLocation;
  readonly value: T | 'reset';
}

export interface NetworkDraft {
  readonly driver?: string;
  readonly driverOpts?: Record<string, string>;
  readonly internal?: boolean;
  readonly subnets?: string[];
  /** By subnet. */
  readonly gateways?: Record<string, string>;
  /** By subnet. */
  readonly ipRanges?: Record<string, string>;
  readonly ipamDriver?: string;
  readonly ipv6?: true;
  readonly external?: boolean;
  readonly name?: string;
  readonly labels?: Record<string, string>;
}

export interface VolumeDraft {
  readonly driver?: string;
  readonly driverOpts?: Record<string, string>;
  readonly external?: boolean;
  readonly name?: string;
  readonly labels?: Record<string, string>;
}

export interface ComposeSecretDraft {
  /** Absolute path. */
  readonly file?: string;
  readonly environment?: string;
  readonly external?: boolean;
  readonly name?: string;
}

export interface ComposeConfigDraft {
  /** Absolute path. */
  readonly file?: string;
  /** Inline content, already interpolated. */
  readonly content?: string;
  readonly environment?: string;
  readonly external?: boolean;
  readonly name?: string;
}

export interface PortDraft {
  readonly hostIp: string;
  readonly published: string;
  readonly target: string;
  readonly protocol: 'tcp' | 'udp';
}

export type VolumeMountDraft =
  | { readonly type: 'volume'; readonly source: string | null; readonly target: string; readonly readOnly: boolean; readonly noCopy?: true }
  | {
      readonly type: 'bind';
      /** Absolute host path. */
      readonly source: string;
      readonly target: string;
      readonly readOnly: boolean;
      readonly selinux: '' | 'z' | 'Z';
      readonly createHostPath: boolean;
      readonly propagation?: string;
    }
  | { readonly type: 'tmpfs'; readonly target: string; readonly sizeBytes: number | null; readonly options?: string[] };

export interface NetworkAttachmentDraft {
  readonly aliases: string[];
  readonly ipv4Address: string | null;
  readonly ipv6Address?: string;
  readonly macAddress?: string;
  readonly interfaceName?: string;
}

export interface DependencyDraft {
  readonly condition: DependencyCondition;
  readonly required: boolean;
  readonly restart: boolean;
}

export interface SecretRefDraft {
  readonly source: string;
  readonly target: string;
  readonly uid: string | null;
  readonly gid: string | null;
  readonly mode: number | null;
}

/** A service's `configs:` entry; `target` is already absolute (default `/<source>`, as Compose). */
export interface ConfigRefDraft {
  readonly source: string;
  readonly target: string;
  readonly uid: string | null;
  readonly gid: string | null;
  readonly mode: number | null;
}

export interface HealthcheckDraft {
  readonly test?: string[];
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly startPeriodMs?: number;
  readonly startIntervalMs?: number;
  readonly disable?: boolean;
}

export interface EnvFileDraft {
  /** Absolute path. */
  readonly path: string;
  readonly required: boolean;
}

/** Map-like fields: an entry set to `null` in environment means "take it from the variables". */
export type KeyedDraft<T> = Map<string, Located<T>>;

/**
 * A service as one file writes it. Absent fields were not written; the merge keeps the
 * earlier file's value for them.
 */
export interface ServiceDraft {
  readonly name: string;
  readonly location: SourceLocation;
  /** Where each written field's key is, for messages about it. */
  readonly fieldLocations: Map<string, SourceLocation>;
  /** Fields an overlay tagged `!reset` (removed) or `!override` (replaced, not merged). */
  readonly resetFields: Set<string>;
  readonly overrideFields: Set<string>;
  image?: string;
  build?: BuildDraft;
  pullPolicy?: PullPolicy;
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: KeyedDraft<string | null>;
  envFiles?: Located<EnvFileDraft>[];
  ports?: KeyedDraft<PortDraft>;
  volumes?: KeyedDraft<VolumeMountDraft>;
  networks?: KeyedDraft<NetworkAttachmentDraft>;
  dependsOn?: KeyedDraft<DependencyDraft>;
  healthcheck?: HealthcheckDraft;
  restart?: string;
  labels?: KeyedDraft<string>;
  user?: string;
  workingDir?: string;
  hostname?: string;
  usernsMode?: string;
  stopSignal?: string;
  containerName?: string;
  networkMode?: string;
  secrets?: KeyedDraft<SecretRefDraft>;
  configs?: KeyedDraft<ConfigRefDraft>;
  capAdd?: Located<string>[];
  capDrop?: Located<string>[];
  securityOpt?: Located<string>[];
  readOnly?: boolean;
  init?: boolean;
  privileged?: boolean;
  replicas?: number;
  cpus?: number;
  memoryBytes?: number;
  stopGracePeriodMs?: number;
  extraHosts?: KeyedDraft<string>;
  tmpfs?: Located<string>[];
  /** Compose profiles the service belongs to; none: always part of the environment. */
  profiles?: Located<string>[];
  /**
   * Container options by the Compose key that set them (service-options.ts), plus
   * `deploy.resources.limits.pids` and `deploy.resources.reservations.memory`.
   */
  options?: Map<string, Located<ContainerOptions>>;
  /** Absolute paths of label files, read when the desired state is built. */
  labelFiles?: Located<string>[];
  /** `links`: the service linked to, and the name it is reached by. */
  links?: Located<LinkDraft>[];
  externalLinks?: Located<LinkDraft>[];
  /** `volumes_from` as written: `[service:|container:]NAME[:ro|rw]`. */
  volumesFrom?: Located<string>[];
}

/** One `links` or `external_links` entry: `NAME[:ALIAS]`. */
export interface LinkDraft {
  readonly name: string;
  readonly alias: string;
}
