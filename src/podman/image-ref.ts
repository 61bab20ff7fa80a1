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
  /** The image's labels (a built image's build digest among them). */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The image id behind each requested reference, null when no local image answers to it.
 * References may be short names, full names, digests, or (a prefix of) an image id.
 */
export function resolveImageRefs(refs: readonly string[], images: readonly ListedImage[]): Record<string, string | null> {
  const find = imageFinder(images);
  return Object.fromEntries(refs.map((ref) => [ref, find(ref)?.id ?? null]));
}

/** The labels of the image behind each reference that has one (references without an image are left out). */
export function resolveImageLabels(refs: readonly string[], images: readonly ListedImage[]): Record<string, Readonly<Record<string, string>>> {
  const find = imageFinder(images);
  const out: Record<string, Readonly<Record<string, string>>> = {};
  for (const ref of refs) {
    const image = find(ref);
    if (image !== undefined) out[ref] = image.labels ?? {};
  }
  return out;
}

function imageFinder(images: readonly ListedImage[]): (ref: string) => ListedImage | undefined {
  const byName = new Map<string, ListedImage>();
  for (const image of images) {
    for (const name of [...image.names, ...image.digests]) byName.set(normalizeImageRef(name), image);
  }
  return (ref) => {
    const bare = ref.startsWith('sha256:') ? ref.slice('sha256:'.length) : ref;
    const byId = /^[0-9a-f]{12,64}$/.test(bare) ? images.find((image) => image.id.startsWith(bare)) : undefined;
    return byId ?? byName.get(normalizeImageRef(ref));
  };
}

/** The images part of an observed state: the id and labels behind each reference (null: images were not listed). */
export function observedImages(refs: readonly string[], images: readonly ListedImage[] | null): { images: Record<string, string | null>; imageLabels: Record<string, Readonly<Record<string, string>>> } {
  if (images === null) return { images: {}, imageLabels: {} };
  return { images: resolveImageRefs(refs, images), imageLabels: resolveImageLabels(refs, images) };
}
