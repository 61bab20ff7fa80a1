/**
 * Networks sized for the environment: 300 services on the default network made 42 of 300
 * starts fail with an IPAM error (Podman's /24 holds 253 containers) and nothing warned. A
 * declared subnet too small is a validation error with file:line:col; a network Phoenix
 * creates without one gets a subnet that holds its containers; an existing one too small is a
 * plan warning. Pure: the one real network create is in test/podman/network-sizing.podman.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { EMPTY_OBSERVED } from '../src/model/observed.js';
import { containersByNetwork, ipv4Capacity, networkCapacity, prefixFor, sizedSubnet, subnetCapacity } from '../src/model/network-capacity.js';
import { plan } from '../src/plan/plan.js';
import { loadFixture } from './support/load-fixture.js';

const compose = (replicas: number, network = ''): string => `services:\n  web:\n    image: localhost/web:1\n    deploy:\n      replicas: ${replicas}\n  db:\n    image: localhost/db:1\n${network}`;

function desiredOf(text: string) {
  const loaded = loadFixture(text);
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => `${i.code} ${i.message}`).join('\n'));
  return loaded.desired;
}

describe('network capacity arithmetic', () => {
  it('counts the addresses a subnet leaves to containers, and the subnet a count needs', () => {
    expect(ipv4Capacity(24)).toBe(253);
    expect(subnetCapacity('10.0.0.0/28')).toBe(13);
    expect(subnetCapacity('fd00::/64')).toBe(Number.MAX_SAFE_INTEGER);
    expect(subnetCapacity('not a cidr')).toBeNull();
    expect(networkCapacity([])).toBe(253);
    expect(networkCapacity(['10.0.0.0/16', '10.1.0.0/28'])).toBe(13);
    expect(prefixFor(253)).toBe(24);
    expect(prefixFor(254)).toBe(23);
    expect(prefixFor(300)).toBe(23);
    expect(prefixFor(2000)).toBe(21);
  });

  it('picks a free subnet of the pool, clear of the host’s networks', () => {
    expect(sizedSubnet(300, [])).toBe('10.100.0.0/23');
    expect(sizedSubnet(300, ['10.100.1.0/24', '10.88.0.0/16'])).toBe('10.100.2.0/23');
    expect(sizedSubnet(300, ['10.100.0.0/14'])).toBeNull();
  });

  it('counts every replica of every service joining a network', () => {
    const desired = desiredOf(compose(300));
    expect(containersByNetwork(desired).get('app-test-default')).toEqual({ containers: 301, services: [['db', 1], ['web', 300]] });
  });
});

describe('a declared subnet too small', () => {
  it('is PHX-NETWORK-TOO-SMALL at validation, with file:line:col, the count and a larger subnet', () => {
    const loaded = loadFixture(compose(20, 'networks:\n  default:\n    ipam:\n      config:\n        - subnet: 10.42.0.0/28\n'));
    expect(loaded.ok).toBe(false);
    const issue = !loaded.ok ? loaded.issues.find((i) => i.code === 'PHX-NETWORK-TOO-SMALL') : undefined;
    expect(issue).toMatchObject({
      location: { file: expect.stringMatching(/compose\.yaml$/) as unknown, line: 9, column: 3 },
      message: 'network "default" has room for 13 containers (10.42.0.0/28), but 21 join it (db ×1, web ×20): 8 would fail to start.',
      remediation: 'Declare a larger subnet, e.g. a /27 (it holds 29), or spread the services over more networks.',
    });
  });

  it('is fine when the subnet holds them', () => {
    expect(loadFixture(compose(12, 'networks:\n  default:\n    ipam:\n      config:\n        - subnet: 10.42.0.0/28\n')).ok).toBe(true);
  });
});

describe('a network Phoenix creates without a subnet', () => {
  it('gets a subnet that holds its 301 containers, clear of the host’s networks; its config hash is that of the manifests', () => {
    const desired = desiredOf(compose(300));
    const observed = { ...EMPTY_OBSERVED, networks: [{ id: 'x', name: 'other', labels: {}, subnets: ['10.100.0.0/24'] }] };
    const planned = plan(desired, observed);
    if (!planned.ok) throw new Error('plan failed');
    const create = planned.value.actions.find((a) => a.kind === 'network.create');
    expect(create?.kind === 'network.create' && create.network.subnets).toEqual(['10.100.2.0/23']);
    expect(planned.value.warnings).toContainEqual({
      resource: { type: 'network', name: 'app-test-default' },
      message: "created with subnet 10.100.2.0/23 (509 addresses) for the 301 containers that join it (db ×1, web ×300); Podman's default /24 holds 253",
    });
    // The desired network is the manifests' (no subnet): its hash, and so the label, do not move.
    expect(desired.networks[0]!.subnets).toEqual([]);
    expect(create?.kind === 'network.create' && create.network.configHash).toBe(desired.networks[0]!.configHash);
  });

  it('keeps Podman’s default when it holds the containers (no change for environments that fit)', () => {
    const planned = plan(desiredOf(compose(252)), EMPTY_OBSERVED);
    if (!planned.ok) throw new Error('plan failed');
    const create = planned.value.actions.find((a) => a.kind === 'network.create');
    expect(create?.kind === 'network.create' && create.network.subnets).toEqual([]);
    expect(planned.value.warnings).toEqual([]);
  });

  it('warns precisely when an existing network is too small for the containers that join it', () => {
    const desired = desiredOf(compose(300));
    const network = desired.networks[0]!;
    const observed = { ...EMPTY_OBSERVED, networks: [{ id: 'n', name: network.podmanName, labels: network.labels, subnets: ['10.89.3.0/24'] }] };
    const planned = plan(desired, observed);
    if (!planned.ok) throw new Error('plan failed');
    expect(planned.value.warnings).toContainEqual({
      resource: { type: 'network', name: network.podmanName },
      message: '301 containers join it (db ×1, web ×300) but its subnet 10.89.3.0/24 holds 253: 48 would fail to start. Remove it (`phoenix down`, then apply) so that it is created again with a subnet that holds them',
    });
  });
});
