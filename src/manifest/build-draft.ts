import path from 'node:path';
import type { PullPolicy } from '../model/desired.js';
import type { IssueCode, SourceLocation } from '../model/issue.js';
import { parseDurationMs, parseSizeBytes } from './units.js';
import type { KeyPath } from './yaml-source.js';

/**
 * A service's `build:` as one Compose file writes it, in one shape (the short form made long,
 * lists made maps, the context made absolute). Nothing is read from disk yet: the Dockerfile
 * and the context's files are read when the desired state is built (build-inputs.ts).
 */
export interface BuildDraft {
  /** Absolute path of the context folder, when written (the default is the project folder). */
  readonly context?: string;
  /** The project folder: the context when none is written. */
  readonly projectDir: string;
  /** As written: relative to the context (or absolute). */
  readonly dockerfile?: string;
  readonly dockerfileInline?: string;
  /** A null value takes the variable's value (and is left out when it has none). */
  readonly args?: Readonly<Record<string, string | null>>;
  readonly target?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly network?: string;
  /** host -> ip. */
  readonly extraHosts?: Readonly<Record<string, string>>;
  readonly shmSizeBytes?: number;
  readonly cacheFrom?: readonly string[];
  readonly noCache?: boolean;
  readonly pull?: boolean;
  readonly tags?: readonly string[];
  /** Where `build:` was written, for messages about the context and the Dockerfile. */
  readonly location: SourceLocation;
  readonly contextLocation: SourceLocation;
  readonly dockerfileLocation: SourceLocation;
}

/** A problem in a `build:` or `pull_policy` value, with its own code. */
export interface BuildProblem {
  readonly code: IssueCode;
  readonly severity: 'error' | 'warning';
  readonly path: KeyPath;
  readonly message: string;
  readonly remediation: string;
}

/** Build keys of the Compose Specification Phoenix refuses, each with why. */
const REFUSED_BUILD_KEYS: Readonly<Record<string, string>> = {
  ssh: 'Phoenix does not pass SSH agents or keys to builds',
  secrets: 'build secrets are not supported by Phoenix yet',
  additional_contexts: 'more build contexts are not supported by Phoenix yet (their files would have to enter the build digest)',
  platforms: "Phoenix builds for the host's platform only: a multi-platform build makes a manifest list, which it does not run",
  entitlements: 'BuildKit entitlements have no Podman equivalent',
  isolation: 'build isolation is not supported by Phoenix yet',
  privileged: 'privileged builds are not supported by Phoenix',
  ulimits: 'build ulimits are not supported by Phoenix yet',
};

type Raw = Record<string, unknown>;

/**
 * Normalises a service's `build:` value (the schema already checked its shape). `at` gives the
 * location of a key path's value; relative paths resolve against `projectDir`, as in Compose.
 */
export function normaliseBuild(value: unknown, keyPath: KeyPath, projectDir: string, at: (keyPath: KeyPath) => SourceLocation, report: (problem: BuildProblem) => void): BuildDraft {
  const raw: Raw = typeof value === 'string' ? { context: value } : ((value ?? {}) as Raw);
  const f = (key: string): KeyPath => (typeof value === 'string' ? keyPath : [...keyPath, key]);
  const refuse = (key: string, message: string, remediation: string): void => {
    report({ code: 'PHX-BUILD-UNSUPPORTED', severity: 'error', path: f(key), message, remediation });
  };
  for (const [key, why] of Object.entries(REFUSED_BUILD_KEYS)) {
    if (raw[key] !== undefined) refuse(key, `build.${key} is refused: ${why}`, `Remove build.${key}, or build the image yourself (podman build) and set \`image:\` without \`build:\`.`);
  }
  if (raw.cache_to !== undefined) {
    report({ code: 'PHX-BUILD-UNSUPPORTED', severity: 'warning', path: f('cache_to'), message: 'build.cache_to is ignored: Podman 4.3 cannot export a build cache', remediation: 'Remove it, or keep it for other tools.' });
  }
  const contextText = typeof raw.context === 'string' ? raw.context : '.';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(contextText) || contextText.startsWith('git@')) {
    refuse('context', `build context "${contextText}" is a URL: Phoenix builds from local folders only (their files enter the build digest)`, 'Clone the repository and point `context:` at the folder.');
  }
  if (raw.dockerfile !== undefined && raw.dockerfile_inline !== undefined) {
    report({ code: 'PHX-INVALID-VALUE', severity: 'error', path: f('dockerfile_inline'), message: 'build has both dockerfile and dockerfile_inline', remediation: 'Keep one of them.' });
  }
  const draft: { -readonly [K in keyof BuildDraft]: BuildDraft[K] } = {
    ...(raw.context === undefined ? {} : { context: path.resolve(projectDir, contextText) }),
    projectDir,
    location: at(keyPath),
    contextLocation: at(raw.context === undefined ? keyPath : f('context')),
    dockerfileLocation: at(raw.dockerfile === undefined ? (raw.context === undefined ? keyPath : f('context')) : f('dockerfile')),
  };
  if (typeof raw.dockerfile === 'string') draft.dockerfile = raw.dockerfile;
  if (typeof raw.dockerfile_inline === 'string') draft.dockerfileInline = raw.dockerfile_inline;
  if (raw.args !== undefined) draft.args = keyValues(raw.args, true);
  if (typeof raw.target === 'string') draft.target = raw.target;
  if (raw.labels !== undefined) draft.labels = Object.fromEntries(Object.entries(keyValues(raw.labels, false)).map(([k, v]) => [k, v ?? '']));
  if (typeof raw.network === 'string') draft.network = raw.network;
  if (raw.extra_hosts !== undefined) draft.extraHosts = extraHosts(raw.extra_hosts);
  if (raw.shm_size !== undefined) {
    const bytes = parseSizeBytes(raw.shm_size as string | number);
    if (bytes === null) report({ code: 'PHX-INVALID-VALUE', severity: 'error', path: f('shm_size'), message: `shm_size "${String(raw.shm_size)}" is not a size`, remediation: 'Write a size such as 64m or 1g.' });
    else draft.shmSizeBytes = bytes;
  }
  if (Array.isArray(raw.cache_from)) draft.cacheFrom = raw.cache_from.map(String);
  if (typeof raw.no_cache === 'boolean') draft.noCache = raw.no_cache;
  if (typeof raw.pull === 'boolean') draft.pull = raw.pull;
  if (Array.isArray(raw.tags)) draft.tags = raw.tags.map(String);
  return draft;
}

/**
 * Merges an overlay's `build:` onto an earlier file's, as Compose merges mappings: args and
 * labels key by key, lists appended without duplicates, other fields replaced.
 */
export function mergeBuildDrafts(base: BuildDraft, overlay: BuildDraft): BuildDraft {
  const merged: { -readonly [K in keyof BuildDraft]: BuildDraft[K] } = { ...base, ...overlay };
  // An overlay that writes no context keeps the earlier one (and where it was written).
  if (overlay.context === undefined) {
    merged.projectDir = base.projectDir;
    merged.contextLocation = base.contextLocation;
  }
  if (overlay.dockerfile === undefined) merged.dockerfileLocation = base.dockerfileLocation;
  if (base.args !== undefined || overlay.args !== undefined) merged.args = { ...base.args, ...overlay.args };
  if (base.labels !== undefined || overlay.labels !== undefined) merged.labels = { ...base.labels, ...overlay.labels };
  if (base.extraHosts !== undefined || overlay.extraHosts !== undefined) merged.extraHosts = { ...base.extraHosts, ...overlay.extraHosts };
  for (const key of ['cacheFrom', 'tags'] as const) {
    if (base[key] !== undefined || overlay[key] !== undefined) merged[key] = [...new Set([...(base[key] ?? []), ...(overlay[key] ?? [])])];
  }
  return merged;
}

/** `missing`, `always`, `never`, `build`, `daily`, `weekly`, `every_<duration>` (`if_not_present` is `missing`); null when not one of them. */
export function parsePullPolicy(text: string): PullPolicy | null {
  switch (text) {
    case 'missing':
    case 'if_not_present':
      return { mode: 'missing' };
    case 'always':
    case 'never':
    case 'build':
      return { mode: text };
    case 'daily':
      return { mode: 'every', intervalMs: 24 * 3_600_000 };
    case 'weekly':
      return { mode: 'every', intervalMs: 7 * 24 * 3_600_000 };
    default: {
      const match = /^every_(.+)$/.exec(text);
      const intervalMs = match === null ? null : parseDurationMs(match[1]!);
      return intervalMs === null || intervalMs <= 0 ? null : { mode: 'every', intervalMs };
    }
  }
}

/** A map, or a list of `KEY=VALUE` (a bare `KEY` is null when `bareIsNull`, else ''). */
function keyValues(value: unknown, bareIsNull: boolean): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (Array.isArray(value)) {
    for (const entry of value) {
      const text = String(entry);
      const eq = text.indexOf('=');
      if (eq === -1) out[text] = bareIsNull ? null : '';
      else out[text.slice(0, eq)] = text.slice(eq + 1);
    }
    return out;
  }
  for (const [key, entry] of Object.entries((value ?? {}) as Raw)) out[key] = entry === null ? (bareIsNull ? null : '') : String(entry);
  return out;
}

function extraHosts(value: unknown): Record<string, string> {
  if (!Array.isArray(value)) return Object.fromEntries(Object.entries(value as Raw).map(([host, ip]) => [host, String(ip)]));
  const out: Record<string, string> = {};
  for (const entry of value) {
    const text = String(entry);
    const separator = text.includes('=') ? text.indexOf('=') : text.indexOf(':');
    out[text.slice(0, separator)] = text.slice(separator + 1);
  }
  return out;
}
