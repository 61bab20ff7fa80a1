/**
 * Parser for dotenv files (`.env`, `dotenv:` entries), following docker compose's format
 * closely enough that existing files keep working, but single-line and without interpolation.
 * Pure: the caller reads the file and decides which entry wins when a key repeats.
 */

/** One `KEY=VALUE` line. `line` is 1-based, for messages pointing back into the file. */
export interface DotenvEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

/** A line that could not be read; `line` and `column` are 1-based. */
export interface DotenvError {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const KEY_START = /[A-Za-z_]/;
const KEY_CHAR = /[A-Za-z0-9_.-]/;

/** What may follow a closing quote: blanks, then optionally a comment. */
const AFTER_QUOTE = /^[ \t]*(?:#.*)?$/;

/**
 * Parses dotenv text into entries in file order (a repeated key appears once per line, so the
 * caller can let the last one win, as Compose does) and errors for the lines it rejects;
 * the other lines are still read so every mistake is reported at once.
 *
 * - Blank lines and lines whose first non-blank character is `#` are skipped.
 * - An optional `export ` prefix is ignored, so shell-sourceable files work.
 * - `KEY=VALUE`, blanks allowed around `=`; `KEY=` is the empty string. A bare `KEY` is an
 *   error: Compose would copy it from the process environment, which would make the file's
 *   meaning depend on where Phoenix runs.
 * - Keys match `[A-Za-z_][A-Za-z0-9_.-]*`; the error points at the first bad character.
 * - `'single'` quotes are literal. `"double"` quotes understand `\n`, `\r`, `\t`, `\"` and
 *   `\\`; any other backslash is kept as written. Quoted values must close on the same line.
 *   After the closing quote only blanks and a `# comment` may follow.
 * - Unquoted values end at a `#` preceded by a blank (`a#b` keeps its `#`) and are trimmed.
 * - No `${VAR}` interpolation happens: values are used exactly as written, so a `$` in a
 *   password stays a `$`.
 */
export function parseDotenv(text: string): { readonly entries: readonly DotenvEntry[]; readonly errors: readonly DotenvError[] } {
  const entries: DotenvEntry[] = [];
  const errors: DotenvError[] = [];
  // A byte order mark written by some Windows editors would otherwise become part of the first key.
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const result = parseLine(raw);
    if (result === null) return;
    const line = index + 1;
    if ('message' in result) errors.push({ line, column: result.column, message: result.message });
    else entries.push({ key: result.key, value: result.value, line });
  });
  return { entries, errors };
}

type LineResult = { key: string; value: string } | { column: number; message: string } | null;

/** Parses one line; null for a blank or comment line. Columns are 0-based until returned. */
function parseLine(raw: string): LineResult {
  let pos = skipBlanks(raw, 0);
  if (pos === raw.length || raw[pos] === '#') return null;
  const exportPrefix = /^export[ \t]+/.exec(raw.slice(pos));
  // "export=1" and "export = 1" define a variable named export; only "export NAME..." is a prefix.
  if (exportPrefix !== null && raw[pos + exportPrefix[0].length] !== '=') pos += exportPrefix[0].length;

  const equals = raw.indexOf('=', pos);
  const key = raw.slice(pos, equals === -1 ? raw.length : equals).replace(/[ \t]+$/, '');
  // A line that is not KEY=VALUE is never echoed: the file may not be an env file at all (an
  // env_file pointed at /etc/shadow, a token file), and the message goes to terminals and logs.
  if (equals === -1) return error(pos, `expected KEY=VALUE, but the line has no "=" (its text is not shown: it may be secret)`);
  if (key === '') return error(pos, 'missing variable name before "="');
  if (!KEY.test(key)) {
    const bad = KEY_START.test(key[0]!) ? key.split('').findIndex((ch) => !KEY_CHAR.test(ch)) : 0;
    const why = bad === 0 ? 'a name starts with a letter or "_"' : 'a name contains only letters, digits, "_", "." and "-"';
    return error(pos + bad, `invalid variable name before "=": unexpected character at this column (${why}; the text is not shown: it may be secret)`);
  }

  const start = skipBlanks(raw, equals + 1);
  const quote = raw[start];
  if (quote === "'" || quote === '"') {
    const quoted = quote === "'" ? readSingleQuoted(raw, start) : readDoubleQuoted(raw, start);
    if (quoted === null) {
      const name = quote === "'" ? 'single' : 'double';
      return error(start, `unclosed ${name} quote in the value of "${key}": a quoted value must end on the same line`);
    }
    const rest = raw.slice(quoted.end);
    if (!AFTER_QUOTE.test(rest)) {
      return error(skipBlanks(raw, quoted.end), `unexpected text after the closing quote of "${key}": quote the whole value, or start a comment with "#"`);
    }
    return { key, value: quoted.value };
  }

  // The comment search includes the blanks right after "=", so "KEY= # note" is empty.
  let value = raw.slice(equals + 1);
  const comment = /[ \t]#/.exec(value);
  if (comment !== null) value = value.slice(0, comment.index);
  return { key, value: value.trim() };
}

/** Returns the value between the quotes at `start` and the index after the closing one. */
function readSingleQuoted(raw: string, start: number): { value: string; end: number } | null {
  const close = raw.indexOf("'", start + 1);
  return close === -1 ? null : { value: raw.slice(start + 1, close), end: close + 1 };
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

function readDoubleQuoted(raw: string, start: number): { value: string; end: number } | null {
  let value = '';
  for (let i = start + 1; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '"') return { value, end: i + 1 };
    if (ch === '\\' && i + 1 < raw.length) {
      const next = raw[++i]!;
      value += ESCAPES[next] ?? `\\${next}`;
    } else {
      value += ch;
    }
  }
  return null;
}

function skipBlanks(raw: string, from: number): number {
  let pos = from;
  while (pos < raw.length && (raw[pos] === ' ' || raw[pos] === '\t')) pos++;
  return pos;
}

function error(index: number, message: string): { column: number; message: string } {
  return { column: index + 1, message };
}
