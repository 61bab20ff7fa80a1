import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatIssue } from '../model/issue.js';
import { parseObservedState } from '../model/observed-parse.js';
import { plan } from '../plan/plan.js';
import { renderPlanJson } from '../plan/render-json.js';
import { renderPlanText } from '../plan/render-text.js';
import { loadFromDisk } from './environment-loading.js';
import type { EnvironmentOptions } from './environment-loading.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';

export interface PlanCommandOptions extends EnvironmentOptions {
  readonly env: string;
  readonly observed?: string;
  readonly json?: boolean;
  readonly out?: string;
  readonly prune?: boolean;
  readonly adopt?: boolean;
  readonly removeVolumes?: boolean;
  readonly detailedExitcode?: boolean;
}

/** `phoenix plan`: the dry-run report of what apply would do. */
export function runPlan(options: PlanCommandOptions, io: CliIo): number {
  if (options.observed === undefined) {
    io.stderr('phoenix: plan needs --observed FILE.json (a saved Podman snapshot) until live observation is available.\n');
    return EXIT.failure;
  }
  const snapshotPath = path.resolve(io.cwd, options.observed);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(snapshotPath, 'utf8')) as unknown;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `is not JSON (${(error as Error).message})`;
    io.stderr(`phoenix: observed snapshot ${options.observed} ${reason}. Pass a file written by a Podman snapshot, or {} for an empty Podman.\n`);
    return EXIT.failure;
  }
  const observed = parseObservedState(raw);
  if (!observed.ok) {
    for (const problem of observed.issues) io.stderr(`${options.observed}: ${problem}\n`);
    return EXIT.failure;
  }
  const loaded = loadFromDisk(options.env, options, io, true);
  if (!loaded.ok) {
    for (const issue of loaded.issues) io.stderr(`${formatIssue(issue)}\n`);
    io.stderr(`phoenix: environment ${options.env} is not valid; nothing was planned.\n`);
    return EXIT.failure;
  }
  for (const warning of loaded.warnings) io.stderr(`${formatIssue(warning)}\n`);
  const result = plan(loaded.desired, observed.value, {
    ...(options.prune === undefined ? {} : { prune: options.prune }),
    adopt: options.adopt === true,
    removeVolumes: options.removeVolumes === true,
  });
  if (!result.ok) {
    for (const issue of result.issues) io.stderr(`error ${issue.code} ${issue.message} ${issue.remediation}\n`);
    return EXIT.failure;
  }
  const json = renderPlanJson(result.value);
  if (options.out !== undefined) {
    // Fix: an unwritable --out path (e.g. a missing folder) is a user error, not an internal
    // one: say so and exit 1 instead of letting main() print a stack trace.
    try {
      writeFileSync(path.resolve(io.cwd, options.out), json);
    } catch (error) {
      io.stderr(`phoenix: cannot write the plan to ${options.out}: ${(error as Error).message}\n`);
      return EXIT.failure;
    }
  }
  io.stdout(options.json === true ? json : renderPlanText(result.value));
  return options.detailedExitcode === true && result.value.actions.length > 0 ? EXIT.changes : EXIT.ok;
}
