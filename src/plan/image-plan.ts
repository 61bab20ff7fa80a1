import type { DesiredService, DesiredState, PullPolicy } from '../model/desired.js';
import { LABEL } from '../model/desired.js';
import type { ObservedState } from '../model/observed.js';
import type { PlanIssue } from './actions.js';
import type { PendingAction } from './order.js';

/** What decides a pull besides the manifests and the observed state. */
export interface ImagePlanOptions {
  /** Now, in ms since the epoch, for periodic pull policies (daily, weekly, every_X); without it, they pull only a missing image. */
  readonly now?: number;
  /** References pulled moments ago in this same run: their `always` or periodic pull is not repeated. */
  readonly pulled?: readonly string[];
  /**
   * Watch mode, which plans over and over: `always` pulls at most once per interval (not on
   * every reconcile), and with `all` (policy.image_updates) images under `missing` are pulled
   * as often too, so that a tag that moved is noticed. Needs `now`.
   */
  readonly imageUpdates?: { readonly intervalMs: number; readonly all: boolean };
}

/** The image steps of a plan, and what the container steps need to know of them. */
export interface ImagePlan {
  readonly pending: PendingAction[];
  /** The key of the build or pull of each image reference that has one: its containers wait for it. */
  readonly keys: ReadonlyMap<string, string>;
  /** Why each rebuilt image is rebuilt: its existing containers are recreated with this cause. */
  readonly rebuilt: ReadonlyMap<string, string>;
  readonly issues: PlanIssue[];
}

/**
 * Plans the builds and pulls of one environment's images, purely. A built image is built
 * when it is missing or its build-digest label differs from the desired digest (a changed
 * context file, Dockerfile, arg, ...), and never pulled. Another image is pulled as its
 * services' pull policies say: `missing` when absent, `always` every time, `never` not (an
 * absent image is an issue), periodic ones when Phoenix's last pull is older than the interval.
 * An image the observed state says nothing about (a saved snapshot without images) is left to
 * `podman create`, as before pulls were planned.
 */
export function planImages(desired: DesiredState, observed: ObservedState, options: ImagePlanOptions, insecureRegistries: readonly string[]): ImagePlan {
  const pending: PendingAction[] = [];
  const keys = new Map<string, string>();
  const rebuilt = new Map<string, string>();
  const issues: PlanIssue[] = [];
  const byImage = new Map<string, DesiredService[]>();
  for (const service of desired.services) byImage.set(service.spec.image, [...(byImage.get(service.spec.image) ?? []), service]);

  for (const [image, services] of byImage) {
    const builder = services.find((s) => s.build !== undefined);
    const imageId = observed.images[image];
    if (builder?.build !== undefined) {
      const cause = buildCause(builder.build.digest, builder.build.inputs, imageId, observed.imageLabels?.[image]);
      if (cause === null) continue;
      const key = `image:${image}:build`;
      pending.push({ key, action: { kind: 'image.build', cause, service: builder.name, build: builder.build }, after: new Set() });
      keys.set(image, key);
      if (imageId !== undefined && imageId !== null) rebuilt.set(image, cause);
      continue;
    }
    if (imageId === undefined) continue;
    const reasons = services.map((s) => pullReason(s.pullPolicy ?? { mode: 'missing' }, image, imageId, observed.imagePulledAt?.[image], options));
    const reason = reasons.find((r) => r !== null && r !== 'forbidden');
    if (reason !== undefined && reason !== null) {
      const key = `image:${image}:pull`;
      const tlsVerify = !insecureRegistries.includes(registryOf(image));
      pending.push({ key, action: { kind: 'image.pull', cause: reason, image, services: services.map((s) => s.name), tlsVerify }, after: new Set() });
      keys.set(image, key);
    } else if (reasons.includes('forbidden')) {
      issues.push({
        code: 'PHX-PLAN-IMAGE-MISSING',
        resource: { type: 'image', name: image },
        message: `image ${image} is not present and pull_policy: never forbids pulling it (services ${services.map((s) => s.name).join(', ')}).`,
        remediation: `Make it present (podman pull ${image}, podman load or podman build), or choose another pull_policy.`,
      });
    }
  }
  return { pending, keys, rebuilt, issues };
}

/** Why a built image must be built again, or null when its label says it was built from these inputs. */
function buildCause(digest: string, inputs: Readonly<Record<string, string>>, imageId: string | null | undefined, labels: Readonly<Record<string, string>> | undefined): string | null {
  if (imageId === undefined || imageId === null) return 'the image is not present';
  const built = labels?.[LABEL.buildDigest];
  if (built === digest) return null;
  if (built === undefined) return 'the image was not built by Phoenix from these inputs (no build digest label)';
  const before = parseInputs(labels?.[LABEL.buildInputs]);
  if (before === null) return 'build inputs changed';
  const names = [...new Set([...Object.keys(before), ...Object.keys(inputs)])].filter((name) => before[name] !== inputs[name]).sort();
  if (names.length === 0) return 'build inputs changed';
  const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
  return `build inputs changed: ${shown}`;
}

function parseInputs(text: string | undefined): Record<string, string> | null {
  if (text === undefined) return null;
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string>) : null;
  } catch {
    return null;
  }
}

/** Why to pull, null not to, 'forbidden' when it is absent and must not be pulled. */
function pullReason(policy: PullPolicy, image: string, imageId: string | null, pulledAt: number | undefined, options: ImagePlanOptions): string | null | 'forbidden' {
  const absent = imageId === null;
  const pulledNow = options.pulled?.includes(image) === true;
  const due = (intervalMs: number, why: string): string | null => {
    if (pulledNow || options.now === undefined) return null;
    if (pulledAt === undefined) return `${why} and Phoenix has not pulled it yet`;
    return options.now - pulledAt >= intervalMs ? `${why} and the last pull is older than ${formatInterval(intervalMs)}` : null;
  };
  const updates = options.imageUpdates;
  switch (policy.mode) {
    case 'never':
      return absent ? 'forbidden' : null;
    case 'missing':
    case 'build':
      if (absent) return 'the image is not present';
      return updates?.all === true && policy.mode === 'missing' ? due(updates.intervalMs, 'policy.image_updates polls its tag') : null;
    case 'always':
      if (absent) return 'the image is not present';
      if (updates !== undefined) return due(updates.intervalMs, 'pull_policy: always (in watch mode, once per interval)');
      return pulledNow ? null : 'pull_policy: always';
    case 'every':
      if (absent) return 'the image is not present';
      return due(policy.intervalMs, 'pull_policy is periodic');
  }
}

function formatInterval(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

/** The registry part of a reference (`docker.io` when it names none), as registries.conf and the policy write it. */
export function registryOf(reference: string): string {
  const slash = reference.indexOf('/');
  const first = slash === -1 ? '' : reference.slice(0, slash);
  return first !== '' && (first === 'localhost' || first.includes('.') || first.includes(':')) ? first : 'docker.io';
}
