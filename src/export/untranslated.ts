/**
 * The container settings a Kubernetes pod has no field for, each reported with why: the
 * export never drops a setting silently. (Settings it does translate are in kube-container.ts
 * and kube-workloads.ts.)
 */
import type { ContainerSpec, DesiredService } from '../model/desired.js';
import type { WarningList } from './export-warning.js';

/** Host-level and runtime-level settings, by Compose key, with the reason they stay behind. */
const HOST_LEVEL: readonly [keyof ContainerSpec, string, string][] = [
  ['devices', 'devices', 'a cluster node is not this host; use a device plugin'],
  ['deviceCgroupRules', 'device_cgroup_rules', 'a cluster node is not this host; use a device plugin'],
  ['ulimits', 'ulimits', 'Kubernetes has no per-container ulimits; the node runtime sets them'],
  ['sysctls', 'sysctls', 'Kubernetes allows only the node-approved sysctls (pod securityContext.sysctls); add them there if the cluster allows them'],
  ['logging', 'logging', 'the cluster collects container output; configure its log pipeline'],
  ['pid', 'pid', 'Kubernetes shares a PID namespace only between the containers of a pod (shareProcessNamespace) or with the node (hostPID)'],
  ['ipc', 'ipc', 'Kubernetes shares IPC only within a pod or with the node (hostIPC)'],
  ['uts', 'uts', 'not available in Kubernetes'],
  ['cgroupns', 'cgroup', 'the node runtime decides'],
  ['cgroupParent', 'cgroup_parent', 'the kubelet places containers in its own cgroups'],
  ['groupAdd', 'group_add', 'use the pod securityContext.supplementalGroups with numeric groups'],
  ['memorySwapBytes', 'memswap_limit', 'Kubernetes has no per-container swap limit'],
  ['memorySwappiness', 'mem_swappiness', 'Kubernetes has no per-container swappiness'],
  ['cpuShares', 'cpu_shares', 'use a CPU request (resources.requests.cpu)'],
  ['cpuQuota', 'cpu_quota', 'use a CPU limit (cpus) instead'],
  ['cpuPeriod', 'cpu_period', 'the kubelet sets the CFS period'],
  ['cpuRtPeriod', 'cpu_rt_period', 'real-time scheduling is not available in Kubernetes'],
  ['cpuRtRuntime', 'cpu_rt_runtime', 'real-time scheduling is not available in Kubernetes'],
  ['cpuset', 'cpuset', "use the kubelet's static CPU manager with a Guaranteed pod"],
  ['pidsLimit', 'pids_limit', 'the kubelet sets a node-wide pod PID limit'],
  ['oomScoreAdj', 'oom_score_adj', 'the kubelet sets it from the QoS class'],
  ['oomKillDisable', 'oom_kill_disable', 'not available in Kubernetes'],
  ['macAddress', 'mac_address', 'the cluster network assigns addresses'],
  ['runtime', 'runtime', 'use a RuntimeClass (runtimeClassName) the cluster defines'],
  ['volumesFrom', 'volumes_from', 'share a volume between the containers of one pod instead'],
  ['blkioWeight', 'blkio_config.weight', 'Kubernetes has no block I/O controls'],
  ['blkioWeightDevices', 'blkio_config.weight_device', 'Kubernetes has no block I/O controls'],
  ['deviceReadBps', 'blkio_config.device_read_bps', 'Kubernetes has no block I/O controls'],
  ['deviceReadIops', 'blkio_config.device_read_iops', 'Kubernetes has no block I/O controls'],
  ['deviceWriteBps', 'blkio_config.device_write_bps', 'Kubernetes has no block I/O controls'],
  ['deviceWriteIops', 'blkio_config.device_write_iops', 'Kubernetes has no block I/O controls'],
  ['dns', 'dns', 'pods use the cluster DNS; set dnsConfig by hand if they must not'],
  ['dnsSearch', 'dns_search', 'pods use the cluster DNS search path'],
  ['dnsOptions', 'dns_opt', 'pods use the cluster DNS options'],
  ['platform', 'platform', 'pick nodes with a nodeSelector on kubernetes.io/arch'],
  ['shmSizeBytes', 'shm_size', 'mount an emptyDir (medium: Memory) at /dev/shm'],
];

/** True when a spec field holds a value (an empty list or map counts as unset). */
function isSet(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Reports every setting of a service the export cannot carry into its pod. */
export function reportUntranslated(service: DesiredService, warnings: WarningList): void {
  const { spec, name } = service;
  for (const [field, key, why] of HOST_LEVEL) {
    if (isSet(spec[field])) warnings.add(name, key, `not translated: ${why}.`);
  }
  if (service.build !== undefined) {
    warnings.add(name, 'build', `not translated: a cluster pulls images, it does not build them; build ${spec.image} in CI and push it to a registry the cluster pulls from (the export references ${spec.image}).`);
  }
  if (spec.networkMode !== 'bridge' && spec.networkMode !== 'host') {
    warnings.add(name, 'network_mode', `"${spec.networkMode}" not translated: every pod has its own network namespace on the cluster network; containers that must share one belong in one pod.`);
  }
  for (const opt of spec.securityOpt.filter((o) => !o.startsWith('no-new-privileges'))) {
    warnings.add(name, 'security_opt', `"${opt}" not translated: set seccompProfile, appArmorProfile or seLinuxOptions in the securityContext by hand.`);
  }
  if (spec.usernsMode !== null) warnings.add(name, 'userns_mode', `"${spec.usernsMode}" not translated: user namespaces are the pod's hostUsers: false, where the cluster supports them.`);
  if (spec.init) warnings.add(name, 'init', 'not translated: Kubernetes runs no init process in the container; use an image with one (tini) if the program does not reap children.');
  if (spec.stopSignal !== null) warnings.add(name, 'stop_signal', `${spec.stopSignal} not translated: the kubelet stops with the image's STOPSIGNAL (or SIGTERM); set STOPSIGNAL in the image.`);
  if (spec.annotations !== undefined && Object.keys(spec.annotations).length > 0) {
    warnings.add(name, 'annotations', 'OCI annotations not translated: Kubernetes annotations are metadata, not runtime annotations.');
  }
  if (spec.restart === 'on-failure' && spec.restartMaxRetries > 0) {
    warnings.add(name, 'restart', `on-failure:${spec.restartMaxRetries} becomes unlimited restarts: the kubelet has no restart limit for long-running pods.`);
  }
  for (const attachment of spec.networks) {
    if (attachment.ipv4Address !== null || attachment.ipv6Address !== undefined) {
      warnings.add(name, 'networks.ipv4_address', 'a fixed address is not translated: the cluster network assigns pod addresses; use the Service name.');
    }
    if (attachment.macAddress !== undefined || attachment.interfaceName !== undefined) {
      warnings.add(name, 'networks.mac_address', 'a fixed MAC address or interface name is not translated: the cluster network assigns them.');
    }
  }
  for (const dependency of service.dependsOn.filter((d) => d.restart)) {
    warnings.add(name, `depends_on.${dependency.service}.restart`, 'not translated: Kubernetes does not restart a pod when another is replaced; resolve names again on failure instead.');
  }
}
