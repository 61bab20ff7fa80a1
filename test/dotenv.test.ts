import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseDotenv } from '../src/manifest/dotenv.js';

/** The value of the single entry `text` must produce. */
function value(text: string): string {
  const { entries, errors } = parseDotenv(text);
  expect(errors).toEqual([]);
  expect(entries).toHaveLength(1);
  return entries[0]!.value;
}

describe('parseDotenv: lines', () => {
  it('reads KEY=VALUE lines with their line numbers, skipping blanks and comments', () => {
    const text = ['# database', 'DB_HOST=db.local', '', '   ', '  # indented comment', 'DB_PORT=5432', 'EMPTY='].join('\n');
    expect(parseDotenv(text)).toEqual({
      entries: [
        { key: 'DB_HOST', value: 'db.local', line: 2 },
        { key: 'DB_PORT', value: '5432', line: 6 },
        { key: 'EMPTY', value: '', line: 7 },
      ],
      errors: [],
    });
  });

  it('handles CRLF line endings, a byte order mark and a missing final newline', () => {
    expect(parseDotenv('\uFEFFA=1\r\nB=2\r\n').entries).toEqual([
      { key: 'A', value: '1', line: 1 },
      { key: 'B', value: '2', line: 2 },
    ]);
    expect(parseDotenv('A=1').entries).toEqual([{ key: 'A', value: '1', line: 1 }]);
    expect(parseDotenv('')).toEqual({ entries: [], errors: [] });
  });

  it('ignores an export prefix', () => {
    expect(parseDotenv('export A=1\nexport\tB=2\n  export   C=3').entries.map((e) => [e.key, e.value])).toEqual([
      ['A', '1'],
      ['B', '2'],
      ['C', '3'],
    ]);
  });

  it('reads "export" as a key when it is followed by "="', () => {
    expect(parseDotenv('export=1\nexport = 2').entries.map((e) => [e.key, e.value])).toEqual([
      ['export', '1'],
      ['export', '2'],
    ]);
  });

  it('allows blanks around "=" and before the key', () => {
    expect(parseDotenv('  A = 1 ').entries).toEqual([{ key: 'A', value: '1', line: 1 }]);
  });

  it('keeps repeated keys in file order so the caller can let the last win', () => {
    expect(parseDotenv('A=1\nA=2').entries.map((e) => e.value)).toEqual(['1', '2']);
  });

  it('accepts dots and dashes in keys', () => {
    expect(parseDotenv('_a.b-c9=x').entries[0]!.key).toBe('_a.b-c9');
  });
});

describe('parseDotenv: values', () => {
  it('trims unquoted values and strips " #" comments', () => {
    expect(value('A=  hello world  ')).toBe('hello world');
    expect(value('A=value # comment')).toBe('value');
    expect(value('A=value\t# comment')).toBe('value');
    expect(value('A=a#b')).toBe('a#b');
    expect(value('A=#not-a-comment')).toBe('#not-a-comment');
    expect(value('A= # only a comment')).toBe('');
    expect(value('A=x=y=z')).toBe('x=y=z');
  });

  it('keeps single-quoted values literally', () => {
    expect(value("A='  spaced # not a comment \\n $HOME '")).toBe('  spaced # not a comment \\n $HOME ');
    expect(value("A=''")).toBe('');
    expect(value("A='x' # comment")).toBe('x');
    expect(value(`A='say "hi"'`)).toBe('say "hi"');
  });

  it('understands escapes in double-quoted values', () => {
    expect(value('A="line1\\nline2"')).toBe('line1\nline2');
    expect(value('A="a\\tb\\rc"')).toBe('a\tb\rc');
    expect(value('A="say \\"hi\\""')).toBe('say "hi"');
    expect(value('A="back\\\\slash"')).toBe('back\\slash');
    expect(value('A="keep \\x and \\$"')).toBe('keep \\x and \\$');
    expect(value('A="  # kept "  # comment')).toBe('  # kept ');
    expect(value('A=""')).toBe('');
    expect(value(`A="it's"`)).toBe("it's");
  });

  it('does not interpolate', () => {
    expect(value('A=${HOME}')).toBe('${HOME}');
    expect(value('A="$HOME"')).toBe('$HOME');
    expect(value('A=p$$w0rd')).toBe('p$$w0rd');
  });

  it('keeps quotes inside an unquoted value', () => {
    expect(value(`A=it's "fine"`)).toBe(`it's "fine"`);
  });
});

describe('parseDotenv: errors', () => {
  it('rejects a bare key without echoing it (a token file has exactly such a line)', () => {
    expect(parseDotenv('A=1\nDB_HOST\nB=2')).toEqual({
      entries: [
        { key: 'A', value: '1', line: 1 },
        { key: 'B', value: '2', line: 3 },
      ],
      errors: [{ line: 2, column: 1, message: 'expected KEY=VALUE, but the line has no "=" (its text is not shown: it may be secret)' }],
    });
    expect(parseDotenv('  export  KEY').errors).toEqual([
      { line: 1, column: 11, message: 'expected KEY=VALUE, but the line has no "=" (its text is not shown: it may be secret)' },
    ]);
  });

  it('rejects a line that is not an assignment at all', () => {
    expect(parseDotenv('hello world').errors).toEqual([{ line: 1, column: 1, message: 'expected KEY=VALUE, but the line has no "=" (its text is not shown: it may be secret)' }]);
  });

  it('points at the first bad character of an invalid key', () => {
    const { entries, errors } = parseDotenv('1KEY=x\n  MY KEY=x\nGOOD=1\nA$B=1');
    expect(entries).toEqual([{ key: 'GOOD', value: '1', line: 3 }]);
    expect(errors.map((e) => [e.line, e.column])).toEqual([
      [1, 1],
      [2, 5],
      [4, 2],
    ]);
    expect(errors[0]!.message).toBe('invalid variable name before "=": unexpected character at this column (a name starts with a letter or "_"; the text is not shown: it may be secret)');
    expect(errors[1]!.message).toBe('invalid variable name before "=": unexpected character at this column (a name contains only letters, digits, "_", "." and "-"; the text is not shown: it may be secret)');
  });

  it('rejects a missing key', () => {
    expect(parseDotenv('  =value').errors).toEqual([{ line: 1, column: 3, message: 'missing variable name before "="' }]);
  });

  it('rejects unclosed quotes (values are single-line)', () => {
    const { entries, errors } = parseDotenv(`A="open\nB='open\nC="escaped end\\"`);
    expect(entries).toEqual([]);
    expect(errors).toEqual([
      { line: 1, column: 3, message: 'unclosed double quote in the value of "A": a quoted value must end on the same line' },
      { line: 2, column: 3, message: 'unclosed single quote in the value of "B": a quoted value must end on the same line' },
      { line: 3, column: 3, message: 'unclosed double quote in the value of "C": a quoted value must end on the same line' },
    ]);
  });

  it('rejects text after a closing quote', () => {
    expect(parseDotenv(`A="x" y`).errors).toEqual([
      { line: 1, column: 7, message: 'unexpected text after the closing quote of "A": quote the whole value, or start a comment with "#"' },
    ]);
    expect(parseDotenv(`A='x'y`).errors[0]!.column).toBe(6);
  });
});

describe('parseDotenv: properties', () => {
  it('never throws and reports only existing lines', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const { entries, errors } = parseDotenv(text);
        const lineCount = text.split('\n').length;
        for (const { line } of [...entries, ...errors]) expect(line).toBeLessThanOrEqual(lineCount);
      }),
    );
  });

  it('reads back a single-quoted value', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !/['\r\n]/.test(s)), (text) => {
        expect(value(`KEY='${text}'`)).toBe(text);
      }),
    );
  });
});
