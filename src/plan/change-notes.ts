/**
 * Field changes made short enough for one log line: `environment.LOG_LEVEL info→debug`, and a
 * secret only as `secret db_password rotated` (never a value, a digest or a versioned name).
 * Pure; watch's events and its text output read these.
 */
import type { ContainerSpec } from '../model/desired.js';
import type { FieldChange } from './actions.js';

/** One changed field of a container's spec, or one changed secret mount. */
export interface ChangeNote {
  /** Dotted spec path (`environment.LOG_LEVEL`, `ports[0]`), or `secrets` for a secret. */
  readonly field: string;
  readonly op: 'add' | 'remove' | 'replace';
  /** The old value for display (cut at {@link VALUE_LIMIT} characters); absent for an add or a secret. */
  readonly before?: string;
  /** The new value for display; absent for a remove or a secret. */
  readonly after?: string;
  /** The secret's logical name, for a change of a secret mount (its content, its target...). */
  readonly secret?: string;
}

/** Longest value shown, in characters: a line is for reading, the plan has the whole value. */
export const VALUE_LIMIT = 60;

/** A value as a short single line: strings as they are, the rest as JSON, cut with `…`. */
export function displayValue(value: unknown): string {
  const text = (typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null')).replace(/\s*\n\s*/g, ' ');
  return text.length > VALUE_LIMIT ? `${text.slice(0, VALUE_LIMIT - 1)}…` : text;
}

/**
 * The notes of a recreate's changes. Sensitive changes (secret mounts) are folded into one
 * note per mount, named after the desired spec's secret (`#N` for a mount that went): the
 * field diff holds digests and versioned names there, which a line never shows.
 */
export function changeNotes(desired: ContainerSpec, changes: readonly FieldChange[]): ChangeNote[] {
  const notes: ChangeNote[] = [];
  const secrets = new Map<string, { op: ChangeNote['op']; name: string }>();
  for (const change of changes) {
    if (!change.sensitive) {
      notes.push({ field: change.path, op: change.op, ...(change.before === undefined ? {} : { before: displayValue(change.before) }), ...(change.after === undefined ? {} : { after: displayValue(change.after) }) });
      continue;
    }
    const index = /^secrets\[(\d+)\]/.exec(change.path)?.[1];
    const key = index ?? change.path;
    const name = index === undefined ? 'secrets' : (desired.secrets[Number(index)]?.secret ?? `#${index}`);
    const whole = index !== undefined && change.path === `secrets[${index}]`;
    const previous = secrets.get(key);
    // A whole mount added or removed says so; any change inside one is a new version (rotated).
    const op: ChangeNote['op'] = whole ? change.op : 'replace';
    secrets.set(key, { op: previous === undefined ? op : previous.op === 'replace' ? op : previous.op, name });
  }
  for (const { op, name } of secrets.values()) notes.push({ field: 'secrets', op, secret: name });
  return notes;
}

/** `environment.LOG_LEVEL info→debug`, `ports[1] +8443:443`, `secret db_password rotated`. */
export function renderChangeNote(note: ChangeNote): string {
  if (note.secret !== undefined) return `secret ${note.secret} ${note.op === 'add' ? 'added' : note.op === 'remove' ? 'removed' : 'rotated'}`;
  switch (note.op) {
    case 'add':
      return `${note.field} +${note.after ?? ''}`;
    case 'remove':
      return `${note.field} -${note.before ?? ''}`;
    case 'replace':
      return `${note.field} ${note.before ?? ''}→${note.after ?? ''}`;
  }
}
