/**
 * Reads the JSON the podman CLI prints into the observed model. Field names are those of
 * Podman 4.3 (checked against its real output); later versions add fields and these parsers
 * take what they know and ignore the rest.
 */
import type { ContainerState, HealthStatus, ObservedContainer, ObservedNetwork, ObservedSecret, ObservedVolume, PublishedPort } from '../model/observed.js';
import type { ContainerStatus, HealthCheckResult } from './podman-client.js';
import type { ListedImage } from './image-ref.js';
import { outputInvalid } from './podman-error.js';

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function stringMap(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * Parses a JSON array, or JSON lines (one object a line: what `--format '{{json .}}'` prints
 * where a command has no `--format json`, e.g. `podman secret ls` in 4.3).
 */
export function parseJsonList(text: string, command: string): Raw[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let items: unknown[];
  try {
    items = trimmed.startsWith('[')
      ? [JSON.parse(trimmed) as unknown]
      : trimmed
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as unknown);
  } catch (error) {
    throw outputInvalid(command, 'output that is not JSON', trimmed, error);
  }
  // A list of objects, or one object a line; anything else (a number, a string) is not an answer.
  const objects = items.flatMap((item) => (Array.isArray(item) ? item : [item]));
  if (!objects.every(isObject)) throw outputInvalid(command, 'JSON that is not a list of objects', trimmed);
  return objects;
}

const STATES: Readonly<Record<string, ContainerState>> = {
  created: 'created',
  configured: 'created',
  initialized: 'created',
  running: 'running',
  // Still running until it is gone; the next observation sees it exited.
  stopping: 'running',
  paused: 'paused',
  restarting: 'restarting',
  exited: 'exited',
  stopped: 'stopped',
  dead: 'dead',
  removing: 'removing',
};

/** Podman writes a never-set time as Go's zero time, -62135596800 in epoch seconds. */
function epochToIso(seconds: number | null): string | null {
  return seconds === null || seconds <= 0 ? null : new Date(seconds * 1000).toISOString();
}

/**
 * `Up 3 seconds (healthy)`: the only place `podman ps` says how a health check went. The REST
 * API's list says it bare (`healthy`) in the same field.
 */
export function healthFromStatus(status: string): HealthStatus {
  const match = /\((healthy|unhealthy|starting)\)/.exec(status) ?? /^(healthy|unhealthy|starting)$/.exec(status.trim());
  return (match?.[1] as HealthStatus | undefined) ?? 'none';
}

/** One entry of `podman ps -a --format json`. */
export function parsePsEntry(raw: Raw): ObservedContainer {
  const names = strings(raw.Names);
  const exitedAt = num(raw.ExitedAt);
  const hasExited = raw.Exited === true || (exitedAt !== null && exitedAt > 0);
  return {
    id: str(raw.Id),
    name: names[0] ?? '',
    labels: stringMap(raw.Labels),
    state: STATES[str(raw.State).toLowerCase()] ?? 'unknown',
    exitCode: hasExited ? (num(raw.ExitCode) ?? null) : null,
    image: str(raw.Image),
    imageId: str(raw.ImageID),
    startedAt: epochToIso(num(raw.StartedAt)),
    health: healthFromStatus(str(raw.Status)),
    // Podman 4.3's ps has no restart count; later versions print `Restarts`.
    restartCount: num(raw.Restarts) ?? 0,
    ...publishedPorts(raw.Ports),
  };
}

/** `{ ports }` when the container publishes any, else nothing (the field stays absent). */
function publishedPorts(value: unknown): { ports?: PublishedPort[] } {
  const ports = parsePorts(value);
  return ports.length === 0 ? {} : { ports };
}

/**
 * `Ports` of a ps entry: Podman's own shape (`host_ip`, `host_port`, `container_port`, `range`,
 * `protocol`, in the CLI and the libpod API alike), or Docker's (`IP`, `PublicPort`,
 * `PrivatePort`, `Type`); entries without a host port (exposed only) are left out.
 */
function parsePorts(value: unknown): PublishedPort[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).flatMap((port): PublishedPort[] => {
    const hostPort = num(port.host_port ?? port.PublicPort);
    const containerPort = num(port.container_port ?? port.PrivatePort);
    if (hostPort === null || containerPort === null || hostPort <= 0) return [];
    return [{ hostIp: str(port.host_ip ?? port.IP), hostPort, containerPort, range: num(port.range) ?? 1, protocol: str(port.protocol ?? port.Type) || 'tcp' }];
  });
}

/** `podman network ls --format json` (lower-case keys since netavark). */
export function parseNetwork(raw: Raw): ObservedNetwork {
  const subnets = Array.isArray(raw.subnets) ? raw.subnets.flatMap((s) => (isObject(s) && typeof s.subnet === 'string' ? [s.subnet] : [])) : [];
  return { id: str(raw.id ?? raw.ID ?? raw.Id), name: str(raw.name ?? raw.Name), labels: stringMap(raw.labels ?? raw.Labels), subnets };
}

/** `podman volume ls --format json`. */
export function parseVolume(raw: Raw): ObservedVolume {
  return { name: str(raw.Name ?? raw.name), labels: stringMap(raw.Labels ?? raw.labels) };
}

/** A `podman secret ls` line (`{ID, Name, ...}`), labels when the version prints them. */
export function parseSecretListEntry(raw: Raw): ObservedSecret & { readonly hasLabels: boolean } {
  const spec = isObject(raw.Spec) ? raw.Spec : {};
  const labels = raw.Labels ?? spec.Labels;
  return { id: str(raw.ID ?? raw.Id), name: str(raw.Name ?? spec.Name), labels: stringMap(labels), hasLabels: isObject(labels) };
}

/** `podman secret inspect` (`{ID, Spec: {Name, Labels}}`). */
export function parseSecretInspect(raw: Raw): ObservedSecret {
  const spec = isObject(raw.Spec) ? raw.Spec : {};
  return { id: str(raw.ID ?? raw.Id), name: str(spec.Name), labels: stringMap(spec.Labels) };
}

/** `podman images --format json`; 4.3 fills `Names` and leaves `RepoTags` null. */
export function parseImage(raw: Raw): ListedImage {
  const labels = isObject(raw.Labels) ? Object.fromEntries(Object.entries(raw.Labels).map(([key, value]) => [key, str(value)])) : {};
  return { id: str(raw.Id ?? raw.ID), names: [...strings(raw.Names), ...strings(raw.RepoTags)], digests: strings(raw.RepoDigests), labels };
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** `podman container inspect NAME` (first element). */
export function parseContainerStatus(raw: unknown, command = 'podman container inspect'): ContainerStatus {
  // Every inspect of an existing container has a State: without one, the answer is not Podman's.
  if (!isObject(raw) || !isObject(raw.State)) throw outputInvalid(command, 'JSON without a container State', JSON.stringify(raw) ?? '');
  const state = raw.State;
  const finishedAt = str(state.FinishedAt);
  const finished = finishedAt !== '' && !finishedAt.startsWith(ZERO_TIME.slice(0, 4));
  return {
    exists: true,
    state: str(state.Status) || 'unknown',
    exitCode: finished ? num(state.ExitCode) : null,
    running: state.Running === true,
  };
}

const MAX_OUTPUT = 4096;

/** The output of the newest entry of `State.Health.Log` (4.3; `Healthcheck` in some versions). */
export function lastHealthOutput(raw: Raw): string {
  const state = isObject(raw.State) ? raw.State : {};
  const health = isObject(state.Health) ? state.Health : isObject(state.Healthcheck) ? state.Healthcheck : {};
  const log = Array.isArray(health.Log) ? health.Log.filter(isObject) : [];
  return str(log[log.length - 1]?.Output);
}

/** Trimmed, and cut to a few KiB: a check's output is for a log line, not a file. */
export function healthResult(healthy: boolean, output: string): HealthCheckResult {
  const trimmed = output.trim();
  return { healthy, output: trimmed.length > MAX_OUTPUT ? `${trimmed.slice(0, MAX_OUTPUT)}…` : trimmed };
}
