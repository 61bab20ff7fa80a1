/** `phoenix doctor`'s judgement: every check over one set of host facts, in the order shown. Pure. */
import type { DoctorCheck } from './doctor-check.js';
import type { DoctorFacts } from './host-facts.js';
import { cgroupCheck, containersConfCheck, healthTimersCheck, lingeringCheck } from './host-checks.js';
import { podmanModeCheck, podmanVersionCheck, storageAndRuntimeCheck } from './podman-checks.js';
import { rootlessNetworkCheck, runtimeDirCheck, subidCheck, uidmapCheck } from './rootless-checks.js';
import { stateDirCheck, stateKeysCheck } from './state-checks.js';

const CHECKS: readonly ((facts: DoctorFacts) => DoctorCheck)[] = [
  podmanVersionCheck,
  podmanModeCheck,
  subidCheck,
  uidmapCheck,
  rootlessNetworkCheck,
  runtimeDirCheck,
  cgroupCheck,
  storageAndRuntimeCheck,
  containersConfCheck,
  healthTimersCheck,
  lingeringCheck,
  stateDirCheck,
  stateKeysCheck,
];

/** Runs every check over the facts. */
export function diagnose(facts: DoctorFacts): DoctorCheck[] {
  return CHECKS.map((check) => check(facts));
}
