/**
 * The `podman create` flags of the {@link ContainerOptions} fields: one row per field, and the
 * type makes a row compulsory, so a new option cannot reach the spec (and the config hash)
 * without reaching Podman too. Each flag was checked against `podman create --help` of
 * Podman 4.3.1.
 */
import type { ContainerOptions } from '../model/desired.js';

type FlagRow<K extends keyof ContainerOptions> = (value: NonNullable<ContainerOptions[K]>) => string[];

function each(flag: string): (values: readonly string[]) => string[] {
  return (values) => values.flatMap((value) => [flag, value]);
}

function one(flag: string): (value: string | number) => string[] {
  return (value) => [flag, String(value)];
}

function keyValues(flag: string): (map: Readonly<Record<string, string>>) => string[] {
  return (map) =>
    Object.keys(map)
      .sort()
      .flatMap((key) => [flag, `${key}=${map[key] ?? ''}`]);
}

/** Every option's flags; rows run in this order, which is therefore the order of the arguments. */
export const OPTION_FLAGS: { readonly [K in keyof Required<ContainerOptions>]: FlagRow<K> } = {
  shmSizeBytes: one('--shm-size'),
  ulimits: (ulimits) =>
    Object.keys(ulimits)
      .sort()
      .flatMap((name) => ['--ulimit', `${name}=${ulimits[name]!.soft}:${ulimits[name]!.hard}`]),
  dns: each('--dns'),
  dnsSearch: each('--dns-search'),
  dnsOptions: each('--dns-option'),
  sysctls: keyValues('--sysctl'),
  devices: each('--device'),
  deviceCgroupRules: each('--device-cgroup-rule'),
  logging: (logging) => [...(logging.driver === null ? [] : ['--log-driver', logging.driver]), ...keyValues('--log-opt')(logging.options)],
  stdinOpen: () => ['--interactive'],
  tty: () => ['--tty'],
  platform: one('--platform'),
  pid: one('--pid'),
  ipc: one('--ipc'),
  uts: one('--uts'),
  cgroupns: one('--cgroupns'),
  cgroupParent: one('--cgroup-parent'),
  groupAdd: each('--group-add'),
  memorySwapBytes: one('--memory-swap'),
  memoryReservationBytes: one('--memory-reservation'),
  memorySwappiness: one('--memory-swappiness'),
  cpuShares: one('--cpu-shares'),
  cpuQuota: one('--cpu-quota'),
  cpuPeriod: one('--cpu-period'),
  cpuRtPeriod: one('--cpu-rt-period'),
  cpuRtRuntime: one('--cpu-rt-runtime'),
  cpuset: one('--cpuset-cpus'),
  pidsLimit: one('--pids-limit'),
  oomScoreAdj: one('--oom-score-adj'),
  oomKillDisable: () => ['--oom-kill-disable'],
  macAddress: one('--mac-address'),
  annotations: keyValues('--annotation'),
  // A global option of podman, not of `podman create`: see containerCreateArgs.
  runtime: () => [],
  expose: each('--expose'),
  volumesFrom: each('--volumes-from'),
  blkioWeight: one('--blkio-weight'),
  blkioWeightDevices: each('--blkio-weight-device'),
  deviceReadBps: each('--device-read-bps'),
  deviceReadIops: each('--device-read-iops'),
  deviceWriteBps: each('--device-write-bps'),
  deviceWriteIops: each('--device-write-iops'),
};

/** The flags of every option the spec sets, in {@link OPTION_FLAGS} order. */
export function optionArgs(options: ContainerOptions): string[] {
  const args: string[] = [];
  for (const field of Object.keys(OPTION_FLAGS) as (keyof ContainerOptions)[]) {
    const value = options[field];
    if (value === undefined) continue;
    args.push(...(OPTION_FLAGS[field] as FlagRow<typeof field>)(value as never));
  }
  return args;
}
