import path from 'node:path';
import { parseYamlWithLocations } from '../manifest/yaml-source.js';
import { readRegularFile } from '../manifest/bounded-read.js';
import { formatPath } from '../model/issue.js';
import type { Plan } from '../plan/actions.js';
import { renderPlanJson } from '../plan/render-json.js';
import { renderPlanText } from '../plan/render-text.js';

import type { PlanShapeProblem } from '../plan/saved-plan-shape.js';
import { checkSavedPlanShape } from '../plan/saved-plan-shape.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';

export interface ShowOptions {
  readonly json?: boolean;
}

/** A plan of 10k containers is some tens of MiB of JSON; a file larger than this is no plan. */
const MAX_PLAN_BYTES = 256 * 1024 * 1024;
const CODE = 'PHX-PLAN-FILE-INVALID';
const REMEDIATION = 'Pass a file written by phoenix plan --out, or make the plan again.';

/** `file:line:col` of each problem, found by reading the text again with positions (only when there are problems). */
function located(file: string, text: string, problems: readonly PlanShapeProblem[]): string[] {
  const parsed = parseYamlWithLocations(text, file);
  return problems.map((problem) => {
    const at = parsed.ok ? parsed.locations.valueAt(problem.path) : { file, line: 1, column: 1 };
    const where = problem.path.length === 0 ? '' : ` ${formatPath(problem.path)}:`;
    return `${at.file}:${at.line}:${at.column} error ${CODE}${where} ${problem.message}. ${REMEDIATION}`;
  });
}

/** Reads and checks a saved plan; the plan, or the lines that say what is wrong. */
function readPlan(file: string, io: CliIo): Plan | string[] {
  const bytes = readRegularFile(path.resolve(io.cwd, file), MAX_PLAN_BYTES);
  if (bytes === null) return [`${file}:1:1 error ${CODE} the plan file does not exist. ${REMEDIATION}`];
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // JSON is YAML: the YAML reader says where the text stops being either.
    const parsed = parseYamlWithLocations(text, file);
    const at = parsed.ok ? { file, line: 1, column: 1 } : parsed.errors[0]!.location;
    return [`${at.file}:${at.line}:${at.column} error ${CODE} not JSON (${(error as Error).message}). ${REMEDIATION}`];
  }
  const checked = checkSavedPlanShape(value);
  if (!checked.ok) return located(file, text, checked.problems);
  return checked.plan;
}

/**
 * `phoenix show PLANFILE`: a saved plan (`phoenix plan --out`) as the plan text (or its JSON
 * form), without reading the environment or touching Podman, and without checking its
 * signature: `apply --plan` does that before it acts.
 */
export function runShow(file: string, options: ShowOptions, io: CliIo): number {
  const plan = readPlan(file, io);
  if (Array.isArray(plan)) {
    for (const line of plan) io.stderr(`${line}\n`);
    return EXIT.failure;
  }
  io.stdout(options.json === true ? renderPlanJson(plan) : renderPlanText(plan));
  return EXIT.ok;
}
