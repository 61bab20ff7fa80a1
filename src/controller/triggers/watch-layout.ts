/**
 * Which folders to watch for a set of files. Files are never watched by themselves: an
 * editor that saves by writing a new file and renaming it over the old one (vim, VS Code,
 * most "atomic" writers) gives the path a new inode, and a watch on the old inode goes
 * silent. Watching each file's folder and filtering by name survives that, and sees a file
 * that is created later. A folder that does not exist yet is waited for from its nearest
 * existing ancestor.
 */
import path from 'node:path';

/** The folders a watch of some files needs, and how to filter what they report. */
export interface WatchLayout {
  /** The wanted files, absolute. */
  readonly files: ReadonlySet<string>;
  /** Folders to watch, each without recursion. */
  readonly roots: readonly string[];
  /** Every path the watcher may report: the files, the roots, and the folders below roots on the way to a missing one. */
  readonly allowed: ReadonlySet<string>;
  /** Folders whose creation or removal changes this layout: it must then be planned again. */
  readonly structural: ReadonlySet<string>;
}

/**
 * Plans the watch of `files`. `isDirectory` tells which folders exist now. Each file's
 * nearest existing folder (its anchor) is watched, and so is the anchor's parent, so that
 * the anchor's own removal is seen.
 */
export function planWatch(files: Iterable<string>, isDirectory: (absolutePath: string) => boolean): WatchLayout {
  const wanted = new Set([...files].map((file) => path.resolve(file)));
  const roots = new Set<string>();
  const allowed = new Set<string>(wanted);
  const structural = new Set<string>();
  for (const file of wanted) {
    const parent = path.dirname(file);
    let anchor = parent;
    while (!isDirectory(anchor) && path.dirname(anchor) !== anchor) anchor = path.dirname(anchor);
    roots.add(anchor);
    roots.add(path.dirname(anchor));
    structural.add(anchor);
    if (anchor !== parent) {
      // The next folder down towards the file: its creation is what the watch waits for.
      const next = path.join(anchor, path.relative(anchor, parent).split(path.sep)[0]!);
      allowed.add(next);
      structural.add(next);
    }
  }
  for (const root of roots) allowed.add(root);
  return { files: wanted, roots: [...roots].sort(), allowed, structural };
}
