import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PULLS_FILE = 'image-pulls.json';

/**
 * When Phoenix last pulled each image reference (ms since the epoch), from the state
 * directory: Podman keeps no pull time, and periodic pull policies (daily, weekly,
 * every_X) need one. A missing or unreadable record is empty (the next periodic pull is due).
 */
export function readPullTimes(stateDir: string): Record<string, number> {
  try {
    const parsed = JSON.parse(readFileSync(path.join(stateDir, PULLS_FILE), 'utf8')) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
  } catch {
    return {};
  }
}

/** Records a pull of `image` at `at` (written to a temporary file, then renamed, so a reader never sees half of it). */
export function recordPullTime(stateDir: string, image: string, at: number): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const times = { ...readPullTimes(stateDir), [image]: at };
  const file = path.join(stateDir, PULLS_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(times, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}
