/**
 * `phoenix show PLANFILE`, in-process on real files: a saved plan renders as exactly the plan
 * text (the planner's own golden, and what `phoenix plan` printed when it saved it), with no
 * environment folder and no Podman; a broken file is refused at its line and column.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { plan } from '../src/plan/plan.js';
import { renderPlanJson } from '../src/plan/render-json.js';
import { renderPlanText } from '../src/plan/render-text.js';
import { checkSavedPlanShape } from '../src/plan/saved-plan-shape.js';
import { desiredFrom } from './support/load-fixture.js';
import { observedFromDesired } from './support/observed-model.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'phoenix-show-test-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function phoenix(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    // No PATH: a show that ran podman would fail to find it.
    env: { HOME: tmp },
    cwd: tmp,
    interactive: false,
    confirm: () => Promise.resolve(false),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** The planner golden test's fixture for "environment change" (test/golden/environment-change.txt). */
const BASE = `
services:
  db:
    image: postgres:16
    environment:
      LOG_LEVEL: info
    volumes:
      - dbdata:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD", "pg_isready"]
      interval: 5s
  web:
    image: nginx:1.25
    depends_on:
      db:
        condition: service_healthy
    ports:
      - "8080:80"
volumes:
  dbdata:
`;

function environmentChangePlan() {
  const result = plan(desiredFrom(BASE.replace('LOG_LEVEL: info', 'LOG_LEVEL: debug')), observedFromDesired(desiredFrom(BASE)));
  if (!result.ok) throw new Error('plan failed');
  return result.value;
}

describe('phoenix show PLANFILE', () => {
  it('renders a saved plan (signed as plan --out writes it) as the plan text: the planner golden, byte for byte', async () => {
    const saved = environmentChangePlan();
    const file = path.join(tmp, 'plan.json');
    // plan --out adds a signature; show reads the plan around it and checks nothing.
    writeFileSync(file, `${JSON.stringify({ ...saved, signature: 'hmac-sha256:00' }, null, 2)}\n`);
    const shown = await phoenix(['show', file]);
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toBe(readFileSync(new URL('./golden/environment-change.txt', import.meta.url), 'utf8'));
    expect(shown.stdout).toBe(renderPlanText(saved));

    const json = await phoenix(['show', file, '--json']);
    expect(json.code).toBe(0);
    expect(json.stdout).toBe(renderPlanJson(saved));
    expect(JSON.parse(json.stdout)).not.toHaveProperty('signature');
  });

  it('plan --observed --out, then show: the same text plan printed, with no environment and no Podman', async () => {
    const dir = mkdtempSync(path.join(tmp, 'ws-'));
    const envDir = path.join(dir, 'environments');
    mkdirSync(envDir);
    writeFileSync(path.join(envDir, 'dev.yaml'), 'project: showme\ncompose: [compose.yaml]\n');
    writeFileSync(path.join(envDir, 'compose.yaml'), BASE);
    writeFileSync(path.join(dir, 'empty.json'), '{}');
    const out = path.join(dir, 'saved.json');
    const planned = await phoenix(['plan', '--env', 'dev', '--environments', envDir, '--state-dir', path.join(dir, 'state'), '--observed', path.join(dir, 'empty.json'), '--out', out]);
    expect(planned.code, planned.stderr).toBe(0);
    rmSync(envDir, { recursive: true });
    const shown = await phoenix(['show', out]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toBe(planned.stdout);
    expect(shown.stdout).toContain('Phoenix plan for showme/dev');
  });

  it('refuses a file that is not a plan, at the line and column of each problem, exit 1', async () => {
    const saved = environmentChangePlan();
    const broken = JSON.parse(JSON.stringify(saved)) as { actions: Record<string, unknown>[]; summary: Record<string, unknown> };
    broken.actions[0]!.kind = 'container.explode';
    delete broken.summary.create;
    const file = path.join(tmp, 'broken.json');
    const text = `${JSON.stringify(broken, null, 2)}\n`;
    writeFileSync(file, text);
    const shown = await phoenix(['show', file]);
    expect(shown.code).toBe(1);
    expect(shown.stdout).toBe('');
    const lines = shown.stderr.trim().split('\n');
    const kindLine = text.split('\n').findIndex((l) => l.includes('"container.explode"')) + 1;
    expect(lines).toContain(`${file}:${kindLine}:15 error PHX-PLAN-FILE-INVALID actions[0].kind: "container.explode" is not an action kind (image.build, image.pull, network.create, volume.create, secret.create, network.remove, volume.remove, secret.remove, container.create, container.recreate, container.start, container.stop, container.remove). Pass a file written by phoenix plan --out, or make the plan again.`);
    expect(lines.some((l) => /:\d+:\d+ error PHX-PLAN-FILE-INVALID summary\.create: is missing \(a whole number\)\./.test(l))).toBe(true);

    writeFileSync(file, '{\n  "formatVersion": 1,\n  "actions": [\n}\n');
    const notJson = await phoenix(['show', file]);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:1 error PHX-PLAN-FILE-INVALID not JSON`));

    const missing = await phoenix(['show', path.join(tmp, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error PHX-PLAN-FILE-INVALID the plan file does not exist.');
  });

  it('the shape check: a plan passes as it is; other format versions and non-objects do not', () => {
    const saved = environmentChangePlan();
    const checked = checkSavedPlanShape(JSON.parse(renderPlanJson(saved)));
    expect(checked.ok && checked.plan).toEqual(JSON.parse(renderPlanJson(saved)));
    const v2 = checkSavedPlanShape({ ...saved, formatVersion: 2 });
    expect(!v2.ok && v2.problems).toEqual([{ path: ['formatVersion'], message: 'must be 1 (this Phoenix reads plans of format version 1), not 2' }]);
    expect(checkSavedPlanShape([]).ok).toBe(false);
    expect(checkSavedPlanShape(null).ok).toBe(false);
  });
});
