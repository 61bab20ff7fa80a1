import type { Plan } from './actions.js';

/**
 * The plan's JSON form for CI and other tools: the plan object as it is, with
 * `formatVersion` first. It holds secret digests and sources, never values.
 */
export function renderPlanJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}
