import { listFolder, readRegularFile } from './bounded-read.js';
import type { ManifestReader } from './reader.js';
import { resolveRealPath } from './real-path.js';

/**
 * A {@link ManifestReader} over the real file system. Reads are bounded (regular files only, at
 * most MAX_INPUT_FILE_BYTES); a file that cannot or must not be read throws an InputFileError,
 * which the loader reports as an issue naming the path.
 */
export const nodeReader: ManifestReader = {
  readText(absolutePath) {
    return readRegularFile(absolutePath)?.toString('utf8') ?? null;
  },
  readBytes(absolutePath) {
    return readRegularFile(absolutePath);
  },
  list(absoluteDir) {
    return listFolder(absoluteDir);
  },
  realPath(absolutePath) {
    return resolveRealPath(absolutePath);
  },
};
