import type { ObservedSecret, ObservedState } from '../model/observed.js';
import type { CallOptions } from './podman-client.js';
import { isPodmanError, outputInvalid } from './podman-error.js';
import { observedImages } from './image-ref.js';
import type { PodmanApi } from './podman-api.js';
import { PodmanApiUnavailable } from './podman-api.js';
import { parseImage, parseNetwork, parsePsEntry, parseSecretInspect, parseSecretListEntry, parseVolume } from './podman-json.js';

type Raw = Record<string, unknown>;

function list(value: unknown, what: string): Raw[] {
  if (value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item))) {
    throw outputInvalid(`the Podman API's ${what} list`, 'an answer that is not a list of objects', JSON.stringify(value) ?? '');
  }
  return value as Raw[];
}

/**
 * One observation snapshot through the REST API: the same four lists and images as the CLI
 * path, each one request. Podman 4.3 lists secrets without labels, so the secrets that can be
 * Phoenix's (their names start with the project) are inspected, in parallel.
 */
export async function observeViaApi(api: PodmanApi, project: string, imageRefs: readonly string[], options: CallOptions = {}): Promise<ObservedState> {
  const call = { ...(options.signal === undefined ? {} : { signal: options.signal }), ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) };
  const [containers, networks, volumes, secrets, images] = await Promise.all([
    api.get('/containers/json?all=true', call),
    api.get('/networks/json', call),
    api.get('/volumes/json', call),
    api.get('/secrets/json', call),
    imageRefs.length === 0 ? Promise.resolve(null) : api.get('/images/json', call),
  ]);
  const listedSecrets = list(secrets, 'secrets').map(parseSecretListEntry);
  const observedSecrets = await Promise.all(
    listedSecrets.map(async (secret): Promise<ObservedSecret | null> => {
      if (secret.hasLabels || !secret.name.startsWith(`${project}-`)) return { id: secret.id, name: secret.name, labels: secret.labels };
      try {
        return parseSecretInspect((await api.get(`/secrets/${encodeURIComponent(secret.id)}/json`, call)) as Raw);
      } catch (error) {
        // Removed between the list and the inspect: it is not there any more.
        if (isPodmanError(error, 'PODMAN-NO-SUCH-OBJECT')) return null;
        throw error;
      }
    }),
  );
  return {
    containers: list(containers, 'containers').map(parsePsEntry),
    networks: list(networks, 'networks').map(parseNetwork),
    volumes: list(volumes, 'volumes').map(parseVolume),
    secrets: observedSecrets.filter((s): s is ObservedSecret => s !== null),
    ...observedImages(imageRefs, images === null ? null : list(images, 'images').map(parseImage)),
  };
}

/** Inspects at once at most this many containers: enough to hide the socket's latency, few enough not to flood the service. */
const INSPECT_CONCURRENCY = 8;

/**
 * `RestartCount` of each named container, read with one inspect request each over the socket
 * (a few ms each, against ~100 ms for a `podman container inspect` process). Best effort: a
 * container that cannot be inspected (removed in between, say) is left out; only an API that
 * cannot be reached fails the call, so that the caller falls back to the CLI.
 */
export async function restartCountsViaApi(api: PodmanApi, names: readonly string[], options: CallOptions = {}): Promise<Map<string, number>> {
  const call = { ...(options.signal === undefined ? {} : { signal: options.signal }), ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) };
  const counts = new Map<string, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++]!;
      try {
        const inspected = (await api.get(`/containers/${encodeURIComponent(name)}/json`, call)) as Raw;
        if (typeof inspected.RestartCount === 'number') counts.set(name, inspected.RestartCount);
      } catch (error) {
        if (error instanceof PodmanApiUnavailable) throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(INSPECT_CONCURRENCY, names.length) }, worker));
  return counts;
}
