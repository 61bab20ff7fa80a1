/**
 * The file trigger on real files in a temporary folder: plain writes, the save styles of
 * real editors, deletion and re-creation, files and folders created later, and bursts.
 * Every wait is bounded.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileTrigger } from '../../../src/controller/triggers/file-trigger.js';
import { watchFiles } from '../../../src/controller/triggers/file-trigger.js';

const DEBOUNCE_MS = 80;

let dir: string;
let trigger: FileTrigger | null;
let calls: string[][];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'phx-file-trigger-'));
  trigger = null;
  calls = [];
});

afterEach(async () => {
  await trigger?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function start(files: string[], debounceMs = DEBOUNCE_MS): Promise<FileTrigger> {
  trigger = await watchFiles(files, { debounceMs, onChange: (paths) => calls.push([...paths]) });
  return trigger;
}

/** Waits (at most `timeoutMs`) until `count` calls arrived, then a little longer to catch extra ones. */
async function callsAfter(count: number, timeoutMs = 5000): Promise<string[][]> {
  const deadline = Date.now() + timeoutMs;
  while (calls.length < count && Date.now() < deadline) await sleep(20);
  await sleep(DEBOUNCE_MS * 4);
  return calls;
}

function file(name: string, text = 'a: 1\n'): string {
  const full = path.join(dir, name);
  writeFileSync(full, text);
  return full;
}

describe('watchFiles', () => {
  it('reports a plain write of a watched file, and nothing for other files in its folder', async () => {
    const manifest = file('dev.yaml');
    const other = file('notes.txt');
    await start([manifest]);
    writeFileSync(other, 'ignored');
    writeFileSync(manifest, 'a: 2\n');
    expect(await callsAfter(1)).toEqual([[manifest]]);
  });

  it('sees a save by rename over the file (VS Code, atomic writers)', async () => {
    const manifest = file('dev.yaml');
    await start([manifest]);
    writeFileSync(`${manifest}.tmp-123`, 'a: 3\n');
    renameSync(`${manifest}.tmp-123`, manifest);
    expect(await callsAfter(1)).toEqual([[manifest]]);
    // The watch survives the new inode.
    writeFileSync(manifest, 'a: 4\n');
    expect(await callsAfter(2)).toEqual([[manifest], [manifest]]);
  });

  it("sees vim's save: rename the original to a backup, write a new file, delete the backup", async () => {
    const manifest = file('compose.yaml');
    await start([manifest]);
    renameSync(manifest, `${manifest}~`);
    writeFileSync(manifest, 'services: {}\n');
    unlinkSync(`${manifest}~`);
    expect(await callsAfter(1)).toEqual([[manifest]]);
  });

  it('reports a deletion, then the re-creation', async () => {
    const secret = file('db-password', 'one');
    await start([secret]);
    unlinkSync(secret);
    expect(await callsAfter(1)).toEqual([[secret]]);
    file('db-password', 'two');
    expect(await callsAfter(2)).toEqual([[secret], [secret]]);
  });

  it('reports a file created later, also in a folder created later', async () => {
    const dotenv = path.join(dir, '.env');
    const nested = path.join(dir, 'secrets', 'prod', 'api-key');
    await start([dotenv, nested]);
    file('.env', 'A=1\n');
    expect(await callsAfter(1)).toEqual([[dotenv]]);
    mkdirSync(path.join(dir, 'secrets'));
    await sleep(300);
    mkdirSync(path.join(dir, 'secrets', 'prod'));
    await sleep(300);
    writeFileSync(nested, 'k');
    expect(await callsAfter(2)).toEqual([[dotenv], [nested]]);
    writeFileSync(nested, 'k2');
    expect(await callsAfter(3)).toEqual([[dotenv], [nested], [nested]]);
  });

  it('keeps watching a file whose folder is removed and made again', async () => {
    mkdirSync(path.join(dir, 'compose'));
    const compose = file(path.join('compose', 'app.yaml'));
    await start([compose]);
    rmSync(path.join(dir, 'compose'), { recursive: true });
    expect(await callsAfter(1)).toEqual([[compose]]);
    mkdirSync(path.join(dir, 'compose'));
    await sleep(300);
    file(path.join('compose', 'app.yaml'), 'again');
    expect(await callsAfter(2)).toEqual([[compose], [compose]]);
  });

  it('coalesces a burst of changes to several files into one call', async () => {
    const files = ['dev.yaml', 'compose.yaml', '.env'].map((name) => file(name));
    // A longer quiet time than elsewhere: chokidar itself spaces a file's events by 50 ms or more.
    await start(files, 300);
    for (let round = 0; round < 8; round++) {
      for (const f of files) writeFileSync(f, `round: ${round}\n`);
      await sleep(20);
    }
    expect(await callsAfter(1)).toEqual([[...files].sort()]);
  });

  it('reports the last write of a burst even when chokidar drops its event (50 ms change throttle)', async () => {
    const manifest = file('dev.yaml', 'first');
    const reads: string[] = [];
    trigger = await watchFiles([manifest], { debounceMs: 30, onChange: () => reads.push(readFileSync(manifest, 'utf8')) });
    // The consumer reads after the first report; the second write lands within chokidar's
    // 50 ms throttle of the first event, so chokidar drops it, and only the identity check sees it.
    writeFileSync(manifest, 'second');
    await sleep(38);
    writeFileSync(manifest, 'third, longer');
    const deadline = Date.now() + 3000;
    while (reads.at(-1) !== 'third, longer' && Date.now() < deadline) await sleep(20);
    expect(reads.at(-1)).toBe('third, longer');
  });

  it('follows update(): stops reporting dropped files and reports added ones', async () => {
    const first = file('dev.yaml');
    const second = file('prod.yaml');
    const elsewhere = path.join(dir, 'other', 'compose.yaml');
    mkdirSync(path.dirname(elsewhere));
    writeFileSync(elsewhere, 'x');
    const watch = await start([first]);
    await watch.update([second, elsewhere]);
    expect(watch.watched()).toEqual([elsewhere, second].sort());
    writeFileSync(first, 'changed');
    writeFileSync(second, 'changed');
    writeFileSync(elsewhere, 'changed');
    expect(await callsAfter(1)).toEqual([[elsewhere, second].sort()]);
  });

  it('reports nothing after close', async () => {
    const manifest = file('dev.yaml');
    const watch = await start([manifest]);
    await watch.close();
    writeFileSync(manifest, 'late');
    expect(await callsAfter(1, 400)).toEqual([]);
  });
});
