/**
 * The normalised desired state of one environment: what Phoenix wants Podman to run. Every
 * default is explicit and every name is the real Podman name, so that the planner never has
 * to know a Compose rule.
 */
import type { Severity } from '../events/event-types.js';

/** Labels Phoenix puts on every object it owns; the controller keeps no other state. */
export const LABEL = {
  managedBy: 'io.phoenix.managed-by',
  project: 'io.phoenix.project',
  environment: 'io.phoenix.environment',
  service: 'io.phoenix.service',
  replica: 'io.phoenix.replica',
  configHash: 'io.phoenix.config-hash',
  /** Canonical JSON of the applied container spec (secrets only as keyed digests): the "last applied" record diffs are made against. */
  appliedSpec: 'io.phoenix.applied-spec',
  network: 'io.phoenix.network',
  volume: 'io.phoenix.volume',
  secret: 'io.phoenix.secret',
  secretDigest: 'io.phoenix.secret-digest',
  /**
   * On a Podman secret (not a config): the id of the secret-digest key that named it
   * (SecretDigester.keyId, never the key), so that a plan made with another state directory's
   * key is refused instead of renaming every secret (PHX-SECRET-KEY-CHANGED).
   */
  secretKey: 'io.phoenix.secret-key',
  /** On the Podman secret that holds a Compose config: the config's name (instead of `secret`). */
  config: 'io.phoenix.config',
  revision: 'io.phoenix.revision',
  /** Services this one depends on, comma-separated: lets removals run in reverse order after the manifest forgot them. */
  dependsOn: 'io.phoenix.depends-on',
  /** On a built image: the digest of the build's inputs it was built from (build-inputs.ts). */
  buildDigest: 'io.phoenix.build-digest',
  /** On a built image: a digest per input (file or group), as JSON, so that a plan can name what changed. */
  buildInputs: 'io.phoenix.build-inputs',
  /**
   * On a container `phoenix run` made for a one-off job (value: the service): never a
   * service's replica, so the planner neither counts it as drift nor prunes it; `down` removes it.
   */
  oneOff: 'io.phoenix.one-off',
} as const;

/** The value of the `io.phoenix.managed-by` label. */
export const MANAGED_BY = 'phoenix';

/** Labels podman-compose and docker-compose put on their containers; used for adoption. */
export const COMPOSE_LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  containerNumber: 'com.docker.compose.container-number',
} as const;

export type RestartPolicy = 'no' | 'always' | 'on-failure' | 'unless-stopped';

export type DependencyCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface PortMapping {
  /** Host address to bind, '' for all. */
  readonly hostIp: string;
  /** Host port or range ("8080", "8000-8010"); '' lets Podman choose. */
  readonly published: string;
  /** Container port or range. */
  readonly target: string;
  readonly protocol: 'tcp' | 'udp';
}

export type Mount =
  | {
      readonly type: 'volume';
      readonly source: string;
      readonly target: string;
      readonly readOnly: boolean;
      /** Do not copy the image's files into a new volume; absent when not asked for. */
      readonly noCopy?: true;
    }
  | {
      readonly type: 'bind';
      /** Absolute host path. */
      readonly source: string;
      readonly target: string;
      readonly readOnly: boolean;
      /** SELinux relabel option ('z' shared, 'Z' private), '' for none. */
      readonly selinux: '' | 'z' | 'Z';
      readonly createHostPath: boolean;
      /** Mount propagation (rshared, ...); absent for Podman's default. */
      readonly propagation?: string;
    }
  | { readonly type: 'anonymous'; readonly target: string; readonly readOnly: boolean }
  | {
      readonly type: 'tmpfs';
      readonly target: string;
      readonly sizeBytes: number | null;
      /** Other tmpfs mount options (mode=1777, noexec, ...) in the order written; absent when none. */
      readonly options?: readonly string[];
    };

export interface NetworkAttachment {
  /** Real Podman network name. */
  readonly network: string;
  readonly aliases: readonly string[];
  readonly ipv4Address: string | null;
  /** Absent unless the manifest sets them. */
  readonly ipv6Address?: string;
  readonly macAddress?: string;
  readonly interfaceName?: string;
}

export interface HealthCheckSpec {
  /** The check in Podman form, e.g. `['CMD-SHELL', 'wget -q -O- localhost/health']`. */
  readonly test: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly startPeriodMs: number;
  readonly startIntervalMs: number;
}

export interface SecretMount {
  /** Logical secret name in the manifests. */
  readonly secret: string;
  /** Versioned Podman secret name the container is given. */
  readonly podmanName: string;
  /** Keyed digest of the content (HMAC-SHA-256), never the content. */
  readonly digest: string;
  /** Absolute path in the container. */
  readonly target: string;
  readonly uid: string;
  readonly gid: string;
  readonly mode: number;
}

/** A Compose config mounted as a file: like a secret mount, but its digest is a plain content digest. */
export interface ConfigMount {
  /** Config name in the manifests. */
  readonly config: string;
  /** Versioned Podman secret name the container is given. */
  readonly podmanName: string;
  /** SHA-256 of the content (not secret, so not keyed). */
  readonly digest: string;
  /** Absolute path in the container. */
  readonly target: string;
  readonly uid: string;
  readonly gid: string;
  readonly mode: number;
}

/** One resource limit (`ulimit`): the soft and the hard value. */
export interface Ulimit {
  readonly soft: number;
  readonly hard: number;
}

/** Where a container's output goes: Podman's log driver and its options. */
export interface LoggingSpec {
  /** null: Podman's default driver (k8s-file). */
  readonly driver: string | null;
  readonly options: Readonly<Record<string, string>>;
}

/**
 * The Compose service keys added after the first release. Every field is optional and left
 * undefined when the manifest does not set it (booleans only when true), so that the config
 * hash of a container that uses none of them is what it was before they existed: upgrading
 * Phoenix recreates nothing.
 */
export interface ContainerOptions {
  readonly shmSizeBytes?: number;
  /** By resource name (nofile, nproc, ...). */
  readonly ulimits?: Readonly<Record<string, Ulimit>>;
  readonly dns?: readonly string[];
  readonly dnsSearch?: readonly string[];
  readonly dnsOptions?: readonly string[];
  readonly sysctls?: Readonly<Record<string, string>>;
  /** Podman form `HOST[:CONTAINER[:PERMISSIONS]]` (or a CDI name). */
  readonly devices?: readonly string[];
  readonly deviceCgroupRules?: readonly string[];
  readonly logging?: LoggingSpec;
  readonly stdinOpen?: true;
  readonly tty?: true;
  readonly platform?: string;
  readonly pid?: string;
  readonly ipc?: string;
  readonly uts?: string;
  /** Compose `cgroup`: the cgroup namespace, host or private. */
  readonly cgroupns?: string;
  readonly cgroupParent?: string;
  readonly groupAdd?: readonly string[];
  /** Memory plus swap; -1 for unlimited swap. */
  readonly memorySwapBytes?: number;
  readonly memoryReservationBytes?: number;
  readonly memorySwappiness?: number;
  readonly cpuShares?: number;
  readonly cpuQuota?: number;
  readonly cpuPeriod?: number;
  readonly cpuRtPeriod?: number;
  readonly cpuRtRuntime?: number;
  readonly cpuset?: string;
  readonly pidsLimit?: number;
  readonly oomScoreAdj?: number;
  readonly oomKillDisable?: true;
  readonly macAddress?: string;
  readonly annotations?: Readonly<Record<string, string>>;
  /** OCI runtime (podman --runtime), e.g. runc or crun. */
  readonly runtime?: string;
  /** Ports the container documents (`--expose`), as `PORT[-PORT]/PROTOCOL`. */
  readonly expose?: readonly string[];
  /** Containers whose volumes this one mounts, `NAME[:ro|rw]` with real container names. */
  readonly volumesFrom?: readonly string[];
  readonly blkioWeight?: number;
  /** `DEVICE:WEIGHT`. */
  readonly blkioWeightDevices?: readonly string[];
  /** `DEVICE:RATE` each. */
  readonly deviceReadBps?: readonly string[];
  readonly deviceReadIops?: readonly string[];
  readonly deviceWriteBps?: readonly string[];
  readonly deviceWriteIops?: readonly string[];
}

/**
 * Everything that shapes a container. Its canonical JSON is the config hash's input, so a
 * field belongs here exactly when a change to it needs a new container.
 */
export interface ContainerSpec extends ContainerOptions {
  readonly image: string;
  /** null: the image's own. */
  readonly entrypoint: readonly string[] | null;
  readonly command: readonly string[] | null;
  /** After env_file and environment are merged; env_file values are therefore covered by the hash. */
  readonly environment: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly PortMapping[];
  readonly mounts: readonly Mount[];
  readonly networks: readonly NetworkAttachment[];
  /** 'bridge' (attach to `networks`), 'host', 'none', or `container:NAME`. */
  readonly networkMode: string;
  /** null: no check (disabled, or the image defines none we know of). */
  readonly healthcheck: HealthCheckSpec | null;
  readonly restart: RestartPolicy;
  /** For on-failure:N; 0 means unlimited. */
  readonly restartMaxRetries: number;
  readonly user: string | null;
  readonly workingDir: string | null;
  readonly hostname: string | null;
  readonly extraHosts: readonly string[];
  readonly init: boolean;
  readonly readOnly: boolean;
  readonly privileged: boolean;
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly securityOpt: readonly string[];
  readonly usernsMode: string | null;
  /** CPUs as a decimal number; null for no limit. */
  readonly cpus: number | null;
  readonly memoryBytes: number | null;
  /** null: the image's own STOPSIGNAL (SIGTERM when it has none). */
  readonly stopSignal: string | null;
  readonly stopGracePeriodSeconds: number;
  readonly secrets: readonly SecretMount[];
  /** Absent when the service mounts no config, so that specs from before configs keep their hash. */
  readonly configs?: readonly ConfigMount[];
}

export interface ServiceDependency {
  readonly service: string;
  readonly condition: DependencyCondition;
  /** When false, a dependency that fails to come up does not block this service. */
  readonly required: boolean;
  /** When true, this service is restarted whenever the dependency is recreated. */
  readonly restart: boolean;
}

/**
 * When Phoenix pulls a service's image (Compose's `pull_policy`): `missing` only when it is not
 * present, `always` on every apply, `never` not at all (an absent image is an error), `every`
 * when Phoenix's last pull of it is older than the interval (`daily`, `weekly`, `every_12h`),
 * `build` never (the image is built).
 */
export type PullPolicy = { readonly mode: 'missing' | 'always' | 'never' | 'build' } | { readonly mode: 'every'; readonly intervalMs: number };

/** Where a build's Dockerfile comes from. */
export type DockerfileSource = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'inline'; readonly text: string };

/** How to build a service's image (Compose's `build:`), with every path absolute. */
export interface ImageBuild {
  /** The image reference the result is tagged with (the service's `image`). */
  readonly image: string;
  /** More tags (`build.tags`). */
  readonly tags: readonly string[];
  /** Absolute path of the context folder. */
  readonly context: string;
  readonly dockerfile: DockerfileSource;
  readonly args: Readonly<Record<string, string>>;
  readonly target: string | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly network: string | null;
  /** `host:ip` entries. */
  readonly extraHosts: readonly string[];
  readonly shmSizeBytes: number | null;
  readonly cacheFrom: readonly string[];
  readonly noCache: boolean;
  /** Pull base images on every build. */
  readonly pull: boolean;
  /** Digest of everything the result depends on (context files after .dockerignore, Dockerfile, args, target, ...). */
  readonly digest: string;
  /** A digest per input (a file, a group of files, the Dockerfile, the args, ...), for naming what changed. */
  readonly inputs: Readonly<Record<string, string>>;
}

export interface DesiredService {
  /** The Compose service name. */
  readonly name: string;
  readonly replicas: number;
  /** Podman container names, index 0 is replica 1. */
  readonly containerNames: readonly string[];
  readonly dependsOn: readonly ServiceDependency[];
  readonly spec: ContainerSpec;
  /** Digest of the canonical spec; see hash.ts. */
  readonly configHash: string;
  /** Labels put on its containers (ownership, config hash, applied spec). */
  readonly ownerLabels: Readonly<Record<string, string>>;
  /** How its image is built; absent when it is not (it is pulled or already present). */
  readonly build?: ImageBuild;
  /** When its image is pulled; absent means `missing` (Compose's default). */
  readonly pullPolicy?: PullPolicy;
}

export interface DesiredNetwork {
  /** Name in the manifests. */
  readonly name: string;
  /** Real Podman name. */
  readonly podmanName: string;
  /** Not created or removed by Phoenix: it must exist. */
  readonly external: boolean;
  readonly driver: string;
  /** Driver options (`--opt`). */
  readonly options: Readonly<Record<string, string>>;
  readonly internal: boolean;
  readonly subnets: readonly string[];
  /** Gateway of a subnet, by subnet; absent when no subnet names one. */
  readonly gateways?: Readonly<Record<string, string>>;
  /** Range container addresses are allocated from, by subnet; absent when none is given. */
  readonly ipRanges?: Readonly<Record<string, string>>;
  /** IPAM driver (`--ipam-driver`); absent for Podman's default. */
  readonly ipamDriver?: string;
  /** IPv6 enabled (`--ipv6`); absent when not asked for. */
  readonly ipv6?: true;
  readonly labels: Readonly<Record<string, string>>;
  readonly configHash: string;
}

export interface DesiredVolume {
  readonly name: string;
  readonly podmanName: string;
  readonly external: boolean;
  readonly driver: string;
  readonly driverOpts: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly configHash: string;
}

export type SecretSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'environment'; readonly variable: string }
  /** An age-encrypted file (binary or armored), decrypted with an age identity only when its value is needed. */
  | { readonly kind: 'age'; readonly path: string; readonly identity: AgeIdentitySource; readonly declaredAt: string }
  /** One value of a SOPS file encrypted for age (`key`: its dotted path, e.g. `db.password`). */
  | { readonly kind: 'sops'; readonly path: string; readonly key: string; readonly identity: AgeIdentitySource; readonly declaredAt: string };

/**
 * Where the age identity (`AGE-SECRET-KEY-1...`) that decrypts a secret comes from: a key file
 * (age-keygen's output) or a variable of Phoenix's own environment holding the key.
 */
export type AgeIdentitySource = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'environment'; readonly variable: string };

/**
 * Where a Podman secret object's content comes from: a secret's source, or, only for a config
 * (never for a secret), its content itself: inline `content:`, or the value of the variable
 * an `environment:` config names, read when loading.
 */
export type ContentSource = SecretSource | { readonly kind: 'content'; readonly text: string };

export interface DesiredSecret {
  readonly name: string;
  /** Versioned Podman name, `<project>-<env>-<name>-<digest prefix>`: a new content is a new secret. */
  readonly podmanName: string;
  readonly external: boolean;
  /** Where the executor reads the value; never the value itself (a config's content excepted). */
  readonly source: ContentSource | null;
  readonly digest: string;
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Set when this Podman secret holds a Compose config (Podman has no configs; a mounted
   * secret is the same file). A config is not secret: its digest is a plain SHA-256 and its
   * content may be shown. Absent for real secrets.
   */
  readonly config?: true;
  /**
   * Set when the value could not be read where Phoenix runs (an unset variable, a missing
   * file) and the command does not need it: read-only and removal commands, validate. The
   * digest is then empty until plan/secret-versions.ts takes the version Podman runs.
   */
  readonly valueUnknown?: true;
}

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
}

export interface HealthPolicy {
  readonly maxRestarts: number;
  readonly windowMs: number;
  readonly backoff: Backoff;
}

export interface SecurityPolicy {
  readonly allowPrivileged: boolean;
  readonly allowHostNetwork: boolean;
  /** Whether services may share the host's PID, IPC, UTS, cgroup or user namespace (`pid: host`, ...). */
  readonly allowHostNamespaces: boolean;
  readonly allowedCapabilities: readonly string[];
  /** Absolute host paths (and everything below them) that bind mounts and volumes with a bind `device` may use. */
  readonly allowedHostPaths: readonly string[];
  /** Whether services may join a container this environment does not make (`network_mode`/`pid`/`ipc: container:NAME`, `volumes_from`). */
  readonly allowForeignContainers: boolean;
  /** Absolute host device paths (and everything below them) that `devices:` may give. */
  readonly allowedDevices: readonly string[];
  /** Whether a bind mount may reach the Podman or Docker API socket (root on the host to whoever holds it). */
  readonly allowRuntimeSocket: boolean;
  /** Whether `security_opt` may turn off seccomp, AppArmor or SELinux labelling (or unmask /proc and /sys). */
  readonly allowUnconfined: boolean;
  /** Whether `security_opt: [no-new-privileges:false]` may turn off the environment's no-new-privileges. */
  readonly allowNewPrivileges: boolean;
  /** Absolute folders outside the environment's own where secret and config `file:` sources may lie. */
  readonly allowedSecretPaths: readonly string[];
  /**
   * Absolute folders outside the environment's own where a service's `build.context` (and a
   * Dockerfile outside it) may lie: building reads those host files into an image. Absent
   * unless set, so that a desired state's digest stays as it was.
   */
  readonly allowedBuildContexts?: readonly string[];
  /** User namespace mode (`--userns`) of every container whose service sets no `userns_mode`; absent: Podman's default. */
  readonly userns?: string;
  /** Every container gets `no-new-privileges` unless its service says `no-new-privileges:false`; absent: off. */
  readonly noNewPrivileges?: true;
  /** Capabilities every container drops (`ALL` for all), on top of its service's `cap_drop`; absent: none. */
  readonly capDrop?: readonly string[];
}

/** CPU and memory thresholds per container; a null limit is not checked. */
export interface ThresholdLimits {
  readonly cpuPercent: number | null;
  readonly memoryBytes: number | null;
}

export interface ThresholdPolicy extends ThresholdLimits {
  readonly sustainedMs: number;
  /** Per-service overrides. */
  readonly services: Readonly<Record<string, Partial<ThresholdLimits>>>;
}

/** Which events a sink takes (empty lists take all). */
export interface SinkFilter {
  readonly types: readonly string[];
  readonly environments: readonly string[];
  readonly services: readonly string[];
  /** Severities that pass; absent or empty: all. */
  readonly severities?: readonly Severity[];
}

/** A command run for each matching event (`policy.events.commands`). */
export interface CommandSinkPolicy {
  /** Program and arguments; a relative program path is resolved against the environment file's folder. */
  readonly command: readonly [string, ...string[]];
  /** The environment file's folder: where the command runs. */
  readonly cwd: string;
  readonly timeoutMs: number;
  readonly maxConcurrent: number;
  readonly filter: SinkFilter;
}

export interface EventsPolicy {
  readonly file: { readonly path: string; readonly maxSizeBytes: number; readonly keep: number; readonly filter: SinkFilter } | null;
  readonly webhooks: readonly { readonly url: string; readonly filter: SinkFilter }[];
  readonly commands: readonly CommandSinkPolicy[];
}

export interface TelemetryPolicy {
  readonly host: string;
  readonly port: number;
  /** Host header names accepted besides IP literals and localhost (`allowed_hosts`); absent: none. */
  readonly allowedHosts?: readonly string[];
}

export interface Policy {
  readonly prune: boolean;
  readonly resyncIntervalMs: number;
  readonly health: HealthPolicy;
  readonly security: SecurityPolicy;
  readonly thresholds: ThresholdPolicy;
  readonly events: EventsPolicy;
  readonly telemetry: TelemetryPolicy;
  /** Registries (`host[:port]`) pulled from without TLS verification (`policy.registries.insecure`); absent means none. */
  readonly insecureRegistries?: readonly string[];
  /** Watch mode pulls every pulled image this often and recreates on a moved tag (`policy.image_updates`); absent: off. */
  readonly imageUpdates?: { readonly intervalMs: number };
  /** How a rollout is judged and undone (`policy.rollout`); absent: the defaults of ROLLOUT_DEFAULTS (src/manifest/policy.ts). */
  readonly rollout?: RolloutPolicy;
}

/** `policy.rollout`: the deadline of a rollout, whether a failed one is rolled back, how much history is kept. */
export interface RolloutPolicy {
  /** How long the services a revision touched have to become healthy. */
  readonly timeoutMs: number;
  /** Roll a revision whose touched services do not become healthy in time back to the last healthy revision. */
  readonly autoRollback: boolean;
  /** Revisions kept in the history (the oldest go first). */
  readonly keepRevisions: number;
}

export interface DesiredState {
  readonly project: string;
  readonly environment: string;
  /** Sorted by name. */
  readonly services: readonly DesiredService[];
  readonly networks: readonly DesiredNetwork[];
  readonly volumes: readonly DesiredVolume[];
  readonly secrets: readonly DesiredSecret[];
  readonly policy: Policy;
  /**
   * Services the manifests declare but whose profiles are not active. Like Compose, Phoenix
   * neither creates nor prunes their containers (they are not orphans); `down` removes them.
   * Absent when every declared service is active.
   */
  readonly inactiveServices?: readonly string[];
}
