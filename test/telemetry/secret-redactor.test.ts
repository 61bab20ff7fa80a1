/**
 * SecretRedactor and its LiteralMatcher: every occurrence of every value goes, however short;
 * overlapping secrets leave no fragment; the set changes at run time; the cost stays linear
 * on inputs that make naive matchers quadratic; JSON lines stay valid JSON.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiteralMatcher } from '../../src/telemetry/literal-matcher.js';
import { REDACTED, SecretRedactor } from '../../src/telemetry/secret-redactor.js';

/** The obvious quadratic definition: mark every covered position, then take the runs. */
function naiveRanges(text: string, patterns: readonly string[]): [number, number][] {
  const covered = new Array<boolean>(text.length).fill(false);
  for (const pattern of patterns) {
    if (pattern === '') continue;
    for (let at = text.indexOf(pattern); at !== -1; at = text.indexOf(pattern, at + 1)) covered.fill(true, at, at + pattern.length);
  }
  const ranges: [number, number][] = [];
  covered.forEach((isCovered, index) => {
    if (!isCovered) return;
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last[1] === index) last[1] = index + 1;
    else ranges.push([index, index + 1]);
  });
  return ranges;
}

describe('LiteralMatcher', () => {
  it('covers exactly what the naive definition covers', () => {
    const small = fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 6 });
    fc.assert(
      fc.property(fc.array(small, { maxLength: 6 }), fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), maxLength: 60 }), (patterns, text) => {
        expect(new LiteralMatcher(patterns).ranges(text)).toEqual(naiveRanges(text, patterns));
      }),
      { numRuns: 500 },
    );
  });

  it('stays linear on inputs that defeat backtracking', () => {
    const text = 'a'.repeat(200_000);
    const matcher = new LiteralMatcher(['a'.repeat(5000) + 'b', ...Array.from({ length: 500 }, (_, i) => `${'a'.repeat(i + 1)}c`)]);
    const started = performance.now();
    expect(matcher.test(text)).toBe(false);
    expect(matcher.replace(text, 'X')).toBe(text);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('SecretRedactor', () => {
  it('redacts every occurrence of every value, even one character long', () => {
    const redactor = new SecretRedactor(['hunter2', 'x', '']);
    expect(redactor.size).toBe(2);
    expect(redactor.redact('pw=hunter2; again hunter2; max')).toBe('pw=[REDACTED]; again [REDACTED]; ma[REDACTED]');
  });

  it('leaves no fragment of overlapping or adjacent secrets', () => {
    const redactor = new SecretRedactor(['abcdef', 'defghi']);
    expect(redactor.redact('0abcdefghi1')).toBe(`0${REDACTED}1`);
    expect(redactor.redact('abcdefabcdef')).toBe(REDACTED);
  });

  it('follows the set as it changes at run time', () => {
    const redactor = new SecretRedactor();
    expect(redactor.redact('token-1 token-2')).toBe('token-1 token-2');
    redactor.add('token-1');
    expect(redactor.redact('token-1 token-2')).toBe(`${REDACTED} token-2`);
    redactor.add('token-2');
    redactor.delete('token-1');
    expect(redactor.redact('token-1 token-2')).toBe(`token-1 ${REDACTED}`);
    redactor.replaceAll(['token-1']);
    expect(redactor.redact('token-1 token-2')).toBe(`${REDACTED} token-2`);
  });

  it('catches JSON-escaped and URL-encoded spellings', () => {
    const secret = 'p"a\\ss w@rd\n';
    const redactor = new SecretRedactor([secret]);
    expect(redactor.redact(JSON.stringify({ value: secret }))).toBe(`{"value":"${REDACTED}"}`);
    expect(redactor.redact(`https://h/?q=${encodeURIComponent(secret)}`)).toBe(`https://h/?q=${REDACTED}`);
  });

  it('keeps JSON lines valid, redacting keys, strings and numbers', () => {
    const redactor = new SecretRedactor(['482913', 'sekret']);
    const line = `${JSON.stringify({ pin: 482913, sekret: 'a sekret here', list: ['x', 'sekret'], ok: 1 })}\n`;
    const redacted = redactor.redactJsonLine(line);
    expect(redacted.endsWith('\n')).toBe(true);
    expect(JSON.parse(redacted)).toEqual({ pin: REDACTED, [REDACTED]: `a ${REDACTED} here`, list: ['x', REDACTED], ok: 1 });
    const clean = '{"msg":"nothing"}\n';
    expect(redactor.redactJsonLine(clean)).toBe(clean);
  });
});
