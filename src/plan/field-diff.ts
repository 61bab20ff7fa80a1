import jsonPatch from 'fast-json-patch';
import type { ContainerSpec } from '../model/desired.js';
import type { FieldChange } from './actions.js';

/** Spec paths whose values are secret material (digests stand in for contents, but are still shown only as sensitive). */
const SENSITIVE_PREFIXES = ['secrets'];

function dotted(pointer: string): string {
  const segments = pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

function valueAtPointer(document: unknown, pointer: string): unknown {
  try {
    return jsonPatch.getValueByPointer(document, pointer);
  } catch {
    return undefined;
  }
}

/**
 * The field-level difference between the spec a container was created with (its
 * `io.phoenix.applied-spec` label) and the desired one, as a JSON Patch made readable.
 * Secret fields never carry values.
 */
export function diffSpecs(applied: unknown, desired: ContainerSpec): FieldChange[] {
  const operations = jsonPatch.compare(applied as object, desired as unknown as object);
  return operations
    .filter((op) => op.op === 'add' || op.op === 'remove' || op.op === 'replace')
    .map((op): FieldChange => {
      const path = dotted(op.path);
      const sensitive = SENSITIVE_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}[`) || path.startsWith(`${prefix}.`));
      const before = op.op === 'add' ? undefined : valueAtPointer(applied, op.path);
      const after = op.op === 'remove' ? undefined : (op as { value: unknown }).value;
      return {
        op: op.op as FieldChange['op'],
        path,
        sensitive,
        ...(sensitive || before === undefined ? {} : { before }),
        ...(sensitive || after === undefined ? {} : { after }),
      };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** The top-level fields a set of changes touches, e.g. `environment.LOG_LEVEL, ports`. */
export function summariseChanges(changes: readonly FieldChange[], limit = 4): string {
  const fields = [...new Set(changes.map((change) => change.path.replace(/\[\d+\].*$/, '').split('.').slice(0, 2).join('.')))];
  return fields.length <= limit ? fields.join(', ') : `${fields.slice(0, limit).join(', ')} and ${fields.length - limit} more`;
}
