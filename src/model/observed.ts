/**
 * What Podman is really running, as one snapshot: the shape `podman ps -a --format json`,
 * `podman network ls`, `podman volume ls`, `podman secret ls` and `podman image inspect` fill
 * with a handful of calls, whatever the number of services.
 */

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'stopped' | 'dead' | 'removing' | 'unknown';

export type HealthStatus = 'healthy' | 'unhealthy' | 'starting' | 'none';

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
}

/** An observed state with nothing in it: planning against it plans everything. */
export const EMPTY_OBSERVED: ObservedState = { containers: [], networks: [], volumes: [], secrets: [], images: {} };
