/**
 * Image references as Podman stores them: `nginx` is `docker.io/library/nginx:latest`,
 * `localhost/x:1` stays as it is. Manifests say the short form, `podman images` the long one.
 */

const DEFAULT_DOMAIN = 'docker.io';

/** True when the first path component names a registry rather than a repository namespace. */
function isDomain(component: string): boolean {
  return component === 'localhost' || component.includes('.') || component.includes(':');
}

/**
 * The fully qualified form of an image reference: registry, repository, and a tag (`latest`
 * when neither a tag nor a digest is given). Lower-cases nothing: Podman rejects upper case.
 */
export function normalizeImageRef(ref: string): string {
  const trimmed = ref.trim();
  const at = trimmed.indexOf('@');
  const namePart = at === -1 ? trimmed : trimmed.slice(0, at);
  const digest = at === -1 ? '' : trimmed.slice(at);
  const lastSlash = namePart.lastIndexOf('/');
  const colon = namePart.indexOf(':', lastSlash + 1);
  let name = colon === -1 ? namePart : namePart.slice(0, colon);
  let tag = colon === -1 ? '' : namePart.slice(colon);
  const slash = name.indexOf('/');
  if (slash === -1) name = `${DEFAULT_DOMAIN}/library/${name}`;
  else if (!isDomain(name.slice(0, slash))) name = `${DEFAULT_DOMAIN}/${name}`;
  else if (name.startsWith('docker.io/') && name.indexOf('/', 'docker.io/'.length) === -1) name = `${DEFAULT_DOMAIN}/library/${name.slice('docker.io/'.length)}`;
  if (tag === '' && digest === '') tag = ':latest';
  return `${name}${tag}${digest}`;
}

/** What `podman images --format json` says about one image (the fields Phoenix reads). */
export interface ListedImage {
  readonly id: string;
  /** Tagged names (`Names`, or `RepoTags` where a version fills that instead). */
  readonly names: readonly string[];
  /** `name@sha256:...` forms. */
  readonly digests: readonly string[];
}

/**
 * The image id behind each requested reference, null when no local image answers to it.
 * References may be short names, full names, digests, or (a prefix of) an image id.
 */
export function resolveImageRefs(refs: readonly string[], images: readonly ListedImage[]): Record<string, string | null> {
  const byName = new Map<string, string>();
  for (const image of images) {
    for (const name of [...image.names, ...image.digests]) byName.set(normalizeImageRef(name), image.id);
  }
  const out: Record<string, string | null> = {};
  for (const ref of refs) {
    const bare = ref.startsWith('sha256:') ? ref.slice('sha256:'.length) : ref;
    const byId = /^[0-9a-f]{12,64}$/.test(bare) ? images.find((image) => image.id.startsWith(bare)) : undefined;
    out[ref] = byId?.id ?? byName.get(normalizeImageRef(ref)) ?? null;
  }
  return out;
}
