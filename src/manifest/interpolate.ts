/**
 * `${VAR}` interpolation of compose-file values, following the Compose Specification with one
 * deliberate difference: a plain reference to an unset variable is an error, because silently
 * substituting "" is how a missing secret or host name ends up deployed.
 *
 * Pure: variables come from the caller's {@link Lookup}, so the precedence of process
 * environment, `variables:` and dotenv files is decided elsewhere.
 */

/** Returns a variable's value, or undefined when the variable is not set (distinct from ""). */
export type Lookup = (name: string) => string | undefined;

/**
 * One problem found while interpolating a string.
 * - `unset`: a plain `${VAR}` / `$VAR` whose variable is not set.
 * - `required`: a `${VAR:?msg}` / `${VAR?msg}` whose condition failed.
 * - `syntax`: the string itself is malformed (unclosed `${`, bad name, unknown modifier).
 */
export interface InterpolationError {
  readonly kind: 'unset' | 'required' | 'syntax';
  /** The variable concerned, or null when the text did not contain a valid name. */
  readonly variable: string | null;
  /** A user-facing sentence; syntax errors carry the 1-based column (and line if multi-line). */
  readonly message: string;
}

/**
 * The interpolated string and every variable name it references (deduplicated, in order of
 * appearance, including names inside defaults that were not needed — they are still
 * dependencies of the value), or every error found.
 */
export type InterpolationResult =
  | { readonly ok: true; readonly value: string; readonly variables: readonly string[] }
  | { readonly ok: false; readonly errors: readonly InterpolationError[] };

type Operator = ':-' | '-' | ':?' | '?' | ':+' | '+';

/** Longest first, so ":-" is not read as ":" followed by "-". */
const OPERATORS: readonly Operator[] = [':-', ':?', ':+', '-', '?', '+'];

/**
 * Defaults may nest (`${A:-${B:-${C}}}`); parsing and evaluation recurse per level, so the
 * depth is capped to keep a hostile string from overflowing the stack (interpolate must not
 * throw). No real manifest nests anywhere near this deep.
 */
const MAX_NESTING = 32;

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

interface VariableNode {
  readonly name: string;
  /** Offset of the `$`, used to report errors in order of appearance. */
  readonly offset: number;
  readonly operator: Operator | null;
  /** The parsed default / alternative / message; evaluated only when the operator needs it. */
  readonly argument: readonly Node[];
  /** The argument's source text: a `?` message is shown as written, never interpolated. */
  readonly argumentText: string;
}

type Node = string | VariableNode;

interface PositionedError extends InterpolationError {
  readonly offset: number;
}

/**
 * Interpolates `text` using the Compose Specification syntax:
 *
 * - `$$` is a literal `$`.
 * - `$VAR`, `${VAR}`: the value; an unset variable is an `unset` error ("" is a valid value).
 * - `${VAR:-default}` / `${VAR-default}`: the default when VAR is unset or empty / only when unset.
 * - `${VAR:?msg}` / `${VAR?msg}`: a `required` error with msg when unset or empty / only when unset.
 * - `${VAR:+alt}` / `${VAR+alt}`: alt when VAR is set and non-empty / when set; otherwise "".
 *
 * Names are `[A-Za-z_][A-Za-z0-9_]*`. Defaults and alternatives may contain interpolations of
 * their own and are only evaluated when used, so an unset variable inside an unused default is
 * not an error; malformed syntax anywhere is, since it is wrong whatever the environment.
 * A `$` not followed by `$`, `{` or a name start (`"cost: $5"`, `"a$"`) is kept as written,
 * where Compose would reject it: such text is common in commands and harmless to keep.
 *
 * All errors in the string are collected, in order of appearance, with duplicates (the same
 * unset variable referenced twice) reported once. Never throws for any input text.
 */
export function interpolate(text: string, lookup: Lookup): InterpolationResult {
  // Fast path: most values contain no `$` at all.
  if (!text.includes('$')) return { ok: true, value: text, variables: [] };
  const parser = new Parser(text);
  const nodes = parser.sequence(0, text.length, 0);
  const errors: PositionedError[] = [...parser.errors];
  const value = evaluate(nodes, lookup, errors);
  if (errors.length === 0) return { ok: true, value, variables: [...parser.variables] };
  // Stable sort: errors at the same offset keep the order they were found in.
  errors.sort((a, b) => a.offset - b.offset);
  const seen = new Set<string>();
  const unique: InterpolationError[] = [];
  for (const { kind, variable, message } of errors) {
    const key = `${kind}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push({ kind, variable, message });
  }
  return { ok: false, errors: unique };
}

/** A key path into a JSON-like value: object keys and array indexes, outermost first. */
export type ValuePath = readonly (string | number)[];

/**
 * Returns a copy of JSON-like `value` (plain objects, arrays, strings, numbers, booleans, null)
 * with every string value interpolated. Keys are left alone, as Compose does. For each error,
 * `onError` is called with the path of the string (e.g. `['services', 'web', 'image']`) and
 * that string is kept as written, so one bad value does not hide the errors of the others.
 * Anything that is not plain data (class instances, functions) is returned unchanged.
 */
export function interpolateValue(
  value: unknown,
  lookup: Lookup,
  onError: (path: ValuePath, error: InterpolationError) => void,
  path: ValuePath = [],
): unknown {
  if (typeof value === 'string') {
    const result = interpolate(value, lookup);
    if (result.ok) return result.value;
    for (const error of result.errors) onError(path, error);
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((item: unknown, index) => interpolateValue(item, lookup, onError, [...path, index]));
  }
  if (isPlainObject(value)) {
    // fromEntries defines properties, so a "__proto__" key stays an ordinary key instead of
    // replacing the new object's prototype.
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateValue(item, lookup, onError, [...path, key])]),
    );
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Parses the whole string up front so syntax errors are found even in unused defaults. */
class Parser {
  readonly errors: PositionedError[] = [];
  /** A Set keeps insertion order, which is the order the names appear in. */
  readonly variables = new Set<string>();

  constructor(private readonly text: string) {}

  /** Parses `text[start, end)` into literal runs and variable references. */
  sequence(start: number, end: number, depth: number): Node[] {
    const { text } = this;
    const nodes: Node[] = [];
    let literal = '';
    let i = start;
    while (i < end) {
      const ch = text[i]!;
      if (ch !== '$') {
        literal += ch;
        i++;
        continue;
      }
      const next = i + 1 < end ? text[i + 1]! : '';
      if (next === '$') {
        literal += '$';
        i += 2;
      } else if (next === '{') {
        if (literal !== '') nodes.push(literal);
        literal = '';
        const { node, resume } = this.braced(i, end, depth);
        if (node !== null) nodes.push(node);
        i = resume;
      } else if (next !== '' && NAME_START.test(next)) {
        if (literal !== '') nodes.push(literal);
        literal = '';
        let j = i + 2;
        while (j < end && NAME_CHAR.test(text[j]!)) j++;
        const name = text.slice(i + 1, j);
        this.variables.add(name);
        nodes.push({ name, offset: i, operator: null, argument: [], argumentText: '' });
        i = j;
      } else {
        // Not a reference: keep the `$` as written (see interpolate's doc comment).
        literal += '$';
        i++;
      }
    }
    if (literal !== '') nodes.push(literal);
    return nodes;
  }

  /** Parses the `${...}` whose `$` is at `dollar`; `resume` is where scanning continues. */
  private braced(dollar: number, end: number, depth: number): { node: VariableNode | null; resume: number } {
    const { text } = this;
    const close = this.findClosing(dollar + 2, end);
    if (close === -1) {
      // Everything after an unclosed `${` belongs to it, so there is nothing left to scan.
      const nameMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(dollar + 2, end));
      this.syntax(dollar, nameMatch?.[0] ?? null, `unclosed "\${" at ${this.where(dollar)}`);
      return { node: null, resume: end };
    }
    const skip = { node: null, resume: close + 1 };
    let j = dollar + 2;
    while (j < close && NAME_CHAR.test(text[j]!)) j++;
    const name = text.slice(dollar + 2, j);
    if (name === '') {
      this.syntax(dollar, null, `missing variable name in "${snippet(text.slice(dollar, close + 1))}" at ${this.where(dollar)}`);
      return skip;
    }
    if (!NAME_START.test(name[0]!)) {
      this.syntax(
        dollar,
        null,
        `invalid variable name "${snippet(name)}" at ${this.where(dollar + 2)}: a name starts with a letter or "_" and contains only letters, digits and "_"`,
      );
      return skip;
    }
    this.variables.add(name);
    if (j === close) return { node: { name, offset: dollar, operator: null, argument: [], argumentText: '' }, resume: close + 1 };
    const operator = OPERATORS.find((op) => text.startsWith(op, j));
    if (operator === undefined) {
      this.syntax(
        dollar,
        name,
        `unexpected "${snippet(text.slice(j, Math.min(j + 2, close)))}" after variable name "${name}" at ${this.where(j)}: expected "}" or one of ":-", "-", ":?", "?", ":+", "+"`,
      );
      return skip;
    }
    if (depth >= MAX_NESTING) {
      this.syntax(dollar, name, `interpolation nested more than ${MAX_NESTING} levels deep at ${this.where(dollar)}`);
      return skip;
    }
    const argumentStart = j + operator.length;
    return {
      node: {
        name,
        offset: dollar,
        operator,
        argument: this.sequence(argumentStart, close, depth + 1),
        argumentText: text.slice(argumentStart, close),
      },
      resume: close + 1,
    };
  }

  /**
   * Index of the `}` closing a `${` whose body starts at `from`, or -1. Nested `${` open
   * levels and `$$` is skipped, exactly as `sequence` reads them, so both agree on where each
   * expression ends; a bare `{` does not open a level (as in Compose).
   */
  private findClosing(from: number, end: number): number {
    const { text } = this;
    let open = 1;
    for (let k = from; k < end; k++) {
      const ch = text[k];
      if (ch === '$' && k + 1 < end && (text[k + 1] === '$' || text[k + 1] === '{')) {
        if (text[k + 1] === '{') open++;
        k++;
      } else if (ch === '}' && --open === 0) {
        return k;
      }
    }
    return -1;
  }

  private syntax(offset: number, variable: string | null, message: string): void {
    this.errors.push({ kind: 'syntax', variable, message, offset });
  }

  /** "column 7", or "line 2, column 3" for multi-line values (block scalars). */
  private where(offset: number): string {
    const before = this.text.slice(0, offset);
    const lineStart = before.lastIndexOf('\n') + 1;
    const column = offset - lineStart + 1;
    if (!this.text.includes('\n')) return `column ${column}`;
    const line = before.split('\n').length;
    return `line ${line}, column ${column}`;
  }
}

/** Keeps messages readable when the offending text is long. */
function snippet(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function evaluate(nodes: readonly Node[], lookup: Lookup, errors: PositionedError[]): string {
  let out = '';
  for (const node of nodes) {
    if (typeof node === 'string') {
      out += node;
      continue;
    }
    const { name, operator, offset } = node;
    const value = lookup(name);
    const set = value !== undefined;
    const nonEmpty = set && value !== '';
    switch (operator) {
      case null:
        if (set) out += value;
        else errors.push({ kind: 'unset', variable: name, message: `variable "${name}" is not set`, offset });
        break;
      case ':-':
        out += nonEmpty ? value : evaluate(node.argument, lookup, errors);
        break;
      case '-':
        out += set ? value : evaluate(node.argument, lookup, errors);
        break;
      case ':?':
      case '?':
        if (operator === ':?' ? nonEmpty : set) out += value;
        else errors.push({ kind: 'required', variable: name, message: requiredMessage(name, node.argumentText, set), offset });
        break;
      case ':+':
        if (nonEmpty) out += evaluate(node.argument, lookup, errors);
        break;
      case '+':
        if (set) out += evaluate(node.argument, lookup, errors);
        break;
    }
  }
  return out;
}

/** The author's message when there is one; otherwise say what was wrong with the variable. */
function requiredMessage(name: string, text: string, set: boolean): string {
  if (text !== '') return `"${name}" is required: ${text}`;
  return set ? `"${name}" is required but is empty` : `"${name}" is required but is not set`;
}
