/**
 * Merging Phoenix's entries into VS Code's own files (.vscode/tasks.json, settings.json,
 * extensions.json), which are JSON with comments and trailing commas. jsonc-parser (the
 * library VS Code itself uses) edits the text in place: the user's tasks, settings, comments
 * and layout stay as they were; only Phoenix's own entries (tasks and inputs by label and id,
 * the editor schemas by path) are added or replaced. Pure: text in, text out.
 */
import { applyEdits, modify, parse, printParseErrorCode } from 'jsonc-parser';
import type { FormattingOptions, ParseError } from 'jsonc-parser';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** A file that cannot be merged into without losing what the user wrote in it. */
export class JsoncMergeError extends Error {
  readonly code = 'PHX-EDITOR-FILE-INVALID';
  /** 1-based, where the problem is (1:1 when it is the shape, not the syntax). */
  readonly line: number;
  readonly column: number;
  readonly remediation = 'Correct the file (or move it away) and run `phoenix editor vscode` again; Phoenix never overwrites a file it cannot read.';

  constructor(message: string, line = 1, column = 1) {
    super(message);
    this.name = 'JsoncMergeError';
    this.line = line;
    this.column = column;
  }
}

const FORMAT: FormattingOptions = { insertSpaces: true, tabSize: 2, eol: '\n' };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** Parses JSONC, refusing anything that is not an object with readable syntax. */
function parseObject(text: string): JsonObject {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first !== undefined) {
    const at = position(text, first.offset);
    throw new JsoncMergeError(`the file is not valid JSON with comments (${printParseErrorCode(first.error)})`, at.line, at.column);
  }
  if (value === undefined && text.trim() === '') return {};
  if (!isObject(value)) throw new JsoncMergeError('the file does not hold a JSON object');
  return value;
}

function edit(text: string, path: (string | number)[], value: Json | undefined, isArrayInsertion = false): string {
  return applyEdits(text, modify(text, path, value, { formattingOptions: FORMAT, isArrayInsertion }));
}

/** Puts each entry into the array at `key`, replacing the one with the same `identity` value. */
function upsertAll(text: string, key: string, entries: readonly JsonObject[], identity: string): string {
  let out = text;
  const existing = parseObject(out)[key];
  if (existing === undefined) out = edit(out, [key], []);
  else if (!Array.isArray(existing)) throw new JsoncMergeError(`its "${key}" is not a list`);
  for (const entry of entries) {
    const list = parseObject(out)[key] as Json[];
    const at = list.findIndex((item) => isObject(item) && item[identity] === entry[identity]);
    out = at === -1 ? edit(out, [key, list.length], entry, true) : edit(out, [key, at], entry);
  }
  return out;
}

function withTrailingNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * tasks.json with Phoenix's tasks (by label) and inputs (by id) added or replaced; the user's
 * own tasks and inputs, comments included, are kept. `text` is null when the file is new.
 */
export function mergeTasksFile(text: string | null, tasks: readonly JsonObject[], inputs: readonly JsonObject[]): string {
  let out = text ?? '{\n  "version": "2.0.0"\n}\n';
  if (parseObject(out)['version'] === undefined) out = edit(out, ['version'], '2.0.0');
  out = upsertAll(out, 'tasks', tasks, 'label');
  out = upsertAll(out, 'inputs', inputs, 'id');
  return withTrailingNewline(out);
}

/** The settings Phoenix owns in settings.json. */
export interface YamlEditorSettings {
  /** Schema path (relative to the workspace, or absolute) → the globs of the files it applies to. */
  readonly schemas: Readonly<Record<string, readonly string[]>>;
  readonly customTags: readonly string[];
}

/** A `yaml.schemas` key that is one of Phoenix's editor schemas, wherever Phoenix lives. */
const PHOENIX_SCHEMA_KEY = /(^|[\\/])schemas[\\/]editor[\\/](compose|environment)\.schema\.json$/;

/**
 * settings.json with Phoenix's `yaml.schemas` entries (replacing earlier ones of Phoenix's,
 * found by their path, e.g. after Phoenix moved) and its `yaml.customTags` added; every other
 * setting, schema and tag of the user's is kept.
 */
export function mergeSettingsFile(text: string | null, settings: YamlEditorSettings): string {
  let out = text ?? '{}\n';
  const current = parseObject(out);
  const schemas = current['yaml.schemas'];
  if (schemas !== undefined && !isObject(schemas)) throw new JsoncMergeError('its "yaml.schemas" is not an object');
  if (schemas === undefined) out = edit(out, ['yaml.schemas'], {});
  for (const key of Object.keys(schemas ?? {})) {
    if (PHOENIX_SCHEMA_KEY.test(key) && !(key in settings.schemas)) out = edit(out, ['yaml.schemas', key], undefined);
  }
  for (const [key, globs] of Object.entries(settings.schemas)) out = edit(out, ['yaml.schemas', key], [...globs]);
  const tags = parseObject(out)['yaml.customTags'];
  if (tags !== undefined && !Array.isArray(tags)) throw new JsoncMergeError('its "yaml.customTags" is not a list');
  const have = new Set((tags ?? []).filter((tag): tag is string => typeof tag === 'string'));
  if (tags === undefined) out = edit(out, ['yaml.customTags'], []);
  for (const tag of settings.customTags) {
    if (have.has(tag)) continue;
    const length = (parseObject(out)['yaml.customTags'] as Json[]).length;
    out = edit(out, ['yaml.customTags', length], tag, true);
  }
  return withTrailingNewline(out);
}

/** extensions.json recommending the extensions the settings are for (added once, never removed). */
export function mergeExtensionsFile(text: string | null, recommendations: readonly string[]): string {
  let out = text ?? '{}\n';
  const current = parseObject(out)['recommendations'];
  if (current !== undefined && !Array.isArray(current)) throw new JsoncMergeError('its "recommendations" is not a list');
  if (current === undefined) out = edit(out, ['recommendations'], []);
  for (const extension of recommendations) {
    const list = parseObject(out)['recommendations'] as Json[];
    if (!list.includes(extension)) out = edit(out, ['recommendations', list.length], extension, true);
  }
  return withTrailingNewline(out);
}
