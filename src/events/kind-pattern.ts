/**
 * Event kind patterns (`container.*`, `*.failed`, `reconcile.started`) matched without
 * regular expressions: a pattern is cut at its `*`s, its first part must start the kind, its
 * last part end it, and the parts between are found left to right, each at its first
 * occurrence after the previous one. Taking the first occurrence is always right for `*`
 * (any later match of the rest also fits after an earlier part), so there is no backtracking:
 * the cost is at most one scan of the kind per part, whatever the pattern.
 */

/** True when `kind` matches `pattern`, `*` standing for any run of characters (none included). */
export function kindMatches(pattern: string, kind: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === kind;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (kind.length < first.length + last.length || !kind.startsWith(first) || !kind.endsWith(last)) return false;
  let position = first.length;
  const end = kind.length - last.length;
  for (const part of parts.slice(1, -1)) {
    if (part === '') continue;
    const found = kind.indexOf(part, position);
    if (found < 0 || found + part.length > end) return false;
    position = found + part.length;
  }
  return true;
}
