import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every `.ts` file under a folder. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('docs/errors.md', () => {
  it('explains every error code the source can report', () => {
    const codes = new Set<string>();
    for (const file of sourceFiles(path.join(REPO, 'src'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/'((?:PHX|PODMAN)-[A-Z0-9]+(?:-[A-Z0-9]+)*)'/g)) codes.add(match[1]!);
    }
    // A guard against a pattern that silently matches nothing.
    expect(codes.size).toBeGreaterThan(50);
    const doc = readFileSync(path.join(REPO, 'docs', 'errors.md'), 'utf8');
    expect([...codes].filter((code) => !doc.includes(`\`${code}\``)).sort()).toEqual([]);
  });
});
