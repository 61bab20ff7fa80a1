/**
 * Compose keys Phoenix accepts and does nothing with, with the reason. The schema accepts them;
 * the normaliser reports each as a note (PHX-KEY-IGNORED) so the user knows it has no effect.
 * docs/manifest.md lists each of them.
 */

/** What is ignored and why, and what to do if the effect is wanted. */
export interface IgnoredKey {
  readonly message: string;
  readonly remediation: string;
  /** Only this value (or any value when absent) is ignored. */
  readonly when?: (value: unknown) => boolean;
}

/** A note to report about one written key. */
export interface IgnoredKeyNote {
  readonly key: string;
  readonly message: string;
  readonly remediation: string;
}

const SWARM = 'it configures Swarm, which schedules services across many hosts; Phoenix runs containers on one host';

/** Ignored keys by the mapping they are written in. */
export const IGNORED_KEYS: Readonly<Record<string, Readonly<Record<string, IgnoredKey>>>> = {
  service: {
    attach: { message: 'attach only chooses whose output `docker compose up` prints; Phoenix runs every container detached', remediation: 'Read a service\'s output with `phoenix logs`.' },
    develop: { message: 'develop configures `docker compose watch`, a development loop; Phoenix reconciles from the manifests', remediation: 'Remove it, or keep it for `docker compose watch`.' },
  },
  deploy: {
    mode: { message: 'on one host, mode global runs one container, as `replicas: 1` does', remediation: 'Remove it, or set `replicas:`.', when: (value) => value !== 'replicated' },
    endpoint_mode: { message: `endpoint_mode ${SWARM.replace('it configures', 'belongs to')}; Podman's DNS answers a service name with each replica's address`, remediation: 'Remove it.' },
    labels: { message: `deploy.labels label the Swarm service, not its containers: ${SWARM}`, remediation: 'Put container labels under the service\'s `labels:`.' },
    update_config: { message: `update_config ${SWARM.slice(3)}: Phoenix replaces a changed container as its plan says`, remediation: 'Remove it.' },
    rollback_config: { message: `rollback_config ${SWARM.slice(3)}`, remediation: 'Remove it; roll back by applying the previous manifests.' },
    placement: { message: `placement ${SWARM.slice(3)}`, remediation: 'Remove it.' },
  },
  port: {
    name: { message: 'a port\'s name is only a label for people reading the file', remediation: 'Keep it as documentation, or remove it.' },
    app_protocol: { message: 'app_protocol is a hint for tools; Podman publishes the port whatever the protocol spoken', remediation: 'Keep it as documentation, or remove it.' },
    mode: { message: 'ingress mode is Swarm\'s routing mesh; Podman publishes the port on this host (host mode)', remediation: 'Remove it, or write `mode: host`.', when: (value) => value !== 'host' },
  },
  mount: {
    consistency: { message: 'consistency tunes file sharing on Docker Desktop for macOS; a Linux bind mount is always consistent', remediation: 'Remove it.' },
  },
  mountVolume: {
    labels: { message: 'labels for a volume created by the mount are not applied: Phoenix creates named volumes from the top-level `volumes:`', remediation: 'Put the labels on the volume under top-level `volumes:`.' },
  },
  network: {
    attachable: { message: 'attachable matters only for Swarm overlay networks; any container on this host may join a Podman network', remediation: 'Remove it.' },
    enable_ipv4: { message: 'Podman 4.3 always gives a bridge network IPv4 addresses', remediation: 'Remove it.', when: (value) => value === true || value === 'true' },
  },
  ipam: {
    // Hydra's podman-compose.yaml puts a bridge option here; Docker passes it to its default
    // IPAM driver, which ignores it, so refusing the key would refuse a file Docker runs.
    options: { message: "Podman 4.3's IPAM drivers take no options (Docker's default IPAM driver ignores them too)", remediation: 'Remove it; bridge options such as com.docker.network.bridge.* belong under the network\'s `driver_opts:`.' },
  },
  networkAttachment: {
    priority: { message: 'Podman 4.3 connects a container to its networks in name order and has no priority between them', remediation: 'Remove it.' },
  },
};

/** The notes for the ignored keys written in `raw`, a mapping of kind `context`. */
export function ignoredKeyNotes(context: string, raw: Record<string, unknown>): IgnoredKeyNote[] {
  const table = IGNORED_KEYS[context] ?? {};
  return Object.entries(table)
    .filter(([key, entry]) => raw[key] !== undefined && (entry.when === undefined || entry.when(raw[key])))
    .map(([key, entry]) => ({ key, message: entry.message, remediation: entry.remediation }));
}
