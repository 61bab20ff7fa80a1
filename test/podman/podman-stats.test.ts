/**
 * `podman stats`: its Podman 4.3 output read back into numbers, then the real Podman of this
 * machine (no mocks): containers named `phxtest-<random>-...`, swept away whatever happens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PodmanError } from '../../src/podman/podman-error.js';
import { PodmanStats, missingContainerOf, parseByteSize, parseGoDuration, parsePercent, parseStats } from '../../src/podman/podman-stats.js';
import { DEMO_IMAGE } from '../support/podman-fixtures.js';
import { podman, podmanEnv, requirePodman, sweep, testPrefix } from '../support/podman-host.js';

/** Real `podman stats --no-stream --format json` output of Podman 4.3.1 on this machine: a sleeping container, a busy one with a 64 MiB limit, a stopped one. */
const PODMAN_43_OUTPUT = `[
 {
  "id": "5c0c30d3659e",
  "name": "phxtest-probe1",
  "cpu_time": "31.72121ms",
  "cpu_percent": "1.40%",
  "avg_cpu": "1.40%",
  "mem_usage": "245.8kB / 25.28GB",
  "mem_percent": "0.00%",
  "net_io": "516B / 1.756kB",
  "block_io": "0B / 0B",
  "pids": "1"
 },
 {
  "id": "dd1df77cab5c",
  "name": "phxtest-probe2",
  "cpu_time": "1.951810541s",
  "cpu_percent": "95.35%",
  "avg_cpu": "95.35%",
  "mem_usage": "254kB / 67.11MB",
  "mem_percent": "0.38%",
  "net_io": "516B / 1.592kB",
  "block_io": "0B / 0B",
  "pids": "1"
 },
 {
  "id": "16d0a9e08de8",
  "name": "phxtest-probe4",
  "cpu_time": "0s",
  "cpu_percent": "0.00%",
  "avg_cpu": "0.00%",
  "mem_usage": "0B / 0B",
  "mem_percent": "0.00%",
  "net_io": "0B / 0B",
  "block_io": "0B / 0B",
  "pids": "0"
 }
]`;

describe('podman stats output', () => {
  it('reads Podman 4.3’s human-readable figures back into numbers', () => {
    expect(parseStats(PODMAN_43_OUTPUT)).toEqual([
      { name: 'phxtest-probe1', cpuPercent: 1.4, cpuTimeNs: 31_721_210, memoryBytes: 245_800, memoryLimitBytes: 25_280_000_000 },
      { name: 'phxtest-probe2', cpuPercent: 95.35, cpuTimeNs: 1_951_810_541, memoryBytes: 254_000, memoryLimitBytes: 67_110_000 },
      { name: 'phxtest-probe4', cpuPercent: 0, cpuTimeNs: 0, memoryBytes: 0, memoryLimitBytes: 0 },
    ]);
    expect(parseStats('')).toEqual([]);
  });

  it('parses sizes, Go durations and percentages', () => {
    expect(['0B', '999B', '1kB', '1.5MB', '2GB', '1KiB', '1.5MiB', '1 GiB', 'x', '1XB'].map(parseByteSize)).toEqual([0, 999, 1000, 1_500_000, 2e9, 1024, 1_572_864, 1024 ** 3, null, null]);
    expect(['0s', '0', '100ns', '1.5µs', '2us', '31.72121ms', '1m2.5s', '1h0m1s', 'soon', '1s2'].map(parseGoDuration)).toEqual([0, 0, 100, 1500, 2000, 31_721_210, 62_500_000_000, 3_601_000_000_000, null, null]);
    expect(['1.40%', '0%', '250.5%', 'n/a'].map(parsePercent)).toEqual([1.4, 0, 250.5, null]);
  });

  it('finds the container a "no such container" error names', () => {
    const error = new PodmanError('PODMAN-NO-SUCH-OBJECT', 'podman stats failed', {
      stderr: 'Error: unable to get list of containers: unable to look up container x-1: no container with name or ID "x-1" found: no such container',
    });
    expect(missingContainerOf(error)).toBe('x-1');
    expect(missingContainerOf(new PodmanError('PODMAN-NO-SUCH-OBJECT', 'gone'))).toBeNull();
  });
});

const prefix = testPrefix();
let podmanReady = false;
beforeAll(async () => {
  await requirePodman();
  podmanReady = true;
}, 120_000);
afterAll(async () => {
  if (podmanReady) await sweep(prefix);
}, 30_000);

describe('PodmanStats against real Podman', () => {
  it('samples running, limited and stopped containers in one call, leaving out one that does not exist', async () => {
    const sleeper = `${prefix}-sleep`;
    const limited = `${prefix}-limited`;
    const stopped = `${prefix}-stopped`;
    await podman(['run', '-d', '--name', sleeper, DEMO_IMAGE, 'sleep', '300']);
    await podman(['run', '-d', '--name', limited, '--memory', '64m', DEMO_IMAGE, 'sleep', '300']);
    await podman(['create', '--name', stopped, DEMO_IMAGE, 'true']);
    const client = new PodmanStats({ env: podmanEnv(), timeoutMs: 30_000 });
    const stats = await client.stats([sleeper, `${prefix}-missing`, limited, stopped]);
    const byName = new Map(stats.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual([limited, sleeper, stopped].sort());
    const running = byName.get(sleeper)!;
    expect(running.memoryBytes).toBeGreaterThan(0);
    expect(running.memoryLimitBytes).toBeGreaterThan(64 * 1024 ** 2);
    expect(running.cpuTimeNs).not.toBeNull();
    expect(running.cpuPercent).toBeGreaterThanOrEqual(0);
    // 64 MiB as Podman prints it (67.11MB): within its four significant digits.
    expect(Math.abs(byName.get(limited)!.memoryLimitBytes - 64 * 1024 ** 2)).toBeLessThan(10_000);
    expect(byName.get(stopped)).toMatchObject({ memoryBytes: 0, memoryLimitBytes: 0, cpuTimeNs: 0 });
    expect(await client.stats([`${prefix}-missing`])).toEqual([]);
    expect(await client.stats([])).toEqual([]);
  });
});
