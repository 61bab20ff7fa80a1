import path from 'node:path';
import type { IssueCode, ManifestIssue, SourceLocation } from '../model/issue.js';
import { formatPath } from '../model/issue.js';
import type { ComposeDraft } from './compose-draft.js';
import { markId, normaliseCompose } from './compose-normalize.js';
import type { NamedFile } from './environment-manifest.js';
import { interpolateValue } from './interpolate.js';
import type { InterpolationError } from './interpolate.js';
import { issueAt, yamlErrorIssue } from './manifest-issue.js';
import type { ManifestReader } from './reader.js';
import { checkComposeGrammar, pruneFindings } from './grammar-checks.js';
import { checkSchemaAndPrune } from './schema-check.js';
import type { KeyPath, LocationMap } from './yaml-source.js';
import { Override, parseYamlWithLocations, RESET } from './yaml-source.js';

/** A service's `extends:`, as written. */
export interface ExtendsRef {
  readonly service: string;
  /** Absolute path of the other Compose file; absent: the same file. */
  readonly file?: string;
  /** Where `extends` was written, for messages. */
  readonly location: SourceLocation;
}

/** One entry of a top-level `include:`, paths made absolute. */
export interface IncludeRef {
  /** The Compose files, merged in order. */
  readonly paths: readonly string[];
  readonly projectDir: string;
  /** Dotenv files named by `env_file`; absent: `.env` in the project directory, when it exists. */
  readonly envFiles?: readonly string[];
  readonly location: SourceLocation;
}

/** One Compose file read, interpolated, validated and normalised. */
export interface LoadedComposeFile {
  /** Absolute path. */
  readonly path: string;
  readonly display: string;
  /** The folder its relative paths resolve against. */
  readonly projectDir: string;
  readonly draft: ComposeDraft;
  /** Each service's `extends:`. */
  readonly extends: ReadonlyMap<string, ExtendsRef>;
  readonly includes: readonly IncludeRef[];
}

/** Where a Compose file was named, for the message when it does not exist. */
export interface NamedBy {
  readonly keyPath: KeyPath;
  readonly advice: string;
}

/** A file listed under the environment's `compose:`. */
export const LISTED_IN_ENVIRONMENT: NamedBy = { keyPath: ['compose'], advice: 'Correct the path (it is relative to the environment file) or create the file.' };

/** What reading a Compose file needs. */
export interface ComposeFileContext {
  readonly reader: ManifestReader;
  readonly report: (issue: ManifestIssue) => void;
  /** Shows an absolute path the way users should read it. */
  readonly display: (absolutePath: string) => string;
  /** Records a key path whose value was invalid and left out, so later checks stay quiet about it. */
  readonly pruned: (keyPath: KeyPath) => void;
}

/**
 * Reads one Compose file: YAML with positions, `!reset`/`!override` tags, interpolation with
 * `lookup`, the schema (invalid parts are reported and left out, the rest goes on), and
 * normalisation with relative paths resolved against `projectDir`. Null only when nothing can
 * be read (a missing file, a YAML syntax error, a document that is not a map).
 */
export function readComposeFile(file: NamedFile, projectDir: string, lookup: (name: string) => string | undefined, ctx: ComposeFileContext, namedBy: NamedBy = LISTED_IN_ENVIRONMENT): LoadedComposeFile | null {
  const text = ctx.reader.readText(file.path);
  if (text === null) {
    ctx.report(issueAt('PHX-FILE-NOT-FOUND', file.location, namedBy.keyPath, `compose file ${file.display} does not exist.`, namedBy.advice));
    return null;
  }
  const parsed = parseYamlWithLocations(text, file.display);
  if (!parsed.ok) {
    for (const error of parsed.errors) ctx.report(yamlErrorIssue(error));
    return null;
  }
  const marks = { reset: new Set<string>(), override: new Set<string>() };
  const unmarked = stripTags(parsed.value, [], marks, parsed.locations, ctx.report);
  const unresolved: string[] = [];
  const interpolated = interpolateValue(unmarked, lookup, (keyPath, error) => {
    unresolved.push(formatPath(keyPath));
    ctx.report(interpolationIssue(error, parsed.locations, keyPath));
  });
  // Grammars first, on the values as written: the schema would coerce `image: 123` to text.
  // A value whose variable is unset was already reported; what is left of it is no second problem.
  const grammar = checkComposeGrammar(interpolated, parsed.locations, (keyPath) => unresolved.includes(formatPath(keyPath)));
  grammar.issues.forEach(ctx.report);
  grammar.prune.forEach(ctx.pruned);
  pruneFindings(interpolated, grammar);
  const checked = checkSchemaAndPrune('compose', interpolated, parsed.locations);
  checked.issues.forEach(ctx.report);
  checked.pruned.forEach(ctx.pruned);
  const raw = checked.value;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    if (checked.issues.length === 0) ctx.report(issueAt('PHX-SCHEMA', { file: file.display, line: 1, column: 1 }, [], 'a compose file must be a map with a `services:` key.', 'Write the services under `services:`.'));
    return null;
  }
  const data = raw as Record<string, unknown>;
  if (data.version !== undefined) {
    ctx.report({ code: 'PHX-OBSOLETE-KEY', severity: 'warning', location: parsed.locations.keyAt(['version']), path: 'version', message: 'the Compose `version` key is obsolete and ignored.', remediation: 'Remove it.' });
  }
  const { draft, problems } = normaliseCompose(data, parsed.locations, marks, projectDir);
  for (const problem of problems) {
    const location = problem.onKey === true ? parsed.locations.keyAt(problem.path) : parsed.locations.valueAt(problem.path);
    ctx.report({ ...issueAt(problem.code ?? 'PHX-INVALID-VALUE', location, problem.path, `${problem.message}.`, problem.remediation), severity: problem.severity ?? 'error' });
  }
  return {
    path: file.path,
    display: file.display,
    projectDir,
    draft,
    extends: extendsOf(data, path.dirname(file.path), parsed.locations),
    includes: includesOf(data, projectDir, parsed.locations),
  };
}

function extendsOf(data: Record<string, unknown>, fileDir: string, locations: LocationMap): Map<string, ExtendsRef> {
  const out = new Map<string, ExtendsRef>();
  for (const [name, service] of Object.entries((data.services ?? {}) as Record<string, Record<string, unknown> | null>)) {
    const value = service?.extends as string | { service: string; file?: string } | undefined;
    if (value === undefined) continue;
    const location = locations.keyAt(['services', name, 'extends']);
    if (typeof value === 'string') out.set(name, { service: value, location });
    // Compose resolves `file` against the extending file's folder.
    else out.set(name, { service: value.service, ...(value.file === undefined ? {} : { file: path.resolve(fileDir, value.file) }), location });
  }
  return out;
}

function includesOf(data: Record<string, unknown>, projectDir: string, locations: LocationMap): IncludeRef[] {
  const entries = (data.include ?? []) as (string | { path: string | string[]; project_directory?: string; env_file?: string | string[] })[];
  return entries.map((entry, index) => {
    const location = locations.valueAt(['include', index]);
    if (typeof entry === 'string') {
      const file = path.resolve(projectDir, entry);
      return { paths: [file], projectDir: path.dirname(file), location };
    }
    const paths = (Array.isArray(entry.path) ? entry.path : [entry.path]).map((p) => path.resolve(projectDir, p));
    const envFiles = entry.env_file === undefined ? undefined : (Array.isArray(entry.env_file) ? entry.env_file : [entry.env_file]).map((p) => path.resolve(projectDir, p));
    return {
      paths,
      projectDir: entry.project_directory === undefined ? path.dirname(paths[0]!) : path.resolve(projectDir, entry.project_directory),
      ...(envFiles === undefined ? {} : { envFiles }),
      location,
    };
  });
}

function interpolationIssue(error: InterpolationError, locations: LocationMap, keyPath: KeyPath): ManifestIssue {
  const code: IssueCode = error.kind === 'unset' ? 'PHX-VARIABLE-UNSET' : error.kind === 'required' ? 'PHX-VARIABLE-REQUIRED' : 'PHX-INTERPOLATION-SYNTAX';
  const remediation =
    error.kind === 'syntax'
      ? 'Write ${NAME}, ${NAME:-default} or $$ for a literal dollar sign.'
      : `Set ${error.variable ?? 'it'} under \`variables:\` of the environment file, in a dotenv file or in the process environment, or give a default: \${${error.variable ?? 'NAME'}:-value}.`;
  return issueAt(code, locations.valueAt(keyPath), keyPath, `${error.message}.`, remediation);
}

/** Where `!reset` and `!override` may stand: a service's key, or a whole top-level resource. */
function tagAllowed(keyPath: KeyPath): boolean {
  if (keyPath.length === 3 && keyPath[0] === 'services') return true;
  return keyPath.length === 2 && ['networks', 'volumes', 'secrets', 'configs'].includes(String(keyPath[0]));
}

function stripTags(value: unknown, keyPath: KeyPath, marks: { reset: Set<string>; override: Set<string> }, locations: LocationMap, report: (i: ManifestIssue) => void): unknown {
  if (value === RESET || value instanceof Override) {
    if (!tagAllowed(keyPath)) {
      report(issueAt('PHX-INVALID-VALUE', locations.valueAt(keyPath), keyPath, `${value === RESET ? '!reset' : '!override'} is not supported here.`, 'Put the tag on a service key (e.g. `ports: !reset []`) or on a whole top-level network, volume, secret or config.'));
      return undefined;
    }
    if (value === RESET) {
      marks.reset.add(markId(keyPath));
      return undefined;
    }
    marks.override.add(markId(keyPath));
    return stripTags(value.value, keyPath, marks, locations, report);
  }
  if (Array.isArray(value)) return value.map((item, index) => stripTags(item, [...keyPath, index], marks, locations, report));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const stripped = stripTags(child, [...keyPath, key], marks, locations, report);
      if (stripped !== undefined) out[key] = stripped;
    }
    return out;
  }
  return value;
}
