import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { formatIssue } from '../model/issue.js';
import { resolveStateDir } from '../state/digest-key.js';
import { loadFromDisk } from './environment-loading.js';
import type { EnvironmentOptions } from './environment-loading.js';
import type { CliIo } from './io.js';

/** The project and environment a history belongs to. */
export interface HistoryTarget {
  readonly project: string;
  readonly environment: string;
}

/**
 * The project of environment `name`: from its manifests (no secret value needed), or, when
 * they do not load (a broken edit is a reason to look at the history), from the history
 * folder when exactly one project has that environment. Null after saying why not.
 */
export function historyTarget(name: string, options: EnvironmentOptions, io: CliIo): HistoryTarget | null {
  // Only the project is needed: no secret value, not even a warning about one.
  const loaded = loadFromDisk(name, options, io, 'if-available');
  if (loaded.ok) return { project: loaded.desired.project, environment: loaded.desired.environment };
  const root = path.join(resolveStateDir(options.stateDir, io.env), 'history');
  const projects = existsSync(root) ? readdirSync(root).filter((project) => existsSync(path.join(root, project, encodeURIComponent(name)))) : [];
  if (projects.length === 1) {
    io.stderr(`phoenix: warning: environment ${name} does not load; using the history of project ${decodeURIComponent(projects[0]!)}.\n`);
    return { project: decodeURIComponent(projects[0]!), environment: name };
  }
  for (const issue of loaded.issues) io.stderr(`${formatIssue(issue)}\n`);
  io.stderr(`phoenix: environment ${name} is not valid, so its project (and history) cannot be told; fix the errors above.\n`);
  return null;
}
