import { readdirSync, readFileSync } from 'node:fs';
import type { ManifestReader } from './reader.js';

function missing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

/** A {@link ManifestReader} over the real file system. */
export const nodeReader: ManifestReader = {
  readText(absolutePath) {
    try {
      return readFileSync(absolutePath, 'utf8');
    } catch (error) {
      if (missing(error)) return null;
      throw error;
    }
  },
  readBytes(absolutePath) {
    try {
      return readFileSync(absolutePath);
    } catch (error) {
      if (missing(error)) return null;
      throw error;
    }
  },
  list(absoluteDir) {
    try {
      return readdirSync(absoluteDir);
    } catch (error) {
      if (missing(error)) return [];
      throw error;
    }
  },
};
