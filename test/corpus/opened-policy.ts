import type { OpenedPolicy } from './phoenix-run.js';

type Raw = Record<string, unknown>;

/**
 * The policy a generated environment opens for a compose file, exactly as far as the file needs,
 * read from its resolved `docker-compose config` (where every bind source is already absolute):
 * privileged and host networking only when a service asks, the capabilities services add, and
 * each host path a service binds.
 */
export function openedPolicyFor(config: Raw): OpenedPolicy {
  const services = Object.values((config.services ?? {}) as Record<string, Raw>);
  const capabilities = new Set<string>();
  const hostPaths = new Set<string>();
  for (const service of services) {
    for (const cap of (service.cap_add ?? []) as string[]) capabilities.add(cap);
    for (const volume of (service.volumes ?? []) as unknown[]) {
      if (typeof volume === 'string') {
        const source = volume.split(':')[0]!;
        if (source.startsWith('/') && volume.includes(':')) hostPaths.add(source);
      } else if ((volume as Raw).type === 'bind') {
        hostPaths.add(String((volume as Raw).source));
      }
    }
  }
  return {
    allowPrivileged: services.some((s) => s.privileged === true),
    allowHostNetwork: services.some((s) => s.network_mode === 'host'),
    allowedCapabilities: [...capabilities].sort(),
    allowedHostPaths: [...hostPaths].sort(),
  };
}
