/**
 * A service's mounts as pod volumes and container volume mounts: named volumes as
 * PersistentVolumeClaims, anonymous volumes and tmpfs as emptyDir, secrets and configs as
 * Secret and ConfigMap volumes. Host binds have no portable equivalent and become warnings.
 */
import path from 'node:path';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import type { ConfigMount, Mount, SecretMount } from '../model/desired.js';
import type { ExportTarget } from './export-target.js';
import type { WarningList } from './export-warning.js';
import { dataKey, dnsLabel } from './kube-names.js';

/** The names the export gives the environment's objects, by their Phoenix names. */
export interface ObjectNames {
  /** PersistentVolumeClaim name by Podman volume name. */
  readonly claim: (podmanVolume: string) => string | undefined;
  /** Secret object name by the secret's manifest name. */
  readonly secret: (secret: string) => string;
  /** ConfigMap name by the config's manifest name. */
  readonly configMap: (config: string) => string;
}

/** The volumes of one pod, shared by its containers (an init container and the main one), by name. */
export class PodVolumes {
  private readonly byName = new Map<string, IVolume>();

  /** Adds a volume once; a second container using it shares it. */
  add(volume: IVolume): void {
    if (!this.byName.has(volume.name)) this.byName.set(volume.name, volume);
  }

  /** The pod's volumes, sorted by name; undefined when there are none. */
  list(): IVolume[] | undefined {
    return this.byName.size === 0 ? undefined : [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** Where a mounted file lands: the whole volume at the target with subPath, or (kube play) its directory. */
function fileMount(volume: string, target: string, engine: ExportTarget): IVolumeMount {
  // Podman 4.3's kube play ignores subPath on secret and configMap volumes (it mounts a
  // directory at the file's path): there the volume is mounted at the file's directory.
  return engine === 'podman'
    ? { name: volume, mountPath: path.posix.dirname(target), readOnly: true }
    : { name: volume, mountPath: target, subPath: path.posix.basename(target), readOnly: true };
}

/** Warns about a file mount's owner, which Kubernetes sets per pod (fsGroup), not per file. */
function ownerWarning(service: string, key: string, mount: SecretMount | ConfigMount, warnings: WarningList): void {
  if ((mount.uid !== '0' && mount.uid !== '') || (mount.gid !== '0' && mount.gid !== '')) {
    warnings.add(service, key, `uid ${mount.uid} / gid ${mount.gid} not translated: Kubernetes sets the group of mounted files for the whole pod (securityContext.fsGroup), not per file.`);
  }
}

/**
 * The volume mounts of one container, adding the volumes they need to `volumes`. `service` is
 * the Compose service the mounts come from (an init container's own service).
 */
export function volumeMounts(
  service: string,
  mounts: readonly Mount[],
  secrets: readonly SecretMount[],
  configs: readonly ConfigMount[],
  names: ObjectNames,
  target: ExportTarget,
  volumes: PodVolumes,
  warnings: WarningList,
): IVolumeMount[] {
  const result: IVolumeMount[] = [];
  const fileDirs = new Map<string, string>();
  mounts.forEach((mount, index) => {
    switch (mount.type) {
      case 'volume': {
        const claim = names.claim(mount.source);
        if (claim === undefined) {
          warnings.add(service, 'volumes', `${mount.source} at ${mount.target} not translated: it is not a volume of this environment.`);
          return;
        }
        volumes.add({ name: claim, persistentVolumeClaim: { claimName: claim } });
        result.push({ name: claim, mountPath: mount.target, ...(mount.readOnly ? { readOnly: true } : {}) });
        return;
      }
      case 'bind':
        warnings.add(service, 'volumes', `bind mount ${mount.source} at ${mount.target} not translated: a cluster has no host folder to share; put the files in a ConfigMap, an image or a PersistentVolumeClaim.`);
        return;
      case 'anonymous': {
        const name = `scratch-${index}`;
        volumes.add({ name, emptyDir: {} });
        result.push({ name, mountPath: mount.target, ...(mount.readOnly ? { readOnly: true } : {}) });
        return;
      }
      case 'tmpfs': {
        const name = `tmpfs-${index}`;
        volumes.add({ name, emptyDir: { medium: 'Memory', ...(mount.sizeBytes === null ? {} : { sizeLimit: String(mount.sizeBytes) }) } });
        if (mount.options !== undefined && mount.options.length > 0) {
          warnings.add(service, 'tmpfs', `options ${mount.options.join(',')} at ${mount.target} not translated: an emptyDir in memory takes a size only.`);
        }
        result.push({ name, mountPath: mount.target });
        return;
      }
    }
  });
  const addFile = (kind: 'secret' | 'config', name: string, mount: SecretMount | ConfigMount, volume: IVolume): void => {
    if (target === 'podman') {
      const dir = path.posix.dirname(mount.target);
      const holder = fileDirs.get(dir);
      if (holder !== undefined) {
        warnings.add(service, `${kind}s`, `${name} at ${mount.target} not translated for podman kube play: it ignores subPath, so only one secret or config (${holder}) can be mounted in ${dir}.`);
        return;
      }
      fileDirs.set(dir, name);
      if (dir !== '/run/secrets') {
        warnings.add(service, `${kind}s`, `${name}: podman kube play ignores subPath, so the volume is mounted on the whole directory ${dir} (hiding what the image has there).`);
      }
    }
    volumes.add(volume);
    result.push(fileMount(volume.name, mount.target, target));
  };
  for (const mount of secrets) {
    ownerWarning(service, `secrets.${mount.secret}`, mount, warnings);
    const volume = `secret-${dnsLabel(mount.secret)}`;
    addFile('secret', mount.secret, mount, {
      name: volume,
      secret: { secretName: names.secret(mount.secret), optional: false, defaultMode: mount.mode, items: [{ key: dataKey(mount.secret), path: path.posix.basename(mount.target) }] },
    });
  }
  for (const mount of configs) {
    ownerWarning(service, `configs.${mount.config}`, mount, warnings);
    const volume = `config-${dnsLabel(mount.config)}`;
    addFile('config', mount.config, mount, {
      name: volume,
      configMap: { name: names.configMap(mount.config), optional: false, defaultMode: mount.mode, items: [{ key: dataKey(mount.config), path: path.posix.basename(mount.target) }] },
    });
  }
  return result;
}
