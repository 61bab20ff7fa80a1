/**
 * What the file trigger should watch for an environment: exactly the files its load read,
 * found by recording the loader's reads rather than by listing manifest keys. That set
 * follows the loader as it grows (env_file, secret files, overlays), and it includes the
 * files the loader looked for and did not find (`<name>.yml` next to `<name>.yaml`, the
 * default `.env`, a missing env_file), since creating one of them changes the environment.
 */
import path from 'node:path';
import type { ManifestReader } from '../../manifest/reader.js';

/** A ManifestReader that remembers every file asked for. */
export interface RecordingReader extends ManifestReader {
  /** The files read (or looked for) since creation, absolute, sorted. */
  files(): string[];
}

/**
 * Wraps `inner` to record reads. Folder listings are not recorded: the loader lists a folder
 * only to name the known environments in an error message.
 */
export function recordingReader(inner: ManifestReader): RecordingReader {
  const files = new Set<string>();
  const note = (file: string): void => void files.add(path.resolve(file));
  return {
    readText(absolutePath) {
      note(absolutePath);
      return inner.readText(absolutePath);
    },
    readBytes(absolutePath) {
      note(absolutePath);
      return inner.readBytes(absolutePath);
    },
    list(absoluteDir) {
      return inner.list(absoluteDir);
    },
    ...(inner.realPath === undefined ? {} : { realPath: (p: string) => inner.realPath!(p) }),
    files: () => [...files].sort(),
  };
}
