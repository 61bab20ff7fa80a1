/**
 * Finds every occurrence of many literal strings in one left-to-right pass (Aho–Corasick),
 * for secret redaction. A regular expression alternation would do the same in simple cases,
 * but its cost grows with the number and the length of the patterns at every position of
 * the text, and secrets are not chosen to be regex-friendly (think `aaaa…a`). Here scanning
 * costs time linear in the text, whatever the patterns, once the automaton is built.
 */

const ROOT = 0;

/** A half-open range of UTF-16 code units, `[start, end)`. */
export type Range = readonly [start: number, end: number];

/** An automaton over a fixed set of literal strings; build once, scan many texts. */
export class LiteralMatcher {
  /** Per node: code unit → next node. */
  private readonly next: Map<number, number>[] = [new Map()];
  /** Per node: the node of its longest proper suffix that is also in the trie. */
  private readonly fail: number[] = [ROOT];
  /** Per node: length of the longest pattern that ends here (itself or a suffix), or 0. */
  private readonly longest: number[] = [0];

  /** Builds the automaton; empty strings are ignored (they would match everywhere). */
  constructor(patterns: Iterable<string>) {
    for (const pattern of patterns) if (pattern !== '') this.insert(pattern);
    this.link();
  }

  /** True when at least one pattern occurs in the text. */
  test(text: string): boolean {
    let state = ROOT;
    for (let i = 0; i < text.length; i += 1) {
      state = this.step(state, text.charCodeAt(i));
      if (this.longest[state]! > 0) return true;
    }
    return false;
  }

  /**
   * The parts of the text covered by occurrences, as sorted, disjoint ranges; overlapping
   * and touching occurrences are merged, so that no fragment of a secret survives between
   * two replacements.
   */
  ranges(text: string): Range[] {
    const merged: [number, number][] = [];
    let state = ROOT;
    for (let i = 0; i < text.length; i += 1) {
      state = this.step(state, text.charCodeAt(i));
      const length = this.longest[state]!;
      if (length === 0) continue;
      // Only the longest match ending here matters: the shorter ones lie inside it.
      let start = i + 1 - length;
      const end = i + 1;
      // A long match may reach back over several earlier ranges; absorb them all.
      while (merged.length > 0 && merged[merged.length - 1]![1] >= start) start = Math.min(start, merged.pop()![0]);
      merged.push([start, end]);
    }
    return merged;
  }

  /** The text with each covered range replaced by `replacement`. */
  replace(text: string, replacement: string): string {
    const ranges = this.ranges(text);
    if (ranges.length === 0) return text;
    let result = '';
    let from = 0;
    for (const [start, end] of ranges) {
      result += text.slice(from, start) + replacement;
      from = end;
    }
    return result + text.slice(from);
  }

  private insert(pattern: string): void {
    let node = ROOT;
    for (let i = 0; i < pattern.length; i += 1) {
      const code = pattern.charCodeAt(i);
      let child = this.next[node]!.get(code);
      if (child === undefined) {
        child = this.next.length;
        this.next.push(new Map());
        this.fail.push(ROOT);
        this.longest.push(0);
        this.next[node]!.set(code, child);
      }
      node = child;
    }
    this.longest[node] = pattern.length;
  }

  /** Breadth first, so that a node's suffix link is known before its children need it. */
  private link(): void {
    const queue: number[] = [...this.next[ROOT]!.values()];
    for (let head = 0; head < queue.length; head += 1) {
      const node = queue[head]!;
      for (const [code, child] of this.next[node]!) {
        this.fail[child] = node === ROOT ? ROOT : this.step(this.fail[node]!, code);
        // A terminal node's own pattern is its longest; otherwise inherit the suffix's.
        if (this.longest[child] === 0) this.longest[child] = this.longest[this.fail[child]!]!;
        queue.push(child);
      }
    }
  }

  private step(state: number, code: number): number {
    let node = state;
    for (;;) {
      const child = this.next[node]!.get(code);
      if (child !== undefined) return child;
      if (node === ROOT) return ROOT;
      node = this.fail[node]!;
    }
  }
}
