/**
 * The editor's view of Phoenix's JSON Schemas, derived from the load-time schemas in schemas/.
 *
 * Phoenix validates a manifest with ajv after interpolation and with `coerceTypes` (a quoted
 * "3" counts as the number 3). An editor sees the file as written: `replicas: ${REPLICAS:-1}`,
 * `"${PORT:-8080}:80"`, `retries: "3"`. Its schema must accept what the loader will accept
 * after those two steps, or every such line carries a false diagnostic. Rather than keeping a
 * second schema by hand, the editor schema is computed from the load-time one (the single
 * source): scalar constraints gain the interpolated and the coerced forms; everything else
 * (keys, nesting, descriptions, unknown-key errors) stays as it is.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Which load-time schema is being turned into an editor schema. */
export interface EditorSchemaOptions {
  /** Compose files are interpolated before validation: any scalar value may hold `${VAR}`. */
  readonly interpolated: boolean;
}

/**
 * Text that contains a Compose interpolation: `${VAR}`, `${VAR:-default}`, `$VAR`, …
 * (unanchored: anywhere in the value). `$${` — an escaped dollar — is accepted too, which only
 * makes the editor a little more lenient than the loader, never stricter.
 */
export const INTERPOLATION_PATTERN = String.raw`\$\{|\$[A-Za-z_]`;

/** The strings ajv's `coerceTypes` turns into each scalar type (https://ajv.js.org/coercion.html). */
const COERCIBLE_TEXT: Record<string, string> = {
  integer: String.raw`^-?[0-9]+$`,
  number: String.raw`^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$`,
  boolean: '^(true|false)$',
};

const SCALAR_TYPES = new Set(['integer', 'number', 'boolean', 'string']);

/** Keywords whose value is a schema. */
const SCHEMA_KEYWORDS = ['items', 'additionalProperties', 'additionalItems', 'not', 'if', 'then', 'else', 'contains', 'propertyNames'];
/** Keywords whose value is a map of name to schema. */
const SCHEMA_MAP_KEYWORDS = ['properties', 'patternProperties', 'definitions', 'dependencies'];
/** Keywords whose value is a list of schemas. */
const SCHEMA_LIST_KEYWORDS = ['anyOf', 'oneOf', 'allOf'];
/** What an editor shows (hover, completion); kept on the outside when a node is wrapped. */
const ANNOTATIONS = ['title', 'description', 'markdownDescription', 'default', 'examples', 'deprecated'];

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typesOf(node: JsonObject): string[] {
  const type = node['type'];
  if (typeof type === 'string') return [type];
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === 'string') : [];
}

/** `(?:a)|(?:b)|…` of the patterns given. */
function either(patterns: readonly string[]): string {
  return patterns.length === 1 ? patterns[0]! : patterns.map((p) => `(?:${p})`).join('|');
}

/**
 * Widens one node's own scalar constraints (not its children's): the interpolated form where
 * the file is interpolated, and the text forms ajv coerces into numbers and booleans.
 */
function widenScalar(node: JsonObject, interpolated: boolean): JsonObject {
  const types = typesOf(node);
  const out: JsonObject = { ...node };
  const pattern = typeof node['pattern'] === 'string' ? node['pattern'] : undefined;
  const coercible = types.filter((t) => t in COERCIBLE_TEXT);
  if (types.includes('string') || types.length === 0) {
    // The value is text already; its pattern (if any) must also let an interpolation through.
    if (pattern !== undefined && interpolated) out['pattern'] = either([pattern, INTERPOLATION_PATTERN]);
    // ajv turns a number or boolean into text before checking a free string (`version: 3.8`).
    if (types.length > 0 && pattern === undefined && node['enum'] === undefined) {
      for (const extra of ['number', 'boolean']) if (!types.includes(extra)) types.push(extra);
      out['type'] = types;
    }
  } else if (coercible.length > 0) {
    // `retries: "3"` and `read_only: "true"` are coerced by ajv; `${VAR}` is interpolated first.
    // A pattern on a non-string type never applied, so it is replaced by what text may hold.
    const texts = coercible.map((t) => COERCIBLE_TEXT[t]!);
    out['type'] = [...types, 'string'];
    out['pattern'] = either(interpolated ? [...texts, INTERPOLATION_PATTERN] : texts);
  }
  if (node['enum'] !== undefined && interpolated) {
    // An enumerated value may be interpolated too; keep the enum for completion.
    const inner: JsonObject = {};
    const outer: JsonObject = {};
    for (const [key, value] of Object.entries(out)) (ANNOTATIONS.includes(key) ? outer : inner)[key] = value;
    return { ...outer, anyOf: [inner, { type: 'string', pattern: INTERPOLATION_PATTERN }] };
  }
  return out;
}

function hasScalarConstraint(node: JsonObject): boolean {
  return typesOf(node).some((t) => SCALAR_TYPES.has(t)) || node['pattern'] !== undefined || node['enum'] !== undefined;
}

function transform(node: Json, interpolated: boolean): Json {
  if (Array.isArray(node)) return node.map((item) => transform(item, interpolated));
  if (!isObject(node)) return node;
  let out: JsonObject = { ...node };
  for (const keyword of SCHEMA_KEYWORDS) {
    if (out[keyword] !== undefined) out[keyword] = transform(out[keyword], interpolated);
  }
  for (const keyword of SCHEMA_MAP_KEYWORDS) {
    const children = out[keyword];
    if (isObject(children)) {
      out[keyword] = Object.fromEntries(Object.entries(children).map(([name, child]) => [name, transform(child, interpolated)]));
    }
  }
  for (const keyword of SCHEMA_LIST_KEYWORDS) {
    const branches = out[keyword];
    if (Array.isArray(branches)) out[keyword] = branches.map((branch) => transform(branch, interpolated));
  }
  // With the wider scalar forms, two branches of a oneOf can both accept a value ("3" is text and
  // a coerced number); which branch matches is the loader's concern, not the editor's.
  if (Array.isArray(out['oneOf'])) {
    out = { ...out, anyOf: out['oneOf'] };
    delete out['oneOf'];
  }
  if (hasScalarConstraint(out)) out = widenScalar(out, interpolated);
  return out;
}

/** The editor schema computed from a load-time schema (which is left unchanged). */
export function editorSchema(schema: JsonObject, options: EditorSchemaOptions): JsonObject {
  const widened = transform(schema, options.interpolated) as JsonObject;
  const note = options.interpolated
    ? ' This is the editor form of the schema: it also accepts `${VAR}` interpolations and the quoted numbers and booleans the loader coerces; `phoenix validate` checks the interpolated file against the strict form.'
    : ' This is the editor form of the schema: it also accepts the quoted numbers and booleans the loader coerces.';
  // Its own $id (…/schemas/editor/…): an editor must not take one schema for the other.
  const id = String(schema['$id']).replace('/schemas/', '/schemas/editor/');
  return { ...widened, $id: id, description: `${String(schema['description'])}${note}` };
}

/**
 * The `yaml.customTags` entries that explain Compose's overlay tags to yaml-language-server:
 * `!reset` and `!override` may tag a scalar, a sequence or a mapping (docs/manifest.md).
 */
export const EDITOR_CUSTOM_TAGS: readonly string[] = ['!reset scalar', '!reset sequence', '!reset mapping', '!override scalar', '!override sequence', '!override mapping'];

/** The load-time schema files and the editor schema each one yields (paths under schemas/). */
export const EDITOR_SCHEMAS = [
  { source: 'compose.schema.json', target: 'editor/compose.schema.json', interpolated: true },
  { source: 'environment.schema.json', target: 'editor/environment.schema.json', interpolated: false },
] as const;
