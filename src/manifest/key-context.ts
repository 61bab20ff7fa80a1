import type { KeyPath } from './yaml-source.js';

/** Which kind of Compose mapping a key sits in, for the verdict tables of refused and ignored keys. */
export type KeyContext =
  | 'top'
  | 'service'
  | 'deploy'
  | 'resources'
  | 'reservations'
  | 'port'
  | 'mount'
  | 'mountVolume'
  | 'mountBind'
  | 'networkAttachment'
  | 'envFile'
  | 'network'
  | 'ipam'
  | 'ipamConfig'
  | 'volume'
  | 'secret'
  | 'config'
  | 'other';

/** The context of the mapping at `parent` (the path of the mapping, not of the key) in a compose file. */
export function keyContext(parent: KeyPath): KeyContext {
  const p = parent.map(String);
  const [top, name, field, ...rest] = p;
  if (p.length === 0) return 'top';
  if (top === 'services' && name !== undefined) {
    if (field === undefined) return 'service';
    if (field === 'deploy') return rest.length === 0 ? 'deploy' : rest.length === 1 && rest[0] === 'resources' ? 'resources' : rest.join('.') === 'resources.reservations' ? 'reservations' : 'other';
    if (field === 'ports' && rest.length === 1) return 'port';
    if (field === 'volumes' && rest.length === 1) return 'mount';
    if (field === 'volumes' && rest.length === 2 && rest[1] === 'volume') return 'mountVolume';
    if (field === 'volumes' && rest.length === 2 && rest[1] === 'bind') return 'mountBind';
    if (field === 'networks' && rest.length === 1) return 'networkAttachment';
    if (field === 'env_file' && rest.length === 1) return 'envFile';
    return 'other';
  }
  if (top === 'networks' && name !== undefined) {
    if (field === undefined) return 'network';
    if (field === 'ipam' && rest.length === 0) return 'ipam';
    if (field === 'ipam' && rest[0] === 'config' && rest.length === 2) return 'ipamConfig';
    return 'other';
  }
  if (top === 'volumes' && name !== undefined && field === undefined) return 'volume';
  if (top === 'secrets' && name !== undefined && field === undefined) return 'secret';
  if (top === 'configs' && name !== undefined && field === undefined) return 'config';
  return 'other';
}
