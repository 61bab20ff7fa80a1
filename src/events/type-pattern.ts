/**
 * Event type patterns (`container.*`, `*.failed`, `*`) matched without regular expressions.
 * A pattern from an HTTP client (`/events?types=…`) must not be able to stall the controller:
 * compiled to a regex, `**************Z` backtracks exponentially on every event. Here a
 * pattern is split at its stars into literal pieces, and the pieces are found left to right
 * with `indexOf`, each once: time linear in the pattern times the kind, never more.
 */

/** Longest pattern accepted from a client; event kinds are a few dozen characters. */
export const MAX_TYPE_PATTERN_LENGTH = 200;

/** A compiled type pattern: its literal pieces between stars. */
export interface TypePattern {
  /** The text before the first star (the whole pattern when it has none). */
  readonly prefix: string;
  /** The pieces between stars, in order; empty when the pattern has at most one star. */
  readonly middle: readonly string[];
  /** The text after the last star; null when the pattern has no star. */
  readonly suffix: string | null;
}

/** Splits a pattern at its stars (runs of stars are one star). */
export function compileTypePattern(pattern: string): TypePattern {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return { prefix: pattern, middle: [], suffix: null };
  return { prefix: pieces[0]!, middle: pieces.slice(1, -1).filter((piece) => piece !== ''), suffix: pieces[pieces.length - 1]! };
}

/**
 * Whether `kind` matches the pattern: the prefix starts it, the suffix ends it, and the middle
 * pieces occur in order in between without overlapping. Taking each middle piece at its first
 * occurrence is optimal (a later one only leaves less room), so no choice is ever revisited.
 */
export function matchesTypePattern(pattern: TypePattern, kind: string): boolean {
  if (pattern.suffix === null) return kind === pattern.prefix;
  if (kind.length < pattern.prefix.length + pattern.suffix.length || !kind.startsWith(pattern.prefix) || !kind.endsWith(pattern.suffix)) return false;
  let from = pattern.prefix.length;
  const end = kind.length - pattern.suffix.length;
  for (const piece of pattern.middle) {
    const at = kind.indexOf(piece, from);
    if (at === -1 || at + piece.length > end) return false;
    from = at + piece.length;
  }
  return true;
}

/** Whether `kind` matches the pattern text (compiled on the way; callers that repeat a pattern compile it once). */
export function typeMatches(pattern: string, kind: string): boolean {
  return matchesTypePattern(compileTypePattern(pattern), kind);
}
