import path from 'node:path';
import type { AgeIdentitySource, DesiredState, SecretSource } from '../model/desired.js';
import type { SecretDigester } from '../model/hash.js';
import type { IssueCode, ManifestIssue, SourceLocation } from '../model/issue.js';
import { formatPath } from '../model/issue.js';
import type { BuildContext } from './build-context.js';
import type { BuildContextReader } from './context-reader.js';
import { manifestContextReader } from './context-reader.js';
import { checkAddressesAndServices } from './address-checks.js';
import { buildDesiredState } from './build-desired.js';
import { InputFileError } from './bounded-read.js';
import { loadComposeProject } from './compose-project.js';
import { parseDotenv } from './dotenv.js';
import type { EnvironmentManifest, EnvironmentSecret, NamedFile } from './environment-manifest.js';
import { foldRepeatedIssues } from './issue-folding.js';
import { issueAt, yamlErrorIssue } from './manifest-issue.js';
import { resolvePolicy } from './policy.js';
import { activeProfiles, selectProfiles } from './profiles.js';
import type { ManifestReader } from './reader.js';
import { checkEnvironmentGrammar, pruneFindings } from './grammar-checks.js';
import { checkSchemaAndPrune } from './schema-check.js';
import { checkSemantics, policyContextOf, policyFindings } from './semantic-checks.js';
import type { PolicyContext, PolicyFinding } from '../security/spec-policy.js';
import { parseYamlWithLocations } from './yaml-source.js';

/** What loading an environment needs; the loader itself does no I/O. */
export interface LoadOptions {
  /** Absolute path of the folder holding `<name>.yaml`. */
  readonly environmentsDir: string;
  readonly name: string;
  readonly reader: ManifestReader;
  readonly processEnv: Readonly<Record<string, string | undefined>>;
  /** Paths in messages are shown relative to this folder. */
  readonly cwd: string;
  readonly homeDir: string;
  readonly digester: SecretDigester;
  /** Plan and apply need every secret's value; validate only warns when an environment variable is unset. */
  readonly requireSecretValues: boolean;
  /**
   * Read-only and removal commands need no secret values: a secret (or a config from a variable)
   * that cannot be read is then reported nowhere and left `valueUnknown` (see BuildContext).
   */
  readonly secretValuesOptional?: boolean;
  /** `--profile` flags; with none, `COMPOSE_PROFILES` is read (see profiles.ts). */
  readonly profiles?: readonly string[];
  /** Reads build contexts; default: through `reader` (which sees no file modes). */
  readonly contextReader?: BuildContextReader;
}

/**
 * What the policy made of a valid environment: the context its checks ran in (for judging a
 * saved plan the same way) and the elevated settings it granted (security.granted events).
 */
export interface SecurityReview {
  readonly context: PolicyContext;
  readonly granted: readonly PolicyFinding[];
}

/** The desired state with any warnings, or every problem found. */
export type LoadResult =
  | { readonly ok: true; readonly desired: DesiredState; readonly warnings: readonly ManifestIssue[]; readonly security: SecurityReview }
  | {
      readonly ok: false;
      readonly issues: readonly ManifestIssue[];
      /** The elevated settings the policy denied (security.denied events), when the manifests got that far. */
      readonly policyDenied?: { readonly project: string; readonly findings: readonly PolicyFinding[] };
    };

/**
 * Environment names are file names: this keeps them usable in container names too. At most 63
 * characters (a DNS label's length), so that `<name>.yaml` and the names derived from it fit.
 */
export const ENVIRONMENT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The environments a folder holds: every `<name>.yaml` (or `.yml`) directly inside it. */
export function listEnvironments(reader: ManifestReader, environmentsDir: string): string[] {
  const names = reader
    .list(environmentsDir)
    .filter((file) => /\.ya?ml$/.test(file))
    .map((file) => file.replace(/\.ya?ml$/, ''))
    .filter((name) => ENVIRONMENT_NAME.test(name));
  // Fix: `dev.yaml` next to `dev.yml` is one environment, not two (it was listed, and validated, twice).
  return [...new Set(names)].sort();
}

/**
 * Loads, interpolates, validates and normalises one environment: its environment file, the
 * Compose files it names (merged in order), variables, secrets and policy. Every problem in
 * every file is reported at once; a result with an error never carries a desired state, so a
 * broken manifest never reaches the planner. Never throws for bad input.
 */
export function loadEnvironment(options: LoadOptions): LoadResult {
  try {
    return loadReadableEnvironment(options);
  } catch (error) {
    // A file that must not or cannot be read (a FIFO, /dev/zero, a symlink loop, no permission)
    // stops the load: what was found so far may be a consequence of the file being unread.
    if (!(error instanceof InputFileError)) throw error;
    return { ok: false, issues: [inputFileIssue(error, options.cwd)] };
  }
}

/** The issue for a refused input file, at the file itself (the reader knows no key position). */
export function inputFileIssue(error: InputFileError, cwd: string): ManifestIssue {
  const relative = path.relative(cwd, error.path);
  const shown = relative.startsWith('..') || path.isAbsolute(relative) ? error.path : relative;
  return issueAt(error.code, { file: shown, line: 1, column: 1 }, [], error.message, error.remediation);
}

function loadReadableEnvironment(options: LoadOptions): LoadResult {
  const issues: ManifestIssue[] = [];
  const report = (issue: ManifestIssue): void => void issues.push(issue);
  /** Key paths (as shown) whose values the schema reported and took out. */
  const pruned: string[] = [];
  const display = (absolutePath: string): string => {
    const relative = path.relative(options.cwd, absolutePath);
    return relative.startsWith('..') || path.isAbsolute(relative) ? absolutePath : relative;
  };
  const env = readEnvironmentFile(options, display, report, pruned);
  if (env === null) return { ok: false, issues: finalIssues(issues, pruned) };

  const lookup = variableLookup(env, options, display, report);
  // Compose resolves relative paths against the first file's folder (the project directory).
  const projectDir = path.dirname(env.composeFiles[0]!.path);
  const project = loadComposeProject(env.composeFiles, projectDir, lookup, { reader: options.reader, report, display, pruned: (keyPath) => pruned.push(formatPath(keyPath)) });
  if (project === null) return { ok: false, issues: finalIssues(issues, pruned) };

  const profiles = activeProfiles({ flags: options.profiles ?? [], composeProfiles: lookup('COMPOSE_PROFILES'), environment: env.profiles });
  const selection = selectProfiles(project, profiles);
  issues.push(...selection.issues);
  const merged = selection.draft;
  const ctx: BuildContext = { reader: options.reader, contextReader: options.contextReader ?? manifestContextReader(options.reader), lookup, processEnv: options.processEnv, digester: options.digester, requireSecretValues: options.requireSecretValues, secretValuesOptional: options.secretValuesOptional === true, display, homeDir: options.homeDir, report };
  const built = buildDesiredState(merged, env, ctx);
  const desired = selection.inactive.length === 0 ? built : { ...built, inactiveServices: selection.inactive };
  const policyContext = policyContextOf(desired, env, (p) => options.reader.realPath?.(p) ?? p);
  const findings = policyFindings(desired, policyContext);
  issues.push(...checkSemantics(merged, desired, env, findings));
  issues.push(...checkAddressesAndServices(project, env.composeFiles, issues.some((i) => i.severity === 'error')));
  const all = finalIssues(issues, pruned);
  const denied = findings.filter((f) => !f.allowed);
  if (all.some((i) => i.severity === 'error')) return { ok: false, issues: all, ...(denied.length === 0 ? {} : { policyDenied: { project: env.project, findings: denied } }) };
  return { ok: true, desired, warnings: all, security: { context: policyContext, granted: findings.filter((f) => f.allowed) } };
}

/** Issues the schema stage reports; every other issue comes from a later check. */
const SCHEMA_STAGE: ReadonlySet<IssueCode> = new Set(['PHX-YAML-SYNTAX', 'PHX-SCHEMA', 'PHX-UNKNOWN-KEY', 'PHX-UNSUPPORTED-KEY', 'PHX-SECRET-INLINE', 'PHX-INVALID-FORMAT', 'PHX-LABEL-RESERVED', 'PHX-LIMIT-EXCEEDED']);

/**
 * Every issue once, in file order: later checks ran on what the schema left, so an issue of
 * theirs about a part the schema already reported (and took out) is a consequence, not news
 * (a service whose `image:` was invalid has no image); issues repeated by a YAML anchor are folded.
 */
function finalIssues(issues: readonly ManifestIssue[], pruned: readonly string[]): ManifestIssue[] {
  const within = (inner: string, outer: string): boolean => inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  // A policy with a part left out is the default there, which would refuse what the user allowed.
  const policyBroken = pruned.some((p) => within(p, 'policy'));
  const consequence = (issue: ManifestIssue): boolean =>
    !SCHEMA_STAGE.has(issue.code) &&
    ((policyBroken && issue.code.startsWith('PHX-POLICY-')) || (issue.path !== '' && pruned.some((p) => within(issue.path, p) || (issue.code === 'PHX-NO-IMAGE' && (p === `${issue.path}.image` || p === `${issue.path}.extends`)))));
  return sortIssues(foldRepeatedIssues(issues.filter((issue) => !consequence(issue))));
}

function sortIssues(issues: readonly ManifestIssue[]): ManifestIssue[] {
  return [...issues].sort((a, b) => a.location.file.localeCompare(b.location.file) || a.location.line - b.location.line || a.location.column - b.location.column);
}

/** An environment file's secret source as written (the schema allows exactly one shape). */
interface RawSecretSource {
  file?: string;
  environment?: string;
  age?: string;
  sops?: string;
  key?: string;
  key_file?: string;
  key_environment?: string;
}

interface RawEnvironment {
  project: string;
  compose: string[];
  profiles?: string[];
  dotenv?: string[];
  variables?: Record<string, string | number | boolean>;
  secrets?: Record<string, RawSecretSource>;
  policy?: Parameters<typeof resolvePolicy>[0];
}

function readEnvironmentFile(options: LoadOptions, display: (p: string) => string, report: (i: ManifestIssue) => void, pruned: string[]): EnvironmentManifest | null {
  const yamlFile = path.join(options.environmentsDir, `${options.name}.yaml`);
  if (!ENVIRONMENT_NAME.test(options.name)) {
    report(issueAt('PHX-INVALID-VALUE', { file: display(yamlFile), line: 1, column: 1 }, [], `"${options.name.length > 80 ? `${options.name.slice(0, 80)}…` : options.name}" is not a valid environment name.`, 'Use at most 63 lower-case letters, digits, "-" and "_", starting with a letter or digit.'));
    return null;
  }
  // Fix: listEnvironments lists `<name>.yml` too, so loading must read it (it only tried `.yaml`,
  // and then reported the environment it had just listed as unknown). `.yaml` wins when both exist.
  const ymlFile = path.join(options.environmentsDir, `${options.name}.yml`);
  const yamlText = options.reader.readText(yamlFile);
  const ymlText = yamlText === null ? options.reader.readText(ymlFile) : null;
  const file = ymlText !== null ? ymlFile : yamlFile;
  const text = yamlText ?? ymlText;
  const shown = display(file);
  const here: SourceLocation = { file: shown, line: 1, column: 1 };
  if (text === null) {
    const known = listEnvironments(options.reader, options.environmentsDir);
    report(issueAt('PHX-FILE-NOT-FOUND', here, [], `environment "${options.name}" has no file ${shown}.`, known.length > 0 ? `Known environments: ${known.join(', ')}.` : `Create ${shown}, or pass --environments DIR.`));
    return null;
  }
  const parsed = parseYamlWithLocations(text, shown);
  if (!parsed.ok) {
    for (const error of parsed.errors) report(yamlErrorIssue(error));
    return null;
  }
  // Invalid parts are reported and left out; the compose files are still read when the file
  // names them and a valid project, so that their problems are reported in the same round.
  const grammar = checkEnvironmentGrammar(parsed.value, parsed.locations);
  grammar.issues.forEach(report);
  pruned.push(...grammar.prune.map((keyPath) => formatPath(keyPath)));
  pruneFindings(parsed.value, grammar);
  const checked = checkSchemaAndPrune('environment', parsed.value, parsed.locations);
  checked.issues.forEach(report);
  pruned.push(...checked.pruned.map((keyPath) => formatPath(keyPath)));
  const raw = checked.value as RawEnvironment | null;
  if (raw === null || raw.project === undefined || raw.compose === undefined || raw.compose.length === 0) return null;
  const dir = path.dirname(file);
  const named = (entries: readonly string[], key: string): NamedFile[] =>
    entries.map((entry, index) => {
      const absolute = path.resolve(dir, entry);
      return { path: absolute, display: display(absolute), location: parsed.locations.valueAt([key, index]) };
    });
  const secrets = new Map<string, EnvironmentSecret>();
  for (const [name, spec] of Object.entries(raw.secrets ?? {})) {
    const sourceKey = spec.file !== undefined ? 'file' : spec.age !== undefined ? 'age' : spec.sops !== undefined ? 'sops' : 'environment';
    const location = parsed.locations.valueAt(['secrets', name, sourceKey]);
    secrets.set(name, { source: secretSourceOf(spec, dir, `${location.file}:${location.line}:${location.column}`), location });
  }
  const defaultDotenv = path.join(dir, '.env');
  const dotenvFiles = raw.dotenv !== undefined ? named(raw.dotenv, 'dotenv') : options.reader.readText(defaultDotenv) !== null ? [{ path: defaultDotenv, display: display(defaultDotenv), location: here }] : [];
  let policyValid = true;
  const policy = resolvePolicy(raw.policy, dir, (keyPath, value, kind) => {
    policyValid = false;
    const advice = kind === 'duration' ? 'Write a duration such as 30s, 5m or 1h30m, or a number of seconds.' : 'Write a size such as 512m or 1g.';
    report(issueAt('PHX-INVALID-VALUE', parsed.locations.valueAt(keyPath), keyPath, `"${String(value)}" is not a ${kind}.`, advice));
  });
  if (!policyValid) return null;
  return {
    name: options.name,
    file: shown,
    dir,
    project: raw.project,
    composeFiles: named(raw.compose, 'compose'),
    profiles: raw.profiles ?? [],
    dotenvFiles,
    variables: Object.fromEntries(Object.entries(raw.variables ?? {}).map(([k, v]) => [k, String(v)])),
    secrets,
    policy,
    locations: parsed.locations,
  };
}

/** Process environment over `variables:` over dotenv files (a later file over an earlier one). */
function variableLookup(env: EnvironmentManifest, options: LoadOptions, display: (p: string) => string, report: (i: ManifestIssue) => void): (name: string) => string | undefined {
  // Maps, not plain objects: `${constructor}` must be an unset variable, not Object's constructor.
  const fromDotenv = new Map<string, string>();
  for (const file of env.dotenvFiles) {
    const text = options.reader.readText(file.path);
    if (text === null) {
      report(issueAt('PHX-FILE-NOT-FOUND', file.location, ['dotenv'], `dotenv file ${file.display} does not exist.`, 'Create it or remove it from `dotenv:`.'));
      continue;
    }
    const parsed = parseDotenv(text);
    for (const problem of parsed.errors) {
      report({ code: 'PHX-ENV-FILE-SYNTAX', severity: 'error', location: { file: display(file.path), line: problem.line, column: problem.column }, path: '', message: problem.message, remediation: 'Write each line as KEY=VALUE; lines starting with # are comments.' });
    }
    for (const entry of parsed.entries) fromDotenv.set(entry.key, entry.value);
  }
  const own = (record: Readonly<Record<string, string | undefined>>, name: string): string | undefined => (Object.hasOwn(record, name) ? record[name] : undefined);
  return (name) => own(options.processEnv, name) ?? own(env.variables, name) ?? fromDotenv.get(name);
}

/** The SecretSource an environment file's entry names; paths are relative to the environment file's folder. */
function secretSourceOf(spec: RawSecretSource, dir: string, declaredAt: string): SecretSource {
  if (spec.file !== undefined) return { kind: 'file', path: path.resolve(dir, spec.file) };
  const identity: AgeIdentitySource = spec.key_file !== undefined ? { kind: 'file', path: path.resolve(dir, spec.key_file) } : { kind: 'environment', variable: spec.key_environment ?? '' };
  if (spec.age !== undefined) return { kind: 'age', path: path.resolve(dir, spec.age), identity, declaredAt };
  if (spec.sops !== undefined) return { kind: 'sops', path: path.resolve(dir, spec.sops), key: spec.key ?? '', identity, declaredAt };
  return { kind: 'environment', variable: spec.environment ?? '' };
}
