import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { IssueCode, SourceLocation } from '../model/issue.js';

/** A key path into parsed YAML: map keys as strings, sequence indexes as numbers. */
export type KeyPath = readonly (string | number)[];

/** Marks a value tagged `!reset` in an overlay: the merge removes what earlier files set. */
export const RESET: unique symbol = Symbol('compose !reset');

/** Wraps a value tagged `!override` in an overlay: the merge replaces instead of merging. */
export class Override {
  /** @param value the replacement */
  constructor(readonly value: unknown) {}
}

/** Where each key and value of a parsed document was written. */
export class LocationMap {
  private readonly keys = new Map<string, SourceLocation>();
  private readonly values = new Map<string, SourceLocation>();

  /** @param file the file all locations belong to, as shown to users */
  constructor(readonly file: string) {}

  /** Records where the key and the value at `path` were written. */
  set(path: KeyPath, key: SourceLocation | null, value: SourceLocation, overwrite = true): void {
    const id = pathId(path);
    if (key !== null && (overwrite || !this.keys.has(id))) this.keys.set(id, key);
    if (overwrite || !this.values.has(id)) this.values.set(id, value);
  }

  /**
   * Where the key at `path` was written, or its value, or else the nearest enclosing key that
   * was; the file's first line when nothing is known.
   */
  keyAt(path: KeyPath): SourceLocation {
    return this.find(path, this.keys) ?? this.find(path, this.values) ?? { file: this.file, line: 1, column: 1 };
  }

  /** Where the value at `path` was written, falling back like {@link keyAt}. */
  valueAt(path: KeyPath): SourceLocation {
    return this.find(path, this.values) ?? this.keyAt(path);
  }

  private find(path: KeyPath, table: Map<string, SourceLocation>): SourceLocation | undefined {
    for (let length = path.length; length >= 0; length--) {
      const found = table.get(pathId(path.slice(0, length)));
      if (found !== undefined) return found;
    }
    return undefined;
  }
}

function pathId(path: KeyPath): string {
  return JSON.stringify(path);
}

/** A YAML syntax problem with its position. */
export interface YamlSyntaxError {
  readonly location: SourceLocation;
  readonly message: string;
  /** The issue code when it is not plain syntax (an unknown tag, a reserved key, too deep). */
  readonly code?: IssueCode;
  /** What to do, when it is not the general syntax advice. */
  readonly remediation?: string;
}

export type ParsedYaml =
  | { readonly ok: true; readonly value: unknown; readonly locations: LocationMap }
  | { readonly ok: false; readonly errors: readonly YamlSyntaxError[] };

const MAX_ALIAS_EXPANSION = 1000;

/**
 * The deepest nesting of maps and lists Phoenix reads: a Compose file needs about 8 levels;
 * the limit keeps a hostile document from exhausting the stack of every recursive stage.
 */
export const MAX_NESTING = 64;

/** Keys that JavaScript objects treat specially: assigning one would drop it or change the object. */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__']);

/** The tags Phoenix understands: YAML's own (`!!str`, …) and Compose's `!reset` and `!override`. */
function knownTag(tag: string): boolean {
  return tag === '!reset' || tag === '!override' || tag.startsWith('tag:yaml.org,2002:');
}

/**
 * Parses YAML text into plain data and records the line and column of every key and value,
 * so that later checks can name `file:line:col`. Anchors, aliases and `<<` merge keys are
 * resolved; `!reset` and `!override` (Compose overlay tags) become {@link RESET} and {@link Override}.
 */
export function parseYamlWithLocations(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // Duplicate keys are found in buildMap with a set: the library's own check scans every earlier
  // key of the map for each key, which made a 20k-key map take 10 s.
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: false, strict: true });
  const where = (offset: number | undefined): SourceLocation => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { file, line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    // One mistake (a tab, a wrong indentation) makes the parser stumble over every line after
    // it: a 200-line file gave 135 errors for one tab. The first is the mistake; the rest echo it.
    const first = [...doc.errors].sort((a, b) => a.pos[0] - b.pos[0])[0]!;
    return { ok: false, errors: [{ location: where(first.pos[0]), message: firstLine(first.message) }] };
  }
  const locations = new LocationMap(file);
  const builder = new PlainBuilder(doc, locations, where);
  try {
    const value = builder.build(doc.contents as YamlNode | null, [], null);
    return { ok: true, value: value === undefined ? null : value, locations };
  } catch (error) {
    if (error instanceof YamlShapeError) return { ok: false, errors: [{ location: error.location, message: error.message, ...(error.code === undefined ? {} : { code: error.code, remediation: error.remediation ?? '' }) }] };
    throw error;
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.trim() ?? message;
}

class YamlShapeError extends Error {
  constructor(
    readonly location: SourceLocation,
    message: string,
    readonly code?: IssueCode,
    readonly remediation?: string,
  ) {
    super(message);
  }
}

class PlainBuilder {
  private aliasExpansions = 0;
  /** Inside a `<<` source, keys the map sets itself keep their own positions. */
  private mergeDepth = 0;

  constructor(
    private readonly doc: Document,
    private readonly locations: LocationMap,
    private readonly where: (offset: number | undefined) => SourceLocation,
  ) {}

  private depth = 0;

  build(node: YamlNode | null, path: KeyPath, keyLocation: SourceLocation | null): unknown {
    if (node === null || node === undefined) return null;
    const location = this.where(node.range?.[0]);
    if (node.tag !== undefined && !knownTag(node.tag)) {
      throw new YamlShapeError(location, `the tag ${node.tag} is not one Phoenix knows`, 'PHX-YAML-TAG', 'Remove the tag; Phoenix knows YAML\'s own tags (such as !!str) and Compose\'s !reset and !override.');
    }
    if (this.depth >= MAX_NESTING) {
      throw new YamlShapeError(location, `maps and lists are nested more than ${MAX_NESTING} levels deep`, 'PHX-LIMIT-EXCEEDED', `Flatten the document: Phoenix reads at most ${MAX_NESTING} levels of nesting.`);
    }
    this.depth++;
    try {
      return this.buildNode(node, path, keyLocation, location);
    } finally {
      this.depth--;
    }
  }

  private buildNode(node: YamlNode, path: KeyPath, keyLocation: SourceLocation | null, location: SourceLocation): unknown {
    this.locations.set(path, keyLocation, location, this.mergeDepth === 0);
    let value: unknown;
    if (isAlias(node)) {
      if (++this.aliasExpansions > MAX_ALIAS_EXPANSION) throw new YamlShapeError(location, 'too many alias expansions (a YAML "billion laughs" document?)');
      const target = node.resolve(this.doc);
      if (target === undefined) throw new YamlShapeError(location, `unknown alias *${node.source}`);
      // Positions inside the anchor are reported where the alias is used: that is what the reader edits.
      value = this.build(target as YamlNode, path, keyLocation);
    } else if (isScalar(node)) {
      value = node.value;
    } else if (isSeq(node)) {
      value = node.items.map((item, index) => this.build(item as YamlNode, [...path, index], null));
    } else if (isMap(node)) {
      value = this.buildMap(node.items, path);
    } else {
      throw new YamlShapeError(location, 'unsupported YAML node');
    }
    if (node.tag === '!reset') return RESET;
    if (node.tag === '!override') return new Override(value);
    return value;
  }

  private buildMap(items: readonly { key: unknown; value: unknown }[], path: KeyPath): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const mergeKeys: { node: YamlNode | null; keyLocation: SourceLocation }[] = [];
    const seen = new Set<string>();
    for (const pair of items) {
      const keyNode = pair.key as YamlNode | null;
      const keyLocation = this.where(keyNode?.range?.[0]);
      const key = isScalar(keyNode) ? keyNode.value : keyNode;
      // With `merge: true` the yaml library gives the merge key a symbol value; match it by its source text.
      if (isScalar(keyNode) && keyNode.source === '<<' && (key === '<<' || typeof key === 'symbol')) {
        mergeKeys.push({ node: pair.value as YamlNode | null, keyLocation });
        continue;
      }
      if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean') {
        throw new YamlShapeError(keyLocation, 'map keys must be plain strings');
      }
      const name = String(key);
      if (RESERVED_KEYS.has(name)) {
        // A plain object would take `__proto__` as its prototype and drop the entry without a word.
        throw new YamlShapeError(keyLocation, `"${name}" cannot be used as a name or key`, 'PHX-RESERVED-NAME', `Rename "${name}"; it is reserved by JavaScript, in which Phoenix is written.`);
      }
      if (seen.has(name)) throw new YamlShapeError(keyLocation, `duplicate key "${name}" (map keys must be unique)`);
      seen.add(name);
      out[name] = this.build(pair.value as YamlNode | null, [...path, name], keyLocation);
    }
    // `<<` entries give only the keys the map does not set itself, the earliest source winning.
    this.mergeDepth++;
    const merged = mergeKeys.flatMap(({ node, keyLocation }) => this.mergeSources(node, path, keyLocation));
    this.mergeDepth--;
    for (const source of merged) {
      for (const [name, value] of Object.entries(source)) if (!(name in out)) out[name] = value;
    }
    return out;
  }

  private mergeSources(node: YamlNode | null, path: KeyPath, keyLocation: SourceLocation): Record<string, unknown>[] {
    const sources = isSeq(node) ? (node.items as YamlNode[]) : [node];
    return sources.map((source) => {
      const value = this.build(source, path, keyLocation);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new YamlShapeError(this.where(source?.range?.[0]), 'a << merge key takes a map or a list of maps');
      }
      return value as Record<string, unknown>;
    });
  }
}
