/**
 * Whether a parsed JSON value is a plan in the form `phoenix plan --out` writes (format
 * version 1), checked as far as showing it needs: every field the text report reads, with its
 * type. Pure. It proves nothing about where the plan came from (that is the signature's job,
 * which `apply --plan` checks); `phoenix show` uses it to refuse a file it cannot render with
 * the place of the first problems, instead of failing half-way through the report.
 */
import type { Plan } from './actions.js';
import { PLAN_FORMAT_VERSION } from './actions.js';

/** A key path into the plan: object keys and array indexes. */
export type PlanPath = readonly (string | number)[];

/** One thing wrong with a saved plan: where, and what. */
export interface PlanShapeProblem {
  readonly path: PlanPath;
  readonly message: string;
}

type FieldType = 'string' | 'integer' | 'boolean' | 'string[]' | 'integer[]' | 'array' | 'object';

/** Fields of each action kind the report reads, besides id, kind, cause and dependsOn. */
const ACTION_FIELDS: Readonly<Record<string, readonly (readonly [string, FieldType])[]>> = {
  'image.build': [
    ['service', 'string'],
    ['build.image', 'string'],
    ['build.context', 'string'],
  ],
  'image.pull': [
    ['image', 'string'],
    ['services', 'string[]'],
    ['tlsVerify', 'boolean'],
  ],
  'network.create': [['network.podmanName', 'string']],
  'volume.create': [['volume.podmanName', 'string']],
  'secret.create': [
    ['secret.podmanName', 'string'],
    ['secret.name', 'string'],
    ['secret.digest', 'string'],
  ],
  'network.remove': [['name', 'string']],
  'volume.remove': [['name', 'string']],
  'secret.remove': [['name', 'string']],
  'container.create': [
    ['container.name', 'string'],
    ['container.service', 'string'],
    ['container.replica', 'integer'],
    ['container.spec.image', 'string'],
  ],
  'container.recreate': [
    ['container.name', 'string'],
    ['container.service', 'string'],
    ['container.replica', 'integer'],
    ['container.spec.image', 'string'],
    ['changes', 'array'],
  ],
  'container.start': [
    ['name', 'string'],
    ['awaits', 'array'],
  ],
  'container.stop': [['name', 'string']],
  'container.remove': [['name', 'string']],
};

const CHANGE_OPS = new Set(['add', 'remove', 'replace']);
/** Enough to fix a file by hand, few enough to read. */
const MAX_PROBLEMS = 10;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isSafeInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'string[]':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
    case 'integer[]':
      return Array.isArray(value) && value.every((item) => Number.isSafeInteger(item));
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isRecord(value);
  }
}

const DESCRIBED: Readonly<Record<FieldType, string>> = {
  string: 'a string',
  integer: 'a whole number',
  boolean: 'true or false',
  'string[]': 'a list of strings',
  'integer[]': 'a list of whole numbers',
  array: 'a list',
  object: 'an object',
};

/** Collects problems up to MAX_PROBLEMS. */
class Problems {
  readonly list: PlanShapeProblem[] = [];

  get full(): boolean {
    return this.list.length >= MAX_PROBLEMS;
  }

  /** Checks `record[dotted]` against `type`; records a problem at the deepest path that exists. */
  field(record: Record<string, unknown>, base: PlanPath, dotted: string, type: FieldType): void {
    if (this.full) return;
    let value: unknown = record;
    const path: (string | number)[] = [...base];
    for (const key of dotted.split('.')) {
      if (!isRecord(value)) {
        this.add(path, `must be an object with "${key}"`);
        return;
      }
      path.push(key);
      value = value[key];
    }
    if (value === undefined) this.add(path, `is missing (${DESCRIBED[type]})`);
    else if (!hasType(value, type)) this.add(path, `must be ${DESCRIBED[type]}, not ${JSON.stringify(value)?.slice(0, 60) ?? String(value)}`);
  }

  add(path: PlanPath, message: string): void {
    if (!this.full) this.list.push({ path, message });
  }
}

function checkAction(action: unknown, index: number, problems: Problems): void {
  const base: PlanPath = ['actions', index];
  if (!isRecord(action)) return problems.add(base, 'must be an object (an action)');
  const kind = action.kind;
  const fields = typeof kind === 'string' ? ACTION_FIELDS[kind] : undefined;
  if (fields === undefined) return problems.add([...base, 'kind'], `${JSON.stringify(kind)} is not an action kind (${Object.keys(ACTION_FIELDS).join(', ')})`);
  problems.field(action, base, 'id', 'integer');
  problems.field(action, base, 'cause', 'string');
  problems.field(action, base, 'dependsOn', 'integer[]');
  for (const [dotted, type] of fields) problems.field(action, base, dotted, type);
  if (kind === 'container.recreate' && Array.isArray(action.changes)) {
    action.changes.forEach((change, i) => {
      const at: PlanPath = [...base, 'changes', i];
      if (!isRecord(change)) return problems.add(at, 'must be an object (a field change)');
      if (!CHANGE_OPS.has(String(change.op))) problems.add([...at, 'op'], `must be add, remove or replace, not ${JSON.stringify(change.op)}`);
      problems.field(change, at, 'path', 'string');
      problems.field(change, at, 'sensitive', 'boolean');
    });
  }
  if (kind === 'container.start' && Array.isArray(action.awaits)) {
    action.awaits.forEach((wait, i) => {
      const at: PlanPath = [...base, 'awaits', i];
      if (!isRecord(wait)) return problems.add(at, 'must be an object (a dependency wait)');
      problems.field(wait, at, 'service', 'string');
      problems.field(wait, at, 'condition', 'string');
      problems.field(wait, at, 'required', 'boolean');
    });
  }
}

/**
 * The plan, when `value` has the shape of a saved plan (a `signature` field, which `plan --out`
 * adds, is left out: this checks no signature); else its first problems, each with its path.
 */
export function checkSavedPlanShape(value: unknown): { readonly ok: true; readonly plan: Plan } | { readonly ok: false; readonly problems: readonly PlanShapeProblem[] } {
  const problems = new Problems();
  if (!isRecord(value)) return { ok: false, problems: [{ path: [], message: 'must be a JSON object (a plan written by phoenix plan --out)' }] };
  if (value.formatVersion !== PLAN_FORMAT_VERSION) problems.add(['formatVersion'], `must be ${PLAN_FORMAT_VERSION} (this Phoenix reads plans of format version ${PLAN_FORMAT_VERSION}), not ${JSON.stringify(value.formatVersion) ?? 'missing'}`);
  problems.field(value, [], 'project', 'string');
  problems.field(value, [], 'environment', 'string');
  problems.field(value, [], 'observedFingerprint', 'string');
  problems.field(value, [], 'actions', 'array');
  problems.field(value, [], 'warnings', 'array');
  problems.field(value, [], 'summary', 'object');
  for (const count of ['create', 'recreate', 'start', 'stop', 'remove']) problems.field(value, [], `summary.${count}`, 'integer');
  for (const count of ['build', 'pull']) if (isRecord(value.summary) && value.summary[count] !== undefined) problems.field(value, [], `summary.${count}`, 'integer');
  if (Array.isArray(value.actions)) value.actions.forEach((action, index) => checkAction(action, index, problems));
  if (Array.isArray(value.warnings)) {
    value.warnings.forEach((warning, index) => {
      const at: PlanPath = ['warnings', index];
      if (!isRecord(warning)) return problems.add(at, 'must be an object (a warning)');
      problems.field(warning, at, 'resource.type', 'string');
      problems.field(warning, at, 'resource.name', 'string');
      problems.field(warning, at, 'message', 'string');
    });
  }
  if (problems.list.length > 0) return { ok: false, problems: problems.list };
  const { signature: _signature, ...plan } = value;
  return { ok: true, plan: plan as unknown as Plan };
}
