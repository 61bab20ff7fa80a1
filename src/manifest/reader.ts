/**
 * How the loader reads files. The loader itself does no I/O, so that validation can run on
 * text held in memory (tests, editors) and the same code reads the disk in the CLI.
 */
export interface ManifestReader {
  /** The file's text, or null when there is no such file. */
  readText(absolutePath: string): string | null;
  /** The file's bytes, or null when there is no such file (secret contents). */
  readBytes(absolutePath: string): Uint8Array | null;
  /** Names of the entries in a folder; empty when there is no such folder. */
  list(absoluteDir: string): string[];
  /**
   * Where a host path really leads, symbolic links resolved (as far as the path exists);
   * absent for readers without a file system, whose paths are taken as written.
   */
  realPath?(absolutePath: string): string;
}
