/** Parsing `podman container inspect --format '{{.Name}} {{.RestartCount}}'` (pure; the real call is in test/integration/watch-evidence.test.ts). */
import { describe, expect, it } from 'vitest';
import { parseRestartCounts } from '../../src/podman/podman-cli.js';

describe('parseRestartCounts', () => {
  it('reads name and count per line, with or without the leading slash, and skips what does not parse', () => {
    expect([...parseRestartCounts('shop-dev-web-1 267\n/shop-dev-db-1 0\nError: no such container x\n\n')]).toEqual([
      ['shop-dev-web-1', 267],
      ['shop-dev-db-1', 0],
    ]);
  });
});
