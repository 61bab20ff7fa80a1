import path from 'node:path';
import type { ManifestReader } from '../../src/manifest/reader.js';

/**
 * Test double for the file system: a ManifestReader over files held in memory, keyed by
 * absolute path. Used by loader and planner tests that need no disk.
 */
export function memoryReader(files: Readonly<Record<string, string>>): ManifestReader {
  const table = new Map(Object.entries(files).map(([p, text]) => [path.resolve(p), text]));
  return {
    readText: (p) => table.get(path.resolve(p)) ?? null,
    readBytes: (p) => {
      const text = table.get(path.resolve(p));
      return text === undefined ? null : new TextEncoder().encode(text);
    },
    list: (dir) => {
      const prefix = `${path.resolve(dir)}${path.sep}`;
      return [...table.keys()].filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length).split(path.sep)[0]!);
    },
  };
}
