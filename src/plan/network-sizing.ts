/**
 * Networks sized for the environment, decided by the planner: a network Phoenix creates
 * without a subnet gets Podman's /24 (253 containers); when more containers join it, the
 * create asks for a larger subnet of its own, free on this host. The desired network (and
 * its config hash) stays as the manifests say, so nothing is recreated because of the sizing.
 */
import type { DesiredNetwork } from '../model/desired.js';
import type { NetworkLoad } from '../model/network-capacity.js';
import { PODMAN_DEFAULT_PREFIX, describeLoad, ipv4Capacity, networkCapacity, sizedSubnet } from '../model/network-capacity.js';
import type { ObservedNetwork } from '../model/observed.js';

/** The network to create, and what the report should say about its size. */
export interface SizedNetwork {
  readonly network: DesiredNetwork;
  readonly warning: string | null;
}

/**
 * The network as it is to be created: with a subnet that holds every container joining it
 * when it declares none and Podman's default would not; as it is otherwise. `taken` are the
 * subnets of the host's networks, which the new one must not overlap.
 */
export function sizeNetwork(network: DesiredNetwork, load: NetworkLoad | undefined, taken: readonly string[]): SizedNetwork {
  const defaultCapacity = ipv4Capacity(PODMAN_DEFAULT_PREFIX);
  if (network.subnets.length > 0 || load === undefined || load.containers <= defaultCapacity) return { network, warning: null };
  const subnet = sizedSubnet(load.containers, taken);
  if (subnet === null) {
    return {
      network,
      warning: `${load.containers} containers join it (${describeLoad(load)}) but Podman's default /${PODMAN_DEFAULT_PREFIX} holds ${defaultCapacity}, and no free subnet large enough was found: declare one under networks.${network.name}.ipam.config, or spread the services over more networks`,
    };
  }
  return {
    network: { ...network, subnets: [subnet] },
    warning: `created with subnet ${subnet} (${networkCapacity([subnet])} addresses) for the ${load.containers} containers that join it (${describeLoad(load)}); Podman's default /${PODMAN_DEFAULT_PREFIX} holds ${defaultCapacity}`,
  };
}

/**
 * For a network that exists: a warning when it holds fewer addresses than the containers
 * that join it (made before they were that many), so that failing starts are not a mystery.
 */
export function undersizedWarning(network: DesiredNetwork, found: ObservedNetwork, load: NetworkLoad | undefined): string | null {
  if (load === undefined || found.subnets === undefined || found.subnets.length === 0) return null;
  const capacity = networkCapacity(found.subnets);
  if (load.containers <= capacity) return null;
  return `${load.containers} containers join it (${describeLoad(load)}) but its subnet ${found.subnets.join(', ')} holds ${capacity}: ${load.containers - capacity} would fail to start. Remove it (\`phoenix down\`, then apply) so that it is created again with a subnet that holds them${network.subnets.length > 0 ? ', after enlarging the declared subnet' : ''}`;
}
