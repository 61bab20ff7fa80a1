/**
 * The services an operator stopped with `phoenix stop`, per environment, in the state
 * directory. Podman cannot change a container's labels after it is made, and a stopped
 * container looks the same whether it crashed or was stopped on purpose: without this record a
 * later apply or a watching Phoenix would start it again as drift. `phoenix start` (and
 * restart, and down) forget the mark.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const STOPPED_FILE = 'stopped-services.json';

/** Service name -> when it was stopped (ISO 8601). */
export type StoppedServices = Readonly<Record<string, string>>;

type Marks = Record<string, Record<string, string>>;

function environmentKey(project: string, environment: string): string {
  return `${project}/${environment}`;
}

function readAll(stateDir: string): Marks {
  try {
    const parsed = JSON.parse(readFileSync(path.join(stateDir, STOPPED_FILE), 'utf8')) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const marks: Marks = {};
    for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
      marks[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    }
    return marks;
  } catch {
    // Missing or unreadable: nothing is stopped on purpose (the safe reading: services run).
    return {};
  }
}

function writeAll(stateDir: string, marks: Marks): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = path.join(stateDir, STOPPED_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(marks, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

/** The services of one environment stopped with `phoenix stop`; empty when none. */
export function readStoppedServices(stateDir: string, project: string, environment: string): StoppedServices {
  return readAll(stateDir)[environmentKey(project, environment)] ?? {};
}

/**
 * Replaces the record of one environment (an empty record removes its entry), written to a
 * temporary file and renamed so that a reader never sees half of it. Returns the record it replaced.
 */
export function writeStoppedServices(stateDir: string, project: string, environment: string, services: StoppedServices): StoppedServices {
  const marks = readAll(stateDir);
  const key = environmentKey(project, environment);
  const before = marks[key] ?? {};
  if (Object.keys(services).length === 0) delete marks[key];
  else marks[key] = { ...services };
  writeAll(stateDir, marks);
  return before;
}

/** Forgets the stop marks of some services of an environment (all with `'all'`): they were started or removed by other means (restart, down). */
export function forgetStoppedServices(stateDir: string, project: string, environment: string, services: readonly string[] | 'all'): void {
  const before = readStoppedServices(stateDir, project, environment);
  if (Object.keys(before).length === 0) return;
  const after = services === 'all' ? {} : Object.fromEntries(Object.entries(before).filter(([service]) => !services.includes(service)));
  if (Object.keys(after).length !== Object.keys(before).length) writeStoppedServices(stateDir, project, environment, after);
}
