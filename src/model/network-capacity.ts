/**
 * How many containers a network's subnet holds, how many join it, and a subnet large enough
 * for them: pure arithmetic for validation and the planner. Podman gives a network created
 * without a subnet a /24 of its own pool (253 addresses for containers once the network
 * address, the gateway and the broadcast address are taken): 300 services on the default
 * network made 42 starts fail with an IPAM error, and nothing warned.
 */
import type { DesiredState } from './desired.js';

/** The prefix of the subnet Podman picks for a network created without one. */
export const PODMAN_DEFAULT_PREFIX = 24;

/**
 * Where Phoenix takes a larger subnet from when a network it creates needs one: outside
 * Podman's own pools (10.88.0.0/16 for `podman`, 10.89.0.0/16 for new networks).
 */
export const SIZED_SUBNET_POOL = '10.100.0.0/14';

/** The IPv4 addresses a prefix leaves to containers: less the network, gateway and broadcast addresses. */
export function ipv4Capacity(prefix: number): number {
  return Math.max(0, 2 ** (32 - prefix) - 3);
}

/** An IPv4 CIDR as its first address (a number) and prefix; null when it is not one. */
function parseIpv4Cidr(cidr: string): { readonly base: number; readonly prefix: number } | null {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (match === null) return null;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return null;
  const address = octets.reduce((sum, o) => sum * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  return { base: Math.floor(address / size) * size, prefix };
}

/**
 * How many containers a subnet holds; null when the text is no IPv4 or IPv6 CIDR (validation
 * reports that elsewhere). An IPv6 subnet of /96 or larger holds more than any host runs.
 */
export function subnetCapacity(cidr: string): number | null {
  const ipv4 = parseIpv4Cidr(cidr);
  if (ipv4 !== null) return ipv4Capacity(ipv4.prefix);
  const ipv6 = /^[0-9a-f:.]*:[0-9a-f:.]*\/(\d{1,3})$/i.exec(cidr.trim());
  if (ipv6 === null || Number(ipv6[1]) > 128) return null;
  const prefix = Number(ipv6[1]);
  return prefix <= 96 ? Number.MAX_SAFE_INTEGER : Math.max(0, 2 ** (128 - prefix) - 2);
}

/**
 * How many containers a network holds: every container gets an address in each of its
 * subnets, so the smallest one decides; Podman's default /24 when it declares none.
 */
export function networkCapacity(subnets: readonly string[]): number {
  const capacities = subnets.map(subnetCapacity).filter((c): c is number => c !== null);
  return capacities.length === 0 ? ipv4Capacity(PODMAN_DEFAULT_PREFIX) : Math.min(...capacities);
}

/** The containers that join one network, by service. */
export interface NetworkLoad {
  /** Containers in all. */
  readonly containers: number;
  /** [service, containers] in the order of the services. */
  readonly services: readonly (readonly [string, number])[];
}

/** For each network (by Podman name), the containers of the environment that join it. */
export function containersByNetwork(desired: Pick<DesiredState, 'services'>): Map<string, NetworkLoad> {
  const loads = new Map<string, { containers: number; services: [string, number][] }>();
  for (const service of desired.services) {
    if (service.spec.networkMode !== 'bridge') continue;
    const count = service.containerNames.length;
    for (const attachment of service.spec.networks) {
      const load = loads.get(attachment.network) ?? { containers: 0, services: [] };
      load.containers += count;
      load.services.push([service.name, count]);
      loads.set(attachment.network, load);
    }
  }
  return loads;
}

/** "web ×250, db ×1": who joins a network, for messages. */
export function describeLoad(load: NetworkLoad): string {
  const shown = load.services.slice(0, 5).map(([service, count]) => `${service} ×${count}`);
  return load.services.length > 5 ? `${shown.join(', ')} and ${load.services.length - 5} more services` : shown.join(', ');
}

/** The longest IPv4 prefix (the smallest subnet) that holds `containers`; null when none does. */
export function prefixFor(containers: number): number | null {
  for (let prefix = 30; prefix >= 8; prefix--) if (ipv4Capacity(prefix) >= containers) return prefix;
  return null;
}

/**
 * A subnet from SIZED_SUBNET_POOL that holds `containers` and overlaps none of `taken` (the
 * subnets of the networks the host has); null when the pool has no such block left.
 */
export function sizedSubnet(containers: number, taken: readonly string[]): string | null {
  const prefix = prefixFor(containers);
  const pool = parseIpv4Cidr(SIZED_SUBNET_POOL)!;
  if (prefix === null || prefix < pool.prefix) return null;
  const used = taken.map(parseIpv4Cidr).filter((c): c is { base: number; prefix: number } => c !== null);
  const size = 2 ** (32 - prefix);
  const end = pool.base + 2 ** (32 - pool.prefix);
  for (let base = pool.base; base + size <= end; base += size) {
    const overlaps = used.some((u) => base < u.base + 2 ** (32 - u.prefix) && u.base < base + size);
    if (!overlaps) return `${[24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256).join('.')}/${prefix}`;
  }
  return null;
}
