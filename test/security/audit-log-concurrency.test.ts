/**
 * The audit log is written by several Phoenix processes at once (watch, and a CLI command
 * beside it): two real processes append concurrently while the log rotates hundreds of times,
 * and every line arrives exactly once, whole, in a file of the rotation. Runs dist/ (npm run build).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, requireFreshBuild } from '../integration/support.js';

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'phx-audit-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

const LINES = 1500;
/** Small files, many of them kept: every line must be found again. */
const ROTATION = { maxBytes: 2048, keep: 10_000 };

/** One writer process: LINES security events tagged `tag`, yielding now and then as watch's bus does. */
function writer(tag: string): Promise<number> {
  const module = pathToFileURL(path.join(REPO, 'dist', 'security', 'audit-log.js')).href;
  const script = `
    const { AuditLog } = await import(${JSON.stringify(module)});
    const log = AuditLog.open(${JSON.stringify(stateDir)}, ${JSON.stringify(ROTATION)});
    for (let i = 0; i < ${LINES}; i++) {
      log.record({ specversion: '1.0', type: 'io.phoenix.security.denied', id: '${tag}-' + i, data: { pad: 'x'.repeat(150 + (i % 50)) } });
      if (i % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await log.flush();
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? -1));
  });
}

describe('the audit log between processes', () => {
  it('two processes writing while it rotates: no line lost, duplicated or torn; files stay 0600', { timeout: 120_000 }, async () => {
    requireFreshBuild();
    expect(await Promise.all([writer('a'), writer('b')])).toEqual([0, 0]);
    const dir = path.join(stateDir, 'audit');
    const files = readdirSync(dir).filter((f) => f.startsWith('security.log') && !f.endsWith('.lock'));
    expect(files.length).toBeGreaterThan(5);
    const ids: string[] = [];
    for (const file of files) {
      expect(statSync(path.join(dir, file)).mode & 0o777, file).toBe(0o600);
      const text = readFileSync(path.join(dir, file), 'utf8');
      expect(text.endsWith('\n'), file).toBe(true);
      for (const line of text.slice(0, -1).split('\n')) ids.push((JSON.parse(line) as { id: string }).id);
    }
    const expected = ['a', 'b'].flatMap((tag) => Array.from({ length: LINES }, (_, i) => `${tag}-${i}`));
    expect(ids.length).toBe(expected.length);
    expect(new Set(ids)).toEqual(new Set(expected));
    // Each file but the live one was rotated at the limit: within one batch of it.
    for (const file of files.filter((f) => f !== 'security.log')) expect(statSync(path.join(dir, file)).size).toBeGreaterThanOrEqual(ROTATION.maxBytes);
  });
});
