import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ManifestIssue } from '../model/issue.js';
import { formatPath } from '../model/issue.js';
import type { KeyPath, LocationMap } from './yaml-source.js';
import { keyContext } from './key-context.js';
import { refusalOf } from './refused-keys.js';
import { extensionAllowed } from './extension-keys.js';

/** What a secret source may look like, for an entry that matches none of the shapes. */
const SECRET_SOURCE_SHAPES =
  'needs exactly one source: `file:`, `environment:`, `age:` with `key_file:` or `key_environment:`, or `sops:` with `key:` and `key_file:` or `key_environment:`';

/** The manifest kinds schemas/ describes. */
export type SchemaKind = 'environment' | 'compose';

const SCHEMA_FILES: Record<SchemaKind, string> = {
  environment: 'environment.schema.json',
  compose: 'compose.schema.json',
};

let compiled: Record<SchemaKind, ValidateFunction> | null = null;

/** The folder holding the JSON Schemas: `schemas/` at the package root (from src/ or dist/). */
export const SCHEMAS_DIR = new URL('../../schemas/', import.meta.url);

/**
 * Validators compiled at build time (scripts/compile-schemas.mjs writes them next to this
 * module in dist/); absent when running from src/, where they are compiled on first use.
 */
const PRECOMPILED = './schema-validators.js';
const precompiled = await import(PRECOMPILED).then(
  (module: Record<SchemaKind, ValidateFunction>) => module,
  () => null,
);
/** The schema compiler, loaded (~30 ms) only when there is nothing precompiled. */
const Ajv = precompiled === null ? (await import('ajv')).Ajv : null;

function validators(): Record<SchemaKind, ValidateFunction> {
  if (compiled !== null) return compiled;
  if (precompiled !== null) {
    compiled = { environment: precompiled.environment, compose: precompiled.compose };
    return compiled;
  }
  if (Ajv === null) throw new Error('unreachable: ajv is loaded whenever nothing is precompiled');
  // coerceTypes: an interpolated "${REPLICAS}" arrives as a string and must count as a number.
  // verbose: errors carry their parentSchema, which says whether a mapping allows x- extension keys.
  const ajv = new Ajv({ allErrors: true, coerceTypes: true, strict: false, useDefaults: false, verbose: true });
  const load = (kind: SchemaKind): ValidateFunction =>
    ajv.compile(JSON.parse(readFileSync(new URL(SCHEMA_FILES[kind], SCHEMAS_DIR), 'utf8')) as object);
  compiled = { environment: load('environment'), compose: load('compose') };
  return compiled;
}


/** What {@link checkSchemaAndPrune} found, and the data without its invalid parts. */
export interface PrunedData {
  readonly issues: ManifestIssue[];
  /** The data with every invalid part taken out; null when nothing valid is left. */
  readonly value: unknown;
  /** The key paths taken out (or emptied), so later checks do not report them a second time. */
  readonly pruned: readonly KeyPath[];
}

/** Rounds of pruning before giving up: removing a part can only make its parent invalid. */
const MAX_PRUNE_ROUNDS = 6;

/**
 * Validates data parsed from a manifest against its JSON Schema (coercing numeric and boolean
 * strings in place), turns every violation into an issue at the file:line:col of the offending
 * key or value, and then takes the invalid parts out of the data so that the checks
 * after the schema (references, ports, policy, …) still run on the rest: every problem of a
 * file is reported at once instead of in rounds. An unknown key is removed; an invalid list
 * item takes its whole list (its siblings' positions must not shift); an invalid top-level
 * network, volume, secret or config stays declared as external (references to it stay valid);
 * anything else is removed.
 */
export function checkSchemaAndPrune(kind: SchemaKind, data: unknown, locations: LocationMap): PrunedData {
  const validate = validators()[kind];
  if (validate(data)) return { issues: [], value: data, pruned: [] };
  const first = relevantErrors(validate.errors ?? [], data);
  const issues = first.map((error) => toIssue(error, locations));
  const pruned: KeyPath[] = [];
  let value: unknown = copyData(data);
  let errors = first;
  for (let round = 0; round < MAX_PRUNE_ROUNDS; round++) {
    for (const error of errors) {
      const target = pruneTarget(error);
      pruned.push(target);
      value = removeAt(kind, value, target);
    }
    if (value === null || validate(value)) return { issues, value, pruned };
    errors = relevantErrors(validate.errors ?? [], value);
  }
  return { issues, value: null, pruned };
}

/**
 * A deep copy of parsed YAML for pruning. Not structuredClone: a `!reset` tag where none is
 * allowed (an environment file made only of `!reset`) leaves a symbol in the data, which
 * structuredClone throws on; a symbol or tag object is kept as it is (the schema reports it).
 */
function copyData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyData);
  const proto: unknown = value !== null && typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (proto === Object.prototype || proto === null) {
    return Object.fromEntries(Object.entries(value as object).map(([key, child]) => [key, copyData(child)]));
  }
  return value;
}

function pruneTarget(error: ErrorObject): KeyPath {
  const keyPath = pointerToPath(error.instancePath);
  if (error.keyword === 'additionalProperties') return [...keyPath, (error.params as { additionalProperty: string }).additionalProperty];
  const listAt = keyPath.findIndex((segment) => typeof segment === 'number');
  return listAt === -1 ? keyPath : keyPath.slice(0, listAt);
}

const RESOURCE_SECTIONS = new Set(['networks', 'volumes', 'secrets', 'configs']);

function removeAt(kind: SchemaKind, data: unknown, keyPath: KeyPath): unknown {
  if (keyPath.length === 0) return null;
  const parent = valueAt(data, keyPath.slice(0, -1));
  const key = keyPath[keyPath.length - 1]!;
  if (parent === null || typeof parent !== 'object' || Array.isArray(parent)) return data;
  const record = parent as Record<string, unknown>;
  if (!(String(key) in record)) return data;
  const topLevelEntry = kind === 'compose' && keyPath.length === 2;
  if (topLevelEntry && RESOURCE_SECTIONS.has(String(keyPath[0]))) record[String(key)] = { external: true };
  else if (topLevelEntry && keyPath[0] === 'services') record[String(key)] = {};
  else delete record[String(key)];
  return data;
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

function valueAt(data: unknown, keyPath: KeyPath): unknown {
  let current = data;
  for (const segment of keyPath) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/**
 * ajv reports every failed branch of an anyOf; a user wants one sentence per place. Where an
 * object or list failed an anyOf, the errors inside it are the real ones; where a scalar did,
 * one combined "expected ..." sentence says it.
 */
function relevantErrors(errors: readonly ErrorObject[], data: unknown): ErrorObject[] {
  const unions = errors.filter((error) => error.keyword === 'anyOf' || error.keyword === 'oneOf');
  const out: ErrorObject[] = [];
  for (const error of errors) {
    // (An additionalProperties error of the object that holds the union is its own complaint, not a branch's.)
    const sibling = (u: ErrorObject): boolean => error.keyword === 'additionalProperties' && error.schemaPath === u.schemaPath.replace(/(anyOf|oneOf)$/, 'additionalProperties');
    const union = unions.find((u) => error !== u && !sibling(u) && error.schemaPath.startsWith(u.schemaPath.replace(/\/(anyOf|oneOf)$/, '')) && error.instancePath === u.instancePath);
    if (union !== undefined) continue; // a branch's complaint about the same value: folded into the union's sentence
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf') {
      // An unknown key in the object is the real complaint (an inline secret value, a typo): the
      // union's branches fail only because of it, and pruning the key re-checks the rest.
      if (errors.some((other) => other.keyword === 'additionalProperties' && other.instancePath === error.instancePath)) continue;
      const value = valueAt(data, pointerToPath(error.instancePath));
      const deeper = errors.some((other) => other.instancePath.startsWith(`${error.instancePath}/`));
      if (deeper && value !== null && typeof value === 'object') continue;
      const branches = errors.filter((other) => other !== error && other.instancePath === error.instancePath && other.schemaPath.startsWith(error.schemaPath.replace(/\/(anyOf|oneOf)$/, '')));
      out.push({ ...error, message: describeUnion(error, branches) });
      continue;
    }
    out.push(error);
  }
  return dedupe(out);
}

function describeUnion(error: ErrorObject, branches: readonly ErrorObject[]): string {
  if (error.keyword === 'oneOf' && branches.length === 0) return 'must match exactly one of the allowed forms (it matches more than one)';
  const expected = new Set<string>();
  for (const branch of branches) {
    if (branch.keyword === 'type') expected.add(String((branch.params as { type: string }).type));
    else if (branch.keyword === 'enum') for (const v of (branch.params as { allowedValues: unknown[] }).allowedValues) expected.add(JSON.stringify(v));
    else if (branch.keyword === 'pattern') expected.add(`text matching ${(branch.params as { pattern: string }).pattern}`);
    else if (branch.keyword === 'required') expected.add(`an object with "${(branch.params as { missingProperty: string }).missingProperty}"`);
    else if (branch.message !== undefined) expected.add(branch.message);
  }
  return expected.size === 0 ? 'has a value of the wrong form' : `must be ${[...expected].join(' or ')}`;
}

function dedupe(errors: readonly ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const id = `${error.instancePath}|${error.keyword}|${error.message}|${JSON.stringify(error.params)}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function toIssue(error: ErrorObject, locations: LocationMap): ManifestIssue {
  const keyPath = pointerToPath(error.instancePath);
  if (error.keyword === 'additionalProperties') {
    const key = (error.params as { additionalProperty: string }).additionalProperty;
    const full = [...keyPath, key];
    if (keyPath[0] === 'secrets' && keyPath.length === 2 && (key === 'value' || key === 'content')) {
      return {
        code: 'PHX-SECRET-INLINE',
        severity: 'error',
        location: locations.keyAt(full),
        path: formatPath(full),
        message: `secret "${String(keyPath[1])}" gives its value inline; Phoenix never keeps secret values in manifests.`,
        remediation: 'Put the value in a file kept out of git (`file:`) or in an environment variable (`environment:`).',
      };
    }
    const refusal = refusalOf(keyContext(keyPath), key);
    if (refusal !== undefined) {
      return {
        code: 'PHX-UNSUPPORTED-KEY',
        severity: 'error',
        location: locations.keyAt(full),
        path: formatPath(full),
        message: `Phoenix cannot honour "${key}": ${refusal.reason}.`,
        remediation: refusal.remediation,
      };
    }
    // Suggest the x- prefix only where the Compose Specification allows extensions.
    const keep = extensionAllowed(error) ? `; rename it x-${key} to keep it as an extension` : '';
    return {
      code: 'PHX-UNKNOWN-KEY',
      severity: 'error',
      location: locations.keyAt(full),
      path: formatPath(full),
      message: `Phoenix does not support the key "${key}" here.`,
      remediation: `Remove it or correct its spelling (docs/manifest.md lists every key)${keep}.`,
    };
  }
  const where = error.keyword === 'required' ? locations.keyAt(keyPath) : locations.valueAt(keyPath);
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'enum') message = `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  if (error.keyword === 'required') message = `needs the key "${(error.params as { missingProperty: string }).missingProperty}"`;
  if (error.keyword === 'type') message = `must be ${String((error.params as { type: string }).type).split(',').join(' or ')}`;
  // The secret source's oneOf branches each report their own miss: one sentence says what is accepted.
  if (keyPath[0] === 'secrets' && keyPath.length === 2 && ['maxProperties', 'minProperties', 'oneOf', 'not', 'required', 'anyOf'].includes(error.keyword)) message = SECRET_SOURCE_SHAPES;
  const shown = formatPath(keyPath);
  return {
    code: 'PHX-SCHEMA',
    severity: 'error',
    location: where,
    path: shown,
    message: `${shown === '' ? 'the document' : shown} ${message}.`,
    remediation: 'Correct the value (docs/manifest.md shows the accepted forms).',
  };
}
