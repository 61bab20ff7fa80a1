/**
 * `phoenix doctor` on this real host, against real Podman, as whoever runs the tests: root in
 * the main run, the unprivileged user in the rootless run (scripts/test-rootless.sh). It must
 * pass as both; a state directory others may write must make it fail with a remedy.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'phx-doctor-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Report {
  ok: boolean;
  checks: { id: string; status: string; detail: string; remedy?: string }[];
}

async function doctor(stateDir: string): Promise<{ code: number; report: Report }> {
  let out = '';
  const io: CliIo = { stdout: (t) => void (out += t), stderr: (t) => void (out += t), env: { ...process.env }, cwd: root, interactive: false, confirm: () => Promise.resolve(false) };
  const code = await main(['doctor', '--json', '--state-dir', stateDir], io);
  return { code, report: JSON.parse(out) as Report };
}

describe('phoenix doctor on this host', { timeout: 60_000 }, () => {
  it('passes for the user running the tests, and names the mode Podman runs in', async () => {
    const stateDir = path.join(root, 'state-ok');
    mkdirSync(stateDir, { mode: 0o700 });
    const { code, report } = await doctor(stateDir);
    expect(report.checks.filter((c) => c.status === 'fail'), JSON.stringify(report.checks, null, 2)).toEqual([]);
    expect(code).toBe(0);
    const rootless = process.geteuid?.() !== 0;
    expect(report.checks.find((c) => c.id === 'podman.mode')?.detail).toMatch(rootless ? /^rootless, as / : /^rootful/);
    if (rootless) {
      // The rootless run: the set-up scripts/setup.sh makes for the user is what doctor saw.
      for (const id of ['rootless.subids', 'rootless.uidmap', 'rootless.network', 'rootless.runtime-dir']) expect(report.checks.find((c) => c.id === id)?.status, id).toBe('ok');
    }
  });

  it('fails with a remedy and exit 1 when others may write the state directory', async () => {
    const stateDir = path.join(root, 'state-open');
    mkdirSync(stateDir);
    chmodSync(stateDir, 0o777);
    const { code, report } = await doctor(stateDir);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.id === 'state.dir')).toMatchObject({ status: 'fail', remedy: `\`chmod 0700 ${stateDir}\`` });
  });
});
