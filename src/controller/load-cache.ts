/**
 * Watch reconciles on every resync, Podman event and health decision, and each reconcile used
 * to load the environment again: YAML, schema, interpolation, secret digests. At 1,000
 * services that is 0.3 s of CPU and tens of MiB of garbage every minute for manifests that did
 * not change (docs/benchmarks.md, bench:watch at 1,000). This keeps the last load's result
 * with a stamp of every file it read (or looked for) and every host path it resolved, and
 * gives it back while all of them are as they were.
 *
 * Not kept: an environment with a build context, whose content is hashed from the disk
 * directly (not through the reader), so only a new load sees a changed source file.
 */
import { statSync } from 'node:fs';
import type { LoadResult } from '../manifest/load.js';
import type { ManifestReader } from '../manifest/reader.js';

/** A file's stat, or null when it is absent. */
function statOf(file: string): { readonly stamp: string; readonly mtimeMs: number } | null {
  try {
    const stat = statSync(file, { bigint: true });
    return { stamp: `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`, mtimeMs: Number(stat.mtimeNs / 1_000_000n) };
  } catch {
    return null;
  }
}

/** A file as it was when the load read it: inode, size and times, or absent. */
function stampOf(file: string): string {
  return statOf(file)?.stamp ?? 'absent';
}

/** What one load read, so that it can be checked later without loading again. */
export interface LoadInputs {
  /** Every file the load read or looked for, absolute. */
  readonly files: readonly string[];
  /** Every host path the load resolved, with where it led. */
  readonly realPaths: ReadonlyMap<string, string>;
}

/** A reader that remembers the host paths it resolved (files are recorded by the recording reader). */
export function resolvingReader(inner: ManifestReader): ManifestReader & { realPaths(): ReadonlyMap<string, string> } {
  const resolved = new Map<string, string>();
  return {
    readText: (p) => inner.readText(p),
    readBytes: (p) => inner.readBytes(p),
    list: (dir) => inner.list(dir),
    ...(inner.realPath === undefined
      ? {}
      : {
          realPath: (p: string) => {
            const real = inner.realPath!(p);
            resolved.set(p, real);
            return real;
          },
        }),
    realPaths: () => resolved,
  };
}

interface Entry {
  readonly source: string;
  readonly stamps: ReadonlyMap<string, string>;
  readonly realPaths: ReadonlyMap<string, string>;
  readonly result: LoadResult;
}

/** The last load of one environment from one source (the disk, or a git revision). */
export class LoadCache {
  private entry: Entry | null = null;

  constructor(private readonly resolve: (p: string) => string = (p) => p) {}

  /** The kept result when `source` is the one it was loaded from and none of its inputs changed; else null. */
  reuse(source: string): LoadResult | null {
    const entry = this.entry;
    if (entry === null || entry.source !== source) return null;
    for (const [file, stamp] of entry.stamps) if (stampOf(file) !== stamp) return null;
    for (const [p, real] of entry.realPaths) if (this.resolve(p) !== real) return null;
    return entry.result;
  }

  /**
   * Keeps `result`, read from `source` with `inputs`. Not when a file changed in the last two
   * seconds: on a file system with coarse timestamps its next change could keep the same
   * stamp (and an edit during the load would be stamped as if it had been read).
   */
  keep(source: string, inputs: LoadInputs, result: LoadResult): void {
    if (result.ok && result.desired.services.some((service) => service.build !== undefined)) {
      this.entry = null;
      return;
    }
    const now = Date.now();
    const stamps = new Map<string, string>();
    for (const file of inputs.files) {
      const stat = statOf(file);
      if (stat !== null && now - stat.mtimeMs < 2000) {
        this.entry = null;
        return;
      }
      stamps.set(file, stat?.stamp ?? 'absent');
    }
    this.entry = { source, stamps, realPaths: new Map(inputs.realPaths), result };
  }
}
