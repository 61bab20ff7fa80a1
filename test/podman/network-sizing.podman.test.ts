/**
 * The subnet the planner sizes a large network with, created by real Podman: `podman network
 * create --subnet` accepts it and the network has it (a real test with more than 253
 * containers would take minutes; the sizing rule itself is tested purely in
 * test/network-sizing.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PodmanCli } from '../../src/podman/podman-cli.js';
import { sizeNetwork } from '../../src/plan/network-sizing.js';
import { desiredNetwork } from '../support/podman-fixtures.js';
import { podman, podmanEnv, requirePodman, sweep, testPrefix } from '../support/podman-host.js';

const prefix = testPrefix();
const client = new PodmanCli({ env: podmanEnv() });

beforeAll(requirePodman, 120_000);
afterAll(() => sweep(prefix), 30_000);

describe('a network sized for 300 containers, on real Podman', () => {
  it('is created with the computed subnet, clear of the host’s networks', async () => {
    const observed = await client.observe(prefix, []);
    const taken = observed.networks.flatMap((n) => n.subnets ?? []);
    expect(taken.length).toBeGreaterThan(0);
    const load = { containers: 300, services: [['web', 300] as const] };
    const { network, warning } = sizeNetwork(desiredNetwork(`${prefix}-big`, { labels: { 'io.phoenix.project': prefix } }), load, taken);
    expect(network.subnets).toHaveLength(1);
    expect(network.subnets[0]).toMatch(/^10\.10[0-3]\.\d+\.0\/23$/);
    expect(warning).toContain('for the 300 containers');
    await client.createNetwork(network);
    const inspected = JSON.parse(await podman(['network', 'inspect', `${prefix}-big`])) as { subnets: { subnet: string }[] }[];
    expect(inspected[0]!.subnets.map((s) => s.subnet)).toEqual(network.subnets);
    // And the observation reads it back, for the next sizing to keep clear of.
    const again = await client.observe(prefix, []);
    expect(again.networks.find((n) => n.name === `${prefix}-big`)?.subnets).toEqual(network.subnets);
  });
});
