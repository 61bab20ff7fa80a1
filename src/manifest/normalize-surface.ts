/**
 * Reads the Compose keys added for the Compose surface into a service draft: the container
 * options of service-options.ts, the resource limits Compose lets one write twice (`cpus` and
 * `mem_limit`, or under deploy), what else deploy sets (pids, reservations, restart_policy, and
 * notes for what it ignores), and links. Part of the normaliser, in its own file.
 */
import type { ContainerOptions } from '../model/desired.js';
import type { IssueCode, SourceLocation } from '../model/issue.js';
import type { LinkDraft, Located, ServiceDraft } from './compose-draft.js';
import { ignoredKeyNotes } from './ignored-keys.js';
import { SERVICE_OPTIONS } from './service-options.js';
import type { ProblemSink } from './service-options.js';
import { parseSizeBytes } from './units.js';
import type { KeyPath } from './yaml-source.js';

type Raw = Record<string, unknown>;

/** Where the surface reader reports: the normaliser's locations, problems and notes. */
export interface NormaliseSink {
  at(keyPath: KeyPath): SourceLocation;
  problem(keyPath: KeyPath, message: string, remediation: string, code?: IssueCode): void;
  note(keyPath: KeyPath, message: string, remediation: string, code?: IssueCode): void;
}

/** Keys of {@link ServiceDraft.options} for the container options deploy sets. */
export const DEPLOY_PIDS = 'deploy.resources.limits.pids';
export const DEPLOY_MEMORY_RESERVATION = 'deploy.resources.reservations.memory';

/** `deploy:` as the schema lets it through. */
export interface DeployRaw {
  replicas?: number;
  mode?: string;
  resources?: {
    limits?: { cpus?: unknown; memory?: unknown; pids?: unknown };
    reservations?: { cpus?: unknown; memory?: unknown };
  };
  restart_policy?: { condition?: string; max_attempts?: unknown; delay?: string; window?: string };
}

/** A number of CPUs: a positive number, or null. */
export function positiveNumber(value: unknown): number | null {
  const cpus = Number(value);
  return Number.isFinite(cpus) && cpus > 0 ? cpus : null;
}

/** The surface keys of one service; see the module comment. */
export class SurfaceReader {
  constructor(private readonly sink: NormaliseSink) {}

  /** A resource limit Compose lets one write at the service (`cpus`, `mem_limit`) or under deploy; both must agree. */
  limit(draft: ServiceDraft, field: 'cpus' | 'memoryBytes', top: unknown, topPath: KeyPath, deployed: unknown, deployPath: KeyPath, parse: (value: unknown) => number | null): void {
    const read = (value: unknown, keyPath: KeyPath): number | undefined => {
      if (value === undefined) return undefined;
      const parsed = parse(value);
      if (parsed !== null) return parsed;
      this.sink.problem(keyPath, field === 'cpus' ? `cpus "${String(value)}" is not a positive number` : `memory "${String(value)}" is not a size`, field === 'cpus' ? 'Write a number of CPUs such as 0.5 or 2.' : 'Write a size such as 512m or 1g.');
      return undefined;
    };
    const fromTop = read(top, topPath);
    const fromDeploy = read(deployed, deployPath);
    if (fromTop !== undefined && fromDeploy !== undefined && fromTop !== fromDeploy) {
      this.sink.problem(topPath, `${String(topPath[topPath.length - 1])} and ${deployPath.slice(2).join('.')} are both set, to different values`, 'Keep one of them (Compose refuses distinct values too).');
      return;
    }
    const value = fromDeploy ?? fromTop;
    if (value !== undefined) draft[field] = value;
  }

  /** The keys of service-options.ts: each read by its row into container options. */
  options(draft: ServiceDraft, raw: Raw, base: KeyPath): void {
    const options = new Map<string, Located<ContainerOptions>>();
    for (const row of SERVICE_OPTIONS) {
      if (raw[row.key] === undefined) continue;
      const keyPath = [...base, row.key];
      const sink: ProblemSink = (message, remediation, below = []) => this.sink.problem([...keyPath, ...below], message, remediation);
      options.set(row.key, { value: row.read(raw[row.key], sink), location: this.sink.at(keyPath) });
    }
    if (options.size > 0) draft.options = options;
  }

  /** deploy: replicas and limits are read by the caller; here pids, reservations, restart_policy and what is ignored. */
  deploy(draft: ServiceDraft, deploy: DeployRaw, raw: Raw, keyPath: KeyPath): void {
    const options = draft.options ?? new Map<string, Located<ContainerOptions>>();
    const resources = deploy.resources;
    if (resources?.limits?.pids !== undefined) {
      const at = [...keyPath, 'resources', 'limits', 'pids'];
      const pids = Number(resources.limits.pids);
      if (!Number.isInteger(pids) || pids < -1) this.sink.problem(at, `pids "${String(resources.limits.pids)}" is not a whole number`, 'Write a number of processes, or -1 for unlimited.');
      else options.set(DEPLOY_PIDS, { value: { pidsLimit: pids }, location: this.sink.at(at) });
    }
    const reservations = resources?.reservations;
    if (reservations?.memory !== undefined) {
      const at = [...keyPath, 'resources', 'reservations', 'memory'];
      const bytes = parseSizeBytes(reservations.memory as string | number);
      if (bytes === null) this.sink.problem(at, `memory "${String(reservations.memory)}" is not a size`, 'Write a size such as 512m or 1g.');
      else options.set(DEPLOY_MEMORY_RESERVATION, { value: { memoryReservationBytes: bytes }, location: this.sink.at(at) });
    }
    if (reservations?.cpus !== undefined) {
      this.sink.note([...keyPath, 'resources', 'reservations', 'cpus'], 'Podman has no CPU reservation: on one host there is no scheduler that places containers by reserved CPUs', 'Use cpu_shares to weigh containers against each other, or deploy.resources.limits.cpus to cap one.');
    }
    if (options.size > 0) draft.options = options;
    const policy = deploy.restart_policy;
    if (policy !== undefined && raw.restart === undefined) {
      // Compose applies deploy.restart_policy when `restart` is not set.
      const condition = policy.condition ?? 'any';
      if (condition === 'none' || condition === 'no') draft.restart = 'no';
      else if (condition === 'on-failure') draft.restart = policy.max_attempts === undefined ? 'on-failure' : `on-failure:${Number(policy.max_attempts)}`;
      else if (condition === 'unless-stopped') draft.restart = 'unless-stopped';
      else draft.restart = 'always';
    }
    if (policy?.delay !== undefined || policy?.window !== undefined) {
      this.sink.note([...keyPath, 'restart_policy', policy.delay !== undefined ? 'delay' : 'window'], 'Podman restarts a container at once, with no delay and no window', 'Remove delay and window; Phoenix\'s own health policy (policy.health.backoff) spaces restarts it makes.');
    }
    for (const { key, message, remediation } of ignoredKeyNotes('deploy', deploy as Raw)) this.sink.note([...keyPath, key], message, remediation);
  }

  links(values: readonly string[], keyPath: KeyPath): Located<LinkDraft>[] {
    return values.map((text, index) => {
      const colon = text.indexOf(':');
      const name = colon === -1 ? text : text.slice(0, colon);
      return { value: { name, alias: colon === -1 ? name : text.slice(colon + 1) }, location: this.sink.at([...keyPath, index]) };
    });
  }
}
