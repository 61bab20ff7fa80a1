import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatIssue } from '../model/issue.js';
import type { ObservedState } from '../model/observed.js';
import { parseObservedState } from '../model/observed-parse.js';
import type { DesiredState } from '../model/desired.js';
import { plan } from '../plan/plan.js';
import { renderPlanJson } from '../plan/render-json.js';
import { renderPlanText } from '../plan/render-text.js';
import { loadFromDisk } from './environment-loading.js';
import type { EnvironmentOptions } from './environment-loading.js';
import { planOptionsFrom } from './planning-flags.js';
import type { PlanningFlags } from './planning-flags.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { loadLiveState } from './live-plan.js';
import { connectPodman } from './podman-wiring.js';
import { loadOrCreatePlanKey, signPlan } from '../security/plan-signature.js';
import { resolveStateDir } from '../state/digest-key.js';

export interface PlanCommandOptions extends EnvironmentOptions, PlanningFlags {
  readonly env: string;
  readonly observed?: string;
  readonly json?: boolean;
  readonly out?: string;
  readonly detailedExitcode?: boolean;
}

function readSnapshot(file: string, io: CliIo): ObservedState | null {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path.resolve(io.cwd, file), 'utf8')) as unknown;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `is not JSON (${(error as Error).message})`;
    io.stderr(`phoenix: observed snapshot ${file} ${reason}. Pass a saved Podman snapshot, or {} for an empty Podman.\n`);
    return null;
  }
  const observed = parseObservedState(raw);
  if (!observed.ok) {
    for (const problem of observed.issues) io.stderr(`${file}: ${problem}\n`);
    return null;
  }
  return observed.value;
}

async function inputs(options: PlanCommandOptions, io: CliIo): Promise<{ desired: DesiredState; observed: ObservedState } | null> {
  if (options.observed === undefined) return loadLiveState(options.env, options, io, connectPodman(options, io));
  const observed = readSnapshot(options.observed, io);
  if (observed === null) return null;
  const loaded = loadFromDisk(options.env, options, io, true);
  if (!loaded.ok) {
    for (const issue of loaded.issues) io.stderr(`${formatIssue(issue)}\n`);
    io.stderr(`phoenix: environment ${options.env} is not valid; nothing was planned.\n`);
    return null;
  }
  for (const warning of loaded.warnings) io.stderr(`${formatIssue(warning)}\n`);
  return { desired: loaded.desired, observed };
}

/** `phoenix plan`: the dry-run report of what apply would do, against live Podman or a saved snapshot. */
export async function runPlan(options: PlanCommandOptions, io: CliIo): Promise<number> {
  const state = await inputs(options, io);
  if (state === null) return EXIT.failure;
  const result = plan(state.desired, state.observed, planOptionsFrom(options, io.env));
  if (!result.ok) {
    for (const issue of result.issues) io.stderr(`error ${issue.code} ${issue.message} ${issue.remediation}\n`);
    return EXIT.failure;
  }
  const json = renderPlanJson(result.value);
  if (options.out !== undefined) {
    try {
      // Signed, so that apply --plan can tell this file from an edited one (docs/security.md).
      const signed = signPlan(result.value, loadOrCreatePlanKey(resolveStateDir(options.stateDir, io.env)));
      writeFileSync(path.resolve(io.cwd, options.out), `${JSON.stringify(signed, null, 2)}\n`, { mode: 0o600 });
    } catch (error) {
      // A wrong --out path is the user's input, not a Phoenix failure: say so without a stack trace.
      io.stderr(`phoenix: cannot write the plan to ${options.out}: ${(error as Error).message}\n`);
      return EXIT.failure;
    }
  }
  io.stdout(options.json === true ? json : renderPlanText(result.value));
  return options.detailedExitcode === true && result.value.actions.length > 0 ? EXIT.changes : EXIT.ok;
}
