import type { Command } from 'commander';
import { Option } from 'commander';
import type { PlanOptions } from '../plan/plan.js';

/** The flags plan and apply share: what a plan may do. */
export interface PlanningFlags {
  readonly prune?: boolean;
  readonly adopt?: boolean;
  readonly removeVolumes?: boolean;
}

/** Adds --prune/--no-prune, --adopt and --remove-volumes to a command. */
export function withPlanningFlags(command: Command): Command {
  return command
    .addOption(new Option('--prune', 'remove objects the environment owns but no longer declares (default: its policy)'))
    .addOption(new Option('--no-prune', 'keep them, whatever the policy says'))
    .option('--adopt', 'take over containers and objects holding wanted names that Phoenix does not own (e.g. made by podman-compose)')
    .option('--remove-volumes', 'allow removing named volumes no longer declared (their data is lost)');
}

/** The planner options the flags ask for; prune defaults to the environment's policy. `now` times periodic pull policies. */
export function planOptionsFrom(flags: PlanningFlags, now: number = Date.now()): PlanOptions {
  return { ...(flags.prune === undefined ? {} : { prune: flags.prune }), adopt: flags.adopt === true, removeVolumes: flags.removeVolumes === true, now };
}
