import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LoadCache, resolvingReader } from '../../src/controller/load-cache.js';
import type { LoadResult } from '../../src/manifest/load.js';
import type { ManifestReader } from '../../src/manifest/reader.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'phx-load-cache-'));
  folders.push(dir);
  return dir;
}

/** Writes a file as if it had been written a minute ago (the cache does not trust files younger than 2 s). */
function writeOld(file: string, text: string): void {
  writeFileSync(file, text);
  const past = new Date(Date.now() - 60_000);
  utimesSync(file, past, past);
}

/** A load result stand-in: the cache only keeps and returns it, and looks at the services' `build`. */
function result(services: { name: string; build?: object }[] = [{ name: 'web' }]): LoadResult {
  return { ok: true, desired: { services } } as unknown as LoadResult;
}

const realPath = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

describe('LoadCache', () => {
  it('gives the kept result back while every file read is unchanged, and not once one changes', () => {
    const dir = folder();
    const manifest = path.join(dir, 'dev.yaml');
    writeOld(manifest, 'project: a\n');
    const cache = new LoadCache(realPath);
    const kept = result();
    cache.keep('disk', { files: [manifest], realPaths: new Map() }, kept);
    expect(cache.reuse('disk')).toBe(kept);
    expect(cache.reuse('disk')).toBe(kept);
    // The same size, another content: the modification time tells.
    writeFileSync(manifest, 'project: b\n');
    expect(cache.reuse('disk')).toBeNull();
  });

  it('notices a file that was looked for and did not exist, once it does', () => {
    const dir = folder();
    const dotenv = path.join(dir, '.env');
    const cache = new LoadCache(realPath);
    cache.keep('disk', { files: [dotenv], realPaths: new Map() }, result());
    expect(cache.reuse('disk')).not.toBeNull();
    writeOld(dotenv, 'A=1\n');
    expect(cache.reuse('disk')).toBeNull();
  });

  it('keys the result by its source: another git revision loads again', () => {
    const cache = new LoadCache(realPath);
    cache.keep('git:aaa', { files: [], realPaths: new Map() }, result());
    expect(cache.reuse('git:aaa')).not.toBeNull();
    expect(cache.reuse('git:bbb')).toBeNull();
    expect(cache.reuse('disk')).toBeNull();
  });

  it('does not keep a file younger than two seconds, nor an environment with a build context', () => {
    const dir = folder();
    const fresh = path.join(dir, 'fresh.yaml');
    writeFileSync(fresh, 'x\n');
    const cache = new LoadCache(realPath);
    cache.keep('disk', { files: [fresh], realPaths: new Map() }, result());
    expect(cache.reuse('disk')).toBeNull();
    cache.keep('disk', { files: [], realPaths: new Map() }, result([{ name: 'app', build: { context: dir } }]));
    expect(cache.reuse('disk')).toBeNull();
  });

  it('notices a host path that now leads elsewhere (a symbolic link pointed at another folder)', () => {
    const dir = folder();
    const link = path.join(dir, 'data');
    mkdirSync(path.join(dir, 'one'));
    mkdirSync(path.join(dir, 'two'));
    symlinkSync(path.join(dir, 'one'), link);
    const disk: ManifestReader = { readText: () => null, readBytes: () => null, list: () => [], realPath: (p) => realPath(p) };
    const reader = resolvingReader(disk);
    const resolvedBefore = reader.realPath!(link);
    const cache = new LoadCache(realPath);
    cache.keep('disk', { files: [], realPaths: reader.realPaths() }, result());
    expect(cache.reuse('disk')).not.toBeNull();
    unlinkSync(link);
    symlinkSync(path.join(dir, 'two'), link);
    expect(realPath(link)).not.toBe(resolvedBefore);
    expect(cache.reuse('disk')).toBeNull();
  });
});
