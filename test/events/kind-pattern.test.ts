import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kindMatches } from '../../src/events/kind-pattern.js';

/** The reference: the same pattern as an anchored regular expression (fine for short test inputs). */
function byRegex(pattern: string, kind: string): boolean {
  return new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(kind);
}

describe('kindMatches: event kind patterns without regular expressions', () => {
  it('exact kinds, prefixes, suffixes and inner wildcards', () => {
    expect(kindMatches('reconcile.failed', 'reconcile.failed')).toBe(true);
    expect(kindMatches('reconcile.failed', 'reconcile.failed2')).toBe(false);
    expect(kindMatches('container.*', 'container.died')).toBe(true);
    expect(kindMatches('container.*', 'container.')).toBe(true);
    expect(kindMatches('container.*', 'service.crash-looping')).toBe(false);
    expect(kindMatches('*.failed', 'action.failed')).toBe(true);
    expect(kindMatches('*.failed', 'action.succeeded')).toBe(false);
    expect(kindMatches('c*r*d', 'container.restarted')).toBe(true);
    expect(kindMatches('*', 'anything')).toBe(true);
    // A prefix and suffix may not overlap.
    expect(kindMatches('ab*ba', 'aba')).toBe(false);
  });

  it('agrees with the anchored regular expression on random patterns and kinds', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '.', '*'), maxLength: 8 });
    fc.assert(fc.property(text, fc.string({ unit: fc.constantFrom('a', 'b', '.'), maxLength: 10 }), (pattern, kind) => kindMatches(pattern, kind) === byRegex(pattern, kind)), { numRuns: 3000 });
  });

  it('takes linear time on patterns that make a backtracking matcher explode', () => {
    const pattern = `${'*a'.repeat(30)}*b`;
    const kind = 'a'.repeat(100_000);
    const started = performance.now();
    expect(kindMatches(pattern, kind)).toBe(false);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
