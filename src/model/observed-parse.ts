import type { ContainerState, HealthStatus, ObservedContainer, ObservedState } from './observed.js';
import type { Result } from './result.js';
import { fail, ok } from './result.js';

const STATES: readonly ContainerState[] = ['created', 'running', 'paused', 'restarting', 'exited', 'stopped', 'dead', 'removing', 'unknown'];
const HEALTH: readonly HealthStatus[] = ['healthy', 'unhealthy', 'starting', 'none'];

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function labels(value: unknown, where: string, problems: string[]): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    problems.push(`${where}.labels must be an object of strings`);
    return {};
  }
  return value as Record<string, string>;
}

function text(value: unknown, where: string, problems: string[], fallback?: string): string {
  if (typeof value === 'string') return value;
  if (value === undefined && fallback !== undefined) return fallback;
  problems.push(`${where} must be a string`);
  return '';
}

/**
 * Checks and reads a saved observed-state snapshot (the JSON `phoenix plan --observed`
 * takes). Optional fields get their neutral value; every problem is reported with its place.
 */
export function parseObservedState(value: unknown): Result<ObservedState, string> {
  const problems: string[] = [];
  if (!isObject(value)) return fail(['the snapshot must be a JSON object with containers, networks, volumes, secrets and images']);
  const list = (key: string): Raw[] => {
    const items = value[key] ?? [];
    if (!Array.isArray(items) || !items.every(isObject)) {
      problems.push(`${key} must be a list of objects`);
      return [];
    }
    return items;
  };
  const containers = list('containers').map((c, i): ObservedContainer => {
    const where = `containers[${i}]`;
    const state = c.state ?? 'unknown';
    if (!STATES.includes(state as ContainerState)) problems.push(`${where}.state must be one of ${STATES.join(', ')}`);
    const health = c.health ?? 'none';
    if (!HEALTH.includes(health as HealthStatus)) problems.push(`${where}.health must be one of ${HEALTH.join(', ')}`);
    const exitCode = c.exitCode ?? null;
    if (exitCode !== null && typeof exitCode !== 'number') problems.push(`${where}.exitCode must be a number or null`);
    return {
      id: text(c.id, `${where}.id`, problems),
      name: text(c.name, `${where}.name`, problems),
      labels: labels(c.labels, where, problems),
      state: state as ContainerState,
      exitCode: exitCode as number | null,
      image: text(c.image, `${where}.image`, problems, ''),
      imageId: text(c.imageId, `${where}.imageId`, problems, ''),
      startedAt: typeof c.startedAt === 'string' ? c.startedAt : null,
      health: health as HealthStatus,
      restartCount: typeof c.restartCount === 'number' ? c.restartCount : 0,
    };
  });
  const networks = list('networks').map((n, i) => ({ id: text(n.id, `networks[${i}].id`, problems, ''), name: text(n.name, `networks[${i}].name`, problems), labels: labels(n.labels, `networks[${i}]`, problems) }));
  const volumes = list('volumes').map((v, i) => ({ name: text(v.name, `volumes[${i}].name`, problems), labels: labels(v.labels, `volumes[${i}]`, problems) }));
  const secrets = list('secrets').map((s, i) => ({ id: text(s.id, `secrets[${i}].id`, problems, ''), name: text(s.name, `secrets[${i}].name`, problems), labels: labels(s.labels, `secrets[${i}]`, problems) }));
  const images = value.images ?? {};
  if (!isObject(images) || !Object.values(images).every((v) => v === null || typeof v === 'string')) problems.push('images must map image references to image ids (or null)');
  // The labels of the image behind each reference (a built image's build digest): optional.
  const imageLabels = isObject(value.imageLabels) ? Object.fromEntries(Object.entries(value.imageLabels).map(([ref, l]) => [ref, labels(l, `imageLabels[${JSON.stringify(ref)}]`, problems)])) : undefined;
  if (value.imageLabels !== undefined && !isObject(value.imageLabels)) problems.push('imageLabels must map image references to their labels');
  if (problems.length > 0) return fail(problems);
  return ok({ containers, networks, volumes, secrets, images: images as Record<string, string | null>, ...(imageLabels === undefined ? {} : { imageLabels }) });
}
