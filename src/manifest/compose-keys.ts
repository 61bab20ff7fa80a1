import type { PortDraft, VolumeMountDraft } from './compose-draft.js';

/** Compose merges ports by host address, published port, target and protocol. */
export function portKey(port: PortDraft): string {
  return `${port.hostIp}|${port.published}|${port.target}|${port.protocol}`;
}

/** Compose merges volumes by their mount point in the container. */
export function volumeKey(mount: VolumeMountDraft): string {
  return mount.target;
}
