import type { ContainerSpec } from '../model/desired.js';
import { normaliseCapability } from '../manifest/policy.js';
import { securityOptParts, turnsOffNoNewPrivileges } from './spec-policy.js';

/** The privileges a running container has, as `podman container inspect` reports them (HostConfig). */
export interface ObservedPrivileges {
  readonly privileged: boolean;
  readonly capAdd: readonly string[];
  readonly securityOpt: readonly string[];
  readonly networkMode: string;
  readonly pidMode: string;
  readonly ipcMode: string;
  readonly utsMode: string;
  readonly usernsMode: string;
  /** Host paths of its devices. */
  readonly devices: readonly string[];
  /** Host paths of its bind mounts. */
  readonly bindSources: readonly string[];
}

const UNCONFINED_KEYS = new Set(['seccomp', 'apparmor', 'label', 'systempaths', 'unmask']);

/**
 * The privileges a container has that its service's spec does not give it (after adoption, or
 * a container made again by hand with Phoenix's labels): each as the Compose setting would
 * write it (`privileged`, `network_mode: host`, `cap_add: SYS_ADMIN`, `bind mount: /`). Pure;
 * empty when the container has nothing more than its manifest asks for.
 */
export function privilegeDrift(spec: ContainerSpec, observed: ObservedPrivileges): string[] {
  const drift: string[] = [];
  if (observed.privileged && !spec.privileged) drift.push('privileged');
  if (observed.networkMode === 'host' && spec.networkMode !== 'host') drift.push('network_mode: host');
  const namespaces: [string, string, string | null | undefined][] = [
    ['pid', observed.pidMode, spec.pid],
    ['ipc', observed.ipcMode, spec.ipc],
    ['uts', observed.utsMode, spec.uts],
    ['userns_mode', observed.usernsMode, spec.usernsMode],
  ];
  for (const [key, mode, wanted] of namespaces) if (mode === 'host' && wanted !== 'host') drift.push(`${key}: host`);
  const caps = new Set(spec.capAdd);
  for (const cap of observed.capAdd.map(normaliseCapability)) if (!caps.has(cap) && !caps.has('ALL')) drift.push(`cap_add: ${cap}`);
  for (const option of observed.securityOpt) {
    const { key, value } = securityOptParts(option);
    const elevated = (UNCONFINED_KEYS.has(key) && value !== '') || turnsOffNoNewPrivileges(option);
    if (elevated && !spec.securityOpt.includes(option)) drift.push(`security_opt: ${option}`);
  }
  const devices = new Set((spec.devices ?? []).map((d) => d.split(':')[0]!));
  for (const device of observed.devices) if (!devices.has(device)) drift.push(`devices: ${device}`);
  const binds = new Set(spec.mounts.flatMap((m) => (m.type === 'bind' ? [m.source] : [])));
  for (const source of observed.bindSources) if (!binds.has(source)) drift.push(`bind mount: ${source}`);
  return drift;
}
