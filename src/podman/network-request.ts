/**
 * The libpod REST API's network-create body (`POST /libpod/networks/create`) for a desired
 * network: the network `podman network create` makes from networkCreateArgs (create-args.ts),
 * without the podman process. Pure. `podman network create` turns DNS on for the networks it
 * makes (the API leaves it off unless asked) and pairs gateways with subnets in the order
 * networkCreateArgs writes them; both are repeated. Allocation ranges, which podman network
 * create turns into a lease range itself, and drivers other than bridge are left to it.
 */
import type { DesiredNetwork } from '../model/desired.js';
import { orderedSubnets } from './create-args.js';

/** The body, or why this network is created with `podman network create` instead. */
export type NetworkRequest = { readonly ok: true; readonly body: Readonly<Record<string, unknown>> } | { readonly ok: false; readonly reason: string };

/** The create request for `network`, or the reason it goes to `podman network create`. */
export function networkRequest(network: DesiredNetwork): NetworkRequest {
  if (network.driver !== 'bridge') return { ok: false, reason: `the ${network.driver} driver is left to podman network create` };
  if (network.ipRanges !== undefined && Object.keys(network.ipRanges).length > 0) return { ok: false, reason: 'ip_range is turned into a lease range by podman network create' };
  const subnets = orderedSubnets(network).map((subnet) => ({ subnet, ...(network.gateways?.[subnet] === undefined ? {} : { gateway: network.gateways[subnet] }) }));
  return {
    ok: true,
    body: {
      name: network.podmanName,
      driver: network.driver,
      options: { ...network.options },
      labels: { ...network.labels },
      internal: network.internal,
      ipv6_enabled: network.ipv6 === true,
      dns_enabled: true,
      ...(subnets.length > 0 ? { subnets } : {}),
      ...(network.ipamDriver === undefined ? {} : { ipam_options: { driver: network.ipamDriver } }),
    },
  };
}
