/**
 * The examples of a Markdown doc that its tests run: every fenced block preceded by a marker
 * comment `<!-- KIND: NAME -->` (e.g. `<!-- include: docs/examples/phoenix-alerts.yml -->`,
 * `<!-- example: http -->`). A marker's block is what the reader sees, so the test runs
 * exactly that text.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from '../integration/support.js';

/** One marked block. */
export interface MarkedBlock {
  /** The marker's kind: `include`, `example`, `break`, ... */
  readonly kind: string;
  /** What the marker names (a file, an example's name). */
  readonly name: string;
  /** The fence's info string (`yaml`, `sh`, or empty). */
  readonly lang: string;
  /** The block's text, with a final newline. */
  readonly text: string;
  /** 1-based line of the marker in the doc, for messages. */
  readonly line: number;
}

const MARKED = /<!--\s*([a-z][a-z-]*):\s*(\S+)\s*-->\n+```([\w-]*)\n([\s\S]*?)^```$/gm;

/** Every marked block of the Markdown text, in order. */
export function markedBlocks(markdown: string): MarkedBlock[] {
  const blocks: MarkedBlock[] = [];
  for (const match of markdown.matchAll(MARKED)) {
    const line = markdown.slice(0, match.index).split('\n').length;
    blocks.push({ kind: match[1]!, name: match[2]!, lang: match[3]!, text: match[4]!, line });
  }
  return blocks;
}

/** The doc at `relative` (to the repository): its text and marked blocks. */
export function readDoc(relative: string): { readonly text: string; readonly blocks: MarkedBlock[] } {
  const text = readFileSync(path.join(REPO, relative), 'utf8');
  return { text, blocks: markedBlocks(text) };
}

/** The one block of that kind and name; throws naming the doc when there is none or several. */
export function blockNamed(blocks: readonly MarkedBlock[], kind: string, name: string): MarkedBlock {
  const found = blocks.filter((block) => block.kind === kind && block.name === name);
  if (found.length !== 1) throw new Error(`expected one <!-- ${kind}: ${name} --> block, found ${found.length}`);
  return found[0]!;
}
