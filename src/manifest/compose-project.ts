import path from 'node:path';
import type { SourceLocation } from '../model/issue.js';
import type { ComposeDraft } from './compose-draft.js';
import { ExtendsResolver } from './compose-extends.js';
import type { ComposeFileContext, LoadedComposeFile, NamedBy } from './compose-file.js';
import { LISTED_IN_ENVIRONMENT, readComposeFile } from './compose-file.js';
import { importIncluded, includeLookup } from './compose-include.js';
import { mergeComposeDrafts } from './compose-merge.js';
import type { NamedFile } from './environment-manifest.js';

const EXTENDED: NamedBy = { keyPath: ['extends', 'file'], advice: 'Correct extends.file (it is relative to the extending Compose file) or create the file.' };
const INCLUDED: NamedBy = { keyPath: ['include'], advice: 'Correct the path (it is relative to the project directory of the including file) or create the file.' };

/**
 * Loads a Compose project: its files read (every problem of each reported), each file's
 * `extends` resolved, the files merged in order, then the top-level `include`s of every file
 * loaded as projects of their own (their own project directory and env files, recursively)
 * and their resources copied in. Null when a file cannot be read at all; the others are still
 * read, so that their problems are reported too.
 */
export function loadComposeProject(
  files: readonly NamedFile[],
  projectDir: string,
  lookup: (name: string) => string | undefined,
  ctx: ComposeFileContext,
  includeChain: readonly string[] = [],
): ComposeDraft | null {
  const opened = new Map<string, LoadedComposeFile | null>();
  const open = (absolutePath: string, namedAt: SourceLocation): LoadedComposeFile | null => {
    if (!opened.has(absolutePath)) {
      const named: NamedFile = { path: absolutePath, display: ctx.display(absolutePath), location: namedAt };
      opened.set(absolutePath, readComposeFile(named, path.dirname(absolutePath), lookup, ctx, EXTENDED));
    }
    return opened.get(absolutePath) ?? null;
  };
  const resolver = new ExtendsResolver(open, ctx.report, ctx.pruned);
  const loaded: LoadedComposeFile[] = [];
  let readable = true;
  for (const file of files) {
    const one = readComposeFile(file, projectDir, lookup, ctx, includeChain.length === 0 ? LISTED_IN_ENVIRONMENT : INCLUDED);
    if (one === null) readable = false;
    else loaded.push(one);
    // A file both listed and extended from is read once when it resolves paths the same way.
    if (path.dirname(file.path) === projectDir) opened.set(file.path, one);
  }
  if (!readable) return null;
  let merged = mergeComposeDrafts(loaded.map((file) => resolver.resolveFile(file)));
  const chain = [...includeChain, ...files.map((file) => file.path)];
  for (const include of loaded.flatMap((file) => file.includes)) {
    const repeated = include.paths.find((p) => chain.includes(p));
    if (repeated !== undefined) {
      const cycle = [...chain.slice(chain.indexOf(repeated)), repeated].map((p) => ctx.display(p));
      ctx.report({ code: 'PHX-INCLUDE-CYCLE', severity: 'error', location: include.location, path: 'include', message: `include forms a cycle: ${cycle.join(' -> ')}.`, remediation: 'Remove one of these includes: a file cannot include itself, even through others.' });
      continue;
    }
    const named = include.paths.map((p) => ({ path: p, display: ctx.display(p), location: include.location }));
    const included = loadComposeProject(named, include.projectDir, includeLookup(include, lookup, ctx), ctx, chain);
    if (included === null) continue;
    merged = importIncluded(merged, included, include, named.map((file) => file.display).join(' + '), ctx.report);
  }
  return merged;
}
