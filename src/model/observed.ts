/**
 * What Podman is really running, as one snapshot: the shape `podman ps -a --format json`,
 * `podman network ls`, `podman volume ls`, `podman secret ls` and `podman image inspect` fill
 * with a handful of calls, whatever the number of services.
 */

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'stopped' | 'dead' | 'removing' | 'unknown';

export type HealthStatus = 'healthy' | 'unhealthy' | 'starting' | 'none';

/** A port Podman publishes for a container (what `podman ps` shows under PORTS). */
export interface PublishedPort {
  /** Host address it is bound to, '' for all. */
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerPort: number;
  /** How many consecutive ports from hostPort/containerPort (1 for one). */
  readonly range: number;
  readonly protocol: string;
}

export interface ObservedContainer {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly state: ContainerState;
  /** Exit code of the last run; null while it has never exited. */
  readonly exitCode: number | null;
  /** Image reference as created. */
  readonly image: string;
  /** Id of the image it was created from. */
  readonly imageId: string;
  readonly startedAt: string | null;
  readonly health: HealthStatus;
  readonly restartCount: number;
  /** Published ports, for `phoenix ps`; absent when it publishes none (or in older snapshots). */
  readonly ports?: readonly PublishedPort[];
}

export interface ObservedNetwork {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Its subnets (CIDR), for sizing new networks clear of them; absent when not observed (older snapshots). */
  readonly subnets?: readonly string[];
}

export interface ObservedVolume {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ObservedSecret {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ObservedState {
  readonly containers: readonly ObservedContainer[];
  readonly networks: readonly ObservedNetwork[];
  readonly volumes: readonly ObservedVolume[];
  readonly secrets: readonly ObservedSecret[];
  /** Image id behind each image reference the desired state uses; absent or null when not present locally. */
  readonly images: Readonly<Record<string, string | null>>;
  /** Labels of the image behind each reference (a built image's build digest); absent when not observed. */
  readonly imageLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** When Phoenix last pulled each reference (ms since the epoch), from its state directory; for `pull_policy: daily` and the like. */
  readonly imagePulledAt?: Readonly<Record<string, number>>;
  /**
   * Services an operator stopped with `phoenix stop` (service name -> when, ISO 8601), from the
   * state directory: Podman cannot label a container after the fact, so the intent is kept
   * there and handed to the pure planner and verdict as input. Absent or empty: none.
   */
  readonly stoppedServices?: Readonly<Record<string, string>>;
}

/** An observed state with nothing in it: planning against it plans everything. */
export const EMPTY_OBSERVED: ObservedState = { containers: [], networks: [], volumes: [], secrets: [], images: {} };
