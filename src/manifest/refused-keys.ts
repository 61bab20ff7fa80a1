/**
 * Compose keys Phoenix refuses, with the reason: what Podman (4.3) or a single host cannot do,
 * and what to write instead. They are left out of the JSON Schema, so the schema check meets
 * them as unknown keys and reports PHX-UNSUPPORTED-KEY with this reason instead of
 * PHX-UNKNOWN-KEY. docs/manifest.md lists each of them.
 */
import type { KeyContext } from './key-context.js';

/** Why a key is refused, and what to do instead. */
export interface Refusal {
  readonly reason: string;
  readonly remediation: string;
}

const WINDOWS_ONLY = 'it applies to Windows containers only';

/** Refused keys by the mapping they are written in. */
export const REFUSED_KEYS: Readonly<Partial<Record<KeyContext, Readonly<Record<string, Refusal>>>>> = {
  top: {
    models: { reason: 'models run on Docker Model Runner, which Podman does not have', remediation: 'Run the model server as an ordinary service with an image.' },
  },
  service: {
    isolation: { reason: WINDOWS_ONLY, remediation: 'Remove it; Linux containers have no isolation modes.' },
    credential_spec: { reason: `${WINDOWS_ONLY} (group managed service accounts)`, remediation: 'Remove it.' },
    cpu_count: { reason: WINDOWS_ONLY, remediation: 'Use cpus (a number of CPUs, possibly fractional).' },
    cpu_percent: { reason: WINDOWS_ONLY, remediation: 'Use cpus (a number of CPUs, possibly fractional).' },
    domainname: {
      reason: 'Podman 4.3 cannot set a container\'s NIS domain name: it has no --domainname flag and refuses the kernel.domainname sysctl',
      remediation: 'Remove it; to resolve a fully qualified name, set `hostname:` and an `extra_hosts:` entry.',
    },
    storage_opt: { reason: 'Podman 4.3 has no per-container storage options (`podman create` has no --storage-opt)', remediation: 'Remove it, or set storage options for all of Podman in storage.conf.' },
    post_start: {
      reason: 'Podman 4.3 has no lifecycle hooks for a container, and Phoenix runs no commands inside containers',
      remediation: 'Run the command from the container\'s entrypoint (a wrapper script), or as a one-shot service that depends_on this one.',
    },
    pre_stop: {
      reason: 'Podman 4.3 has no lifecycle hooks for a container, and Phoenix runs no commands inside containers',
      remediation: 'Handle the stop signal in the container\'s process (stop_signal, stop_grace_period).',
    },
    gpus: { reason: 'Podman 4.3 has no --gpus flag', remediation: 'Give the GPU with `devices:` and a CDI name, e.g. `devices: [nvidia.com/gpu=all]` (nvidia-container-toolkit generates the CDI spec).' },
    use_api_socket: { reason: 'it mounts the Docker Engine API socket and credentials, which a Podman host does not have', remediation: 'Bind-mount Podman\'s socket explicitly with `volumes:` if the container needs it (and allow the path in the policy).' },
    provider: { reason: 'a provider service is managed by an external Docker Compose plugin, not run as a container', remediation: 'Run the resource as an ordinary service with an image, or create it outside Phoenix.' },
    models: { reason: 'models run on Docker Model Runner, which Podman does not have', remediation: 'Run the model server as an ordinary service and pass its URL in `environment:`.' },
    pull_refresh_after: { reason: 'it belongs to `pull_policy: refresh`, which Phoenix does not have', remediation: 'Use `pull_policy: daily`, `weekly` or `every_<duration>` (e.g. every_12h).' },
  },
  envFile: {
    format: { reason: 'Phoenix reads env files in Compose\'s KEY=VALUE format only', remediation: 'Remove `format:`; write the file as KEY=VALUE lines (quotes and # comments as Compose reads them).' },
  },
  reservations: {
    devices: { reason: 'device reservations are a scheduler feature (Swarm); Podman only maps devices', remediation: 'Map the device with the service\'s `devices:` (a CDI name such as nvidia.com/gpu=all for GPUs).' },
    generic_resources: { reason: 'generic resources are a Swarm scheduler feature; one host has no scheduler', remediation: 'Remove it; map devices with `devices:`.' },
  },
  mountVolume: {
    subpath: { reason: 'Podman 4.3 cannot mount a subdirectory of a named volume', remediation: 'Mount the whole volume at a path and point the program at the subdirectory, or use a bind mount.' },
  },
  mountBind: {
    recursive: { reason: 'Podman 4.3 has no option for recursive read-only bind mounts', remediation: 'Remove it; use `read_only: true` for the mount.' },
  },
  networkAttachment: {
    link_local_ips: { reason: 'Podman 4.3 cannot give a container link-local addresses', remediation: 'Remove it.' },
    driver_opts: { reason: 'Podman 4.3 has no per-attachment driver options', remediation: 'Set options on the network itself (`driver_opts:` under top-level `networks:`).' },
    gw_priority: { reason: 'Podman 4.3 cannot choose which network gives a container its default gateway', remediation: 'Remove it; Podman takes the default route from the first network.' },
  },
  ipamConfig: {
    aux_addresses: { reason: 'Podman\'s IPAM cannot reserve auxiliary addresses in a subnet', remediation: 'Remove it; use `ip_range` to keep container addresses out of part of the subnet.' },
  },
  secret: {
    driver: { reason: 'secret drivers belong to Swarm; Podman\'s secrets are stored by Phoenix from a file or a variable', remediation: 'Give the secret a `file:` or `environment:` source.' },
    driver_opts: { reason: 'secret drivers belong to Swarm', remediation: 'Give the secret a `file:` or `environment:` source.' },
    template_driver: { reason: 'Phoenix does not template secret contents', remediation: 'Render the file before Phoenix reads it.' },
    labels: { reason: 'Phoenix puts its own ownership labels on the Podman secrets it creates and takes no others', remediation: 'Remove it.' },
  },
  config: {
    template_driver: { reason: 'Phoenix does not template config contents (a Swarm feature)', remediation: 'Render the file before Phoenix reads it, or write `content:` with ${VAR} interpolation.' },
    labels: { reason: 'a config is kept as a Podman secret, which carries Phoenix\'s ownership labels and no others', remediation: 'Remove it.' },
  },
};

/** The refusal of `key` written in a mapping of `context`, if it is refused. */
export function refusalOf(context: KeyContext, key: string): Refusal | undefined {
  const table = REFUSED_KEYS[context];
  return table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}
