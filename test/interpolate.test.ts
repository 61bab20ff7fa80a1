import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { interpolate, interpolateValue, type InterpolationError, type Lookup } from '../src/manifest/interpolate.js';

const env = (vars: Record<string, string>): Lookup => (name) => (Object.hasOwn(vars, name) ? vars[name] : undefined);

const vars = env({ HOST: 'db.local', PORT: '5432', EMPTY: '', NAME: 'hydra', B: 'bee' });

function ok(text: string, lookup: Lookup = vars): string {
  const result = interpolate(text, lookup);
  if (!result.ok) throw new Error(`expected success for ${JSON.stringify(text)}: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.value;
}

function errors(text: string, lookup: Lookup = vars): readonly InterpolationError[] {
  const result = interpolate(text, lookup);
  if (result.ok) throw new Error(`expected errors for ${JSON.stringify(text)}, got ${JSON.stringify(result.value)}`);
  return result.errors;
}

describe('interpolate: plain references', () => {
  it('substitutes ${VAR} and $VAR', () => {
    expect(ok('${HOST}:${PORT}')).toBe('db.local:5432');
    expect(ok('$HOST:$PORT')).toBe('db.local:5432');
    expect(ok('postgres://$HOST/x')).toBe('postgres://db.local/x');
  });

  it('reads the longest name after a bare $', () => {
    expect(ok('$NAME_suffix', env({ NAME_suffix: 'long', NAME: 'short' }))).toBe('long');
    expect(ok('$NAME-suffix')).toBe('hydra-suffix');
  });

  it('accepts an empty value', () => {
    expect(ok('[${EMPTY}]')).toBe('[]');
    expect(ok('[$EMPTY]')).toBe('[]');
  });

  it('reports an unset variable (stricter than Compose)', () => {
    expect(errors('${DB_HOST}')).toEqual([{ kind: 'unset', variable: 'DB_HOST', message: 'variable "DB_HOST" is not set' }]);
    expect(errors('x $DB_HOST y')).toEqual([{ kind: 'unset', variable: 'DB_HOST', message: 'variable "DB_HOST" is not set' }]);
  });

  it('returns text without $ unchanged', () => {
    expect(interpolate('plain {text} }', vars)).toEqual({ ok: true, value: 'plain {text} }', variables: [] });
  });
});

describe('interpolate: $ escapes and literal dollars', () => {
  it('turns $$ into $', () => {
    expect(ok('$$')).toBe('$');
    expect(ok('$$HOST')).toBe('$HOST');
    expect(ok('$${HOST}')).toBe('${HOST}');
    expect(ok('$$$HOST')).toBe('$db.local');
    expect(ok('a$$$$b')).toBe('a$$b');
  });

  it('keeps a $ that does not start a reference', () => {
    expect(ok('cost: $5')).toBe('cost: $5');
    expect(ok('a$')).toBe('a$');
    expect(ok('$ $. $-')).toBe('$ $. $-');
    expect(ok('${HOST:-$}')).toBe('db.local');
    expect(ok('${MISSING:-$}')).toBe('$');
  });
});

describe('interpolate: modifiers', () => {
  it(':- uses the default when unset or empty', () => {
    expect(ok('${HOST:-fallback}')).toBe('db.local');
    expect(ok('${MISSING:-fallback}')).toBe('fallback');
    expect(ok('${EMPTY:-fallback}')).toBe('fallback');
    expect(ok('${MISSING:-}')).toBe('');
  });

  it('- uses the default only when unset', () => {
    expect(ok('${HOST-fallback}')).toBe('db.local');
    expect(ok('${MISSING-fallback}')).toBe('fallback');
    expect(ok('${EMPTY-fallback}')).toBe('');
  });

  it(':? requires a set, non-empty value', () => {
    expect(ok('${HOST:?need a host}')).toBe('db.local');
    expect(errors('${DB_PASSWORD:?set it in secrets/}')).toEqual([
      { kind: 'required', variable: 'DB_PASSWORD', message: '"DB_PASSWORD" is required: set it in secrets/' },
    ]);
    expect(errors('${EMPTY:?must not be empty}')).toEqual([
      { kind: 'required', variable: 'EMPTY', message: '"EMPTY" is required: must not be empty' },
    ]);
  });

  it('? requires a set value (empty is fine)', () => {
    expect(ok('${HOST?x}')).toBe('db.local');
    expect(ok('[${EMPTY?x}]')).toBe('[]');
    expect(errors('${MISSING?give it}')).toEqual([{ kind: 'required', variable: 'MISSING', message: '"MISSING" is required: give it' }]);
  });

  it('explains a required variable without a message', () => {
    expect(errors('${MISSING:?}')[0]!.message).toBe('"MISSING" is required but is not set');
    expect(errors('${EMPTY:?}')[0]!.message).toBe('"EMPTY" is required but is empty');
    expect(errors('${MISSING?}')[0]!.message).toBe('"MISSING" is required but is not set');
  });

  it('shows a required message as written, without interpolating it', () => {
    expect(errors('${MISSING:?see $HOST}')[0]!.message).toBe('"MISSING" is required: see $HOST');
  });

  it(':+ uses the alternative when set and non-empty', () => {
    expect(ok('${HOST:+yes}')).toBe('yes');
    expect(ok('[${EMPTY:+yes}]')).toBe('[]');
    expect(ok('[${MISSING:+yes}]')).toBe('[]');
  });

  it('+ uses the alternative when set', () => {
    expect(ok('${HOST+yes}')).toBe('yes');
    expect(ok('${EMPTY+yes}')).toBe('yes');
    expect(ok('[${MISSING+yes}]')).toBe('[]');
  });

  it('keeps everything up to the closing brace in the argument', () => {
    expect(ok('${MISSING:-a:b-c?d+e}')).toBe('a:b-c?d+e');
    expect(ok('${MISSING:- spaced }')).toBe(' spaced ');
    // A bare "{" does not nest (as in Compose), so the first "}" closes the expression.
    expect(ok('${MISSING:-{x}}')).toBe('{x}');
  });
});

describe('interpolate: nested defaults', () => {
  it('interpolates defaults and alternatives', () => {
    expect(ok('${A:-${B:-x}}')).toBe('bee');
    expect(ok('${A:-${C:-x}}')).toBe('x');
    expect(ok('${A:-$B}')).toBe('bee');
    expect(ok('${A:-pre-${HOST}:${PORT}-post}')).toBe('pre-db.local:5432-post');
    expect(ok('${HOST:+${PORT}}')).toBe('5432');
    expect(ok('${A:-${C:-${D:-${E:-deep}}}}')).toBe('deep');
    expect(ok('${A:-$${B}}')).toBe('${B}');
  });

  it('evaluates a default only when it is used', () => {
    expect(ok('${HOST:-${UNSET}}')).toBe('db.local');
    expect(ok('${HOST:?x}${MISSING:+${UNSET}}')).toBe('db.local');
    expect(errors('${A:-${UNSET}}')).toEqual([{ kind: 'unset', variable: 'UNSET', message: 'variable "UNSET" is not set' }]);
  });

  it('calls lookup only for what is evaluated', () => {
    const asked: string[] = [];
    const lookup: Lookup = (name) => {
      asked.push(name);
      return vars(name);
    };
    ok('${HOST:-${NOPE}}', lookup);
    expect(asked).toEqual(['HOST']);
  });
});

describe('interpolate: variables', () => {
  it('lists referenced names once, in order, including unused defaults', () => {
    const result = interpolate('$PORT ${HOST:-${B}} $PORT ${NAME:+$EMPTY} $$X $5', vars);
    expect(result).toEqual({ ok: true, value: '5432 db.local 5432  $X $5', variables: ['PORT', 'HOST', 'B', 'NAME', 'EMPTY'] });
  });
});

describe('interpolate: syntax errors', () => {
  it('reports an unclosed ${ with its column', () => {
    expect(errors('image ${TAG')).toEqual([{ kind: 'syntax', variable: 'TAG', message: 'unclosed "${" at column 7' }]);
    expect(errors('${')).toEqual([{ kind: 'syntax', variable: null, message: 'unclosed "${" at column 1' }]);
    // The inner expression closes; the outer one does not.
    expect(errors('${A:-${B}')).toEqual([{ kind: 'syntax', variable: 'A', message: 'unclosed "${" at column 1' }]);
  });

  it('gives line and column in multi-line text', () => {
    expect(errors('line one\n  ${OOPS')[0]!.message).toBe('unclosed "${" at line 2, column 3');
  });

  it('rejects invalid and missing names', () => {
    const [invalid] = errors('x${1A}');
    expect(invalid).toMatchObject({ kind: 'syntax', variable: null });
    expect(invalid!.message).toMatch(/^invalid variable name "1A" at column 4: /);
    expect(errors('${}')).toEqual([{ kind: 'syntax', variable: null, message: 'missing variable name in "${}" at column 1' }]);
    expect(errors('${:-x}')[0]!.kind).toBe('syntax');
    expect(errors('${-x}')[0]!.kind).toBe('syntax');
  });

  it('rejects unknown modifiers', () => {
    const [space] = errors('${A B}');
    expect(space).toMatchObject({ kind: 'syntax', variable: 'A' });
    expect(space!.message).toMatch(/^unexpected " B" after variable name "A" at column 4: expected "}"/);
    expect(errors('${A/x/y}')[0]!.kind).toBe('syntax');
    expect(errors('${A:x}')[0]!.kind).toBe('syntax');
    expect(errors('${A#x}')[0]!.kind).toBe('syntax');
  });

  it('reports syntax errors even in unused defaults', () => {
    expect(errors('${HOST:-${1X}}')[0]!.kind).toBe('syntax');
  });

  it('caps nesting depth instead of overflowing the stack', () => {
    const deep = '${A:-'.repeat(1000) + 'x' + '}'.repeat(1000);
    const result = interpolate(deep, env({}));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]!.message).toMatch(/nested more than 32 levels/);
    const fine = '${A:-'.repeat(32) + 'x' + '}'.repeat(32);
    expect(ok(fine, env({}))).toBe('x');
  });
});

describe('interpolate: error collection', () => {
  it('collects every error, in order of appearance', () => {
    const result = errors('$ONE ${TWO:?needed} ${3} ${FOUR} ${A:-${FIVE}} ${SIX');
    expect(result.map((e) => [e.kind, e.variable])).toEqual([
      ['unset', 'ONE'],
      ['required', 'TWO'],
      ['syntax', null],
      ['unset', 'FOUR'],
      ['unset', 'FIVE'],
      ['syntax', 'SIX'],
    ]);
  });

  it('reports a repeated unset variable once', () => {
    expect(errors('$X-${X}-$X')).toHaveLength(1);
  });
});

describe('interpolateValue', () => {
  it('interpolates string values, not keys, and keeps other data', () => {
    const input = {
      services: { $HOST: { image: 'app:${NAME}', ports: ['${PORT}:80', 8080], init: true, x: null } },
      list: [['$B']],
    };
    const problems: unknown[] = [];
    const out = interpolateValue(input, vars, (path, error) => problems.push([path, error.kind]));
    expect(out).toEqual({
      services: { $HOST: { image: 'app:hydra', ports: ['5432:80', 8080], init: true, x: null } },
      list: [['bee']],
    });
    expect(problems).toEqual([]);
    expect(input.services.$HOST.image).toBe('app:${NAME}');
  });

  it('reports each error with its key path and keeps the string as written', () => {
    const problems: [readonly (string | number)[], InterpolationError][] = [];
    const out = interpolateValue(
      { services: { web: { image: '${IMAGE}', command: ['run', '${A} ${B:?x}'] } } },
      vars,
      (path, error) => problems.push([path, error]),
      ['root'],
    );
    expect(out).toEqual({ services: { web: { image: '${IMAGE}', command: ['run', '${A} ${B:?x}'] } } });
    expect(problems.map(([path, error]) => [path, error.variable])).toEqual([
      [['root', 'services', 'web', 'image'], 'IMAGE'],
      [['root', 'services', 'web', 'command', 1], 'A'],
    ]);
  });

  it('treats a "__proto__" key as an ordinary key', () => {
    const input = JSON.parse('{"__proto__": {"polluted": "$B"}}') as unknown;
    const out = interpolateValue(input, vars, () => undefined) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: 'bee' });
  });

  it('returns scalars as they are', () => {
    expect(interpolateValue(42, vars, () => undefined)).toBe(42);
    expect(interpolateValue(null, vars, () => undefined)).toBe(null);
    expect(interpolateValue('$B', vars, () => undefined)).toBe('bee');
  });
});

describe('interpolate: properties', () => {
  const someVars = env({ A: 'a', B: '', LONG_NAME: 'x$y{z}' });
  const tricky = fc
    .array(fc.constantFrom('$', '{', '}', ':', '-', '?', '+', 'A', 'B', 'C', '_', '1', ' ', '$$', '${', '\n'))
    .map((parts) => parts.join(''));

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), tricky), (text) => {
        const result = interpolate(text, someVars);
        if (result.ok) expect(typeof result.value).toBe('string');
        else expect(result.errors.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('returns text without $ unchanged', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('$')),
        (text) => {
          expect(interpolate(text, someVars)).toEqual({ ok: true, value: text, variables: [] });
        },
      ),
    );
  });

  it('decodes escaped text back to the original', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), tricky), (text) => {
        // A function replacement: in a replacement string "$$" would itself mean one "$".
        expect(interpolate(text.replaceAll('$', () => '$$'), someVars)).toEqual({ ok: true, value: text, variables: [] });
      }),
    );
  });
});
