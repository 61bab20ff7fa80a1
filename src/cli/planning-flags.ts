import type { Command } from 'commander';
import { Option } from 'commander';
import type { PlanOptions } from '../plan/plan.js';
import { resolveStateDir } from '../state/digest-key.js';

/** The flags plan and apply share: what a plan may do. */
export interface PlanningFlags {
  readonly prune?: boolean;
  readonly adopt?: boolean;
  readonly removeVolumes?: boolean;
  /** `--rekey`: accept a secret-digest key other than the one Podman's secrets were made with (PHX-SECRET-KEY-CHANGED). */
  readonly rekey?: boolean;
  readonly stateDir?: string;
}

/** Adds --prune/--no-prune, --adopt and --remove-volumes to a command. */
export function withPlanningFlags(command: Command): Command {
  return command
    .addOption(new Option('--prune', 'remove objects the environment owns but no longer declares (default: its policy)'))
    .addOption(new Option('--no-prune', 'keep them, whatever the policy says'))
    .option('--adopt', 'take over containers and objects holding wanted names that Phoenix does not own (e.g. made by podman-compose)')
    .option('--remove-volumes', 'allow removing named volumes no longer declared (their data is lost)')
    .option('--rekey', "accept this state directory's secret-digest key although Podman's secrets were made with another: every secret gets a new version and its consumers are recreated");
}

/**
 * The planner options the flags ask for; prune defaults to the environment's policy. `now` times
 * periodic pull policies. The secret-key guard names the state directory (`env` resolves it).
 */
export function planOptionsFrom(flags: PlanningFlags, env: Readonly<Record<string, string | undefined>>, now: number = Date.now()): PlanOptions {
  return {
    ...(flags.prune === undefined ? {} : { prune: flags.prune }),
    adopt: flags.adopt === true,
    removeVolumes: flags.removeVolumes === true,
    now,
    secretKey: { stateDir: resolveStateDir(flags.stateDir, env), rekey: flags.rekey === true },
  };
}
