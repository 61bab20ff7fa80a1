/**
 * Doctor checks of the host around Podman: cgroups (so limits work), the containers.conf fix,
 * whether Podman's health timers fire, lingering for rootless services. Pure.
 */
import type { DoctorCheck } from './doctor-check.js';
import { ok, problem } from './doctor-check.js';
import type { DoctorFacts } from './host-facts.js';

/** The controllers memory/cpus/pids limits need. */
const LIMIT_CONTROLLERS = ['cpu', 'memory', 'pids'] as const;

/** cgroup version and whether the controllers limits need are there (delegated, for rootless). */
export function cgroupCheck(facts: DoctorFacts): DoctorCheck {
  const id = 'host.cgroups';
  const title = 'cgroups and controller delegation';
  if (!facts.podman.ok) return problem('fail', id, title, `cgroups v${facts.cgroupVersion}; Podman's controllers unknown: podman info failed`, facts.podman.remediation);
  const { rootless, cgroupManager, cgroupControllers } = facts.podman.info;
  const base = `cgroups v${facts.cgroupVersion}, manager ${cgroupManager || '?'}`;
  const missing = LIMIT_CONTROLLERS.filter((c) => !cgroupControllers.includes(c));
  if (missing.length === 0) return ok(id, title, `${base}, controllers ${cgroupControllers.join(' ')}: limits (mem_limit, cpus, pids_limit) work`);
  const remedy =
    rootless && facts.cgroupVersion === 1
      ? 'Rootless Podman sets no limits on cgroups v1: boot with the unified hierarchy (systemd.unified_cgroup_hierarchy=1), or run Phoenix rootful for services with limits.'
      : rootless
        ? 'Delegate the controllers to the user: a systemd drop-in `/etc/systemd/system/user@.service.d/delegate.conf` with `[Service]` `Delegate=cpu cpuset io memory pids`, then log in again.'
        : 'Enable the missing controllers in the kernel / the cgroup hierarchy Podman runs in.';
  // Measured on Podman 4.3: rootless on cgroups v1 prints "Resource limits are not supported and ignored" and starts the container without them.
  const effect = rootless && facts.cgroupVersion === 1 ? 'Podman ignores mem_limit, cpus and pids_limit (the container starts without them)' : 'services with those limits fail to start or run without them';
  return problem('warn', id, title, `${base}: ${missing.join(', ')} not available to Podman${rootless ? ' (not delegated to this user)' : ''}: ${effect}`, remedy);
}

/** Which containers.conf Podman runs with, and where it came from. */
export function containersConfCheck(facts: DoctorFacts): DoctorCheck {
  const id = 'host.containers-conf';
  const title = 'containers.conf fix in use';
  const conf = facts.containersConf;
  if (conf === null) return ok(id, title, "none: Podman's defaults (scripts/setup.sh writes a fix only where a smoke container fails)");
  const from = { environment: 'CONTAINERS_CONF, set by the caller', user: "this user's host facts", host: "the host's facts", 'state-dir': 'the state directory (written by an older release)' }[conf.source];
  if (!conf.readable) return problem('fail', id, title, `${conf.path} (${from}) cannot be read`, 'Point CONTAINERS_CONF at a readable containers.conf, or unset it and run scripts/setup.sh again.');
  if (conf.source === 'state-dir') return problem('warn', id, title, `${conf.path} (${from}): other state directories do not find it`, 'Run scripts/setup.sh again: it copies the fix to /etc/phoenix (root) or ~/.config/phoenix, where every state directory finds it.');
  return ok(id, title, `${conf.path} (${from})`);
}

/** Podman schedules health checks with systemd timers: without systemd they never fire, and Phoenix runs them. */
export function healthTimersCheck(facts: DoctorFacts): DoctorCheck {
  const id = 'host.health-timers';
  const title = "Podman's health-check timers";
  if (facts.systemd) return ok(id, title, 'systemd runs as PID 1: Podman schedules health checks itself; Phoenix also runs them on demand (status, apply --wait, watch)');
  return ok(id, title, 'no systemd as PID 1: Podman\'s timers never fire (health stays "starting"), so Phoenix runs every health check itself (status, apply --wait, watch); nothing to do');
}

/** Rootless containers outlive the login session only with lingering (systemd-logind). */
export function lingeringCheck(facts: DoctorFacts): DoctorCheck {
  const id = 'rootless.lingering';
  const title = 'lingering for rootless services';
  const isRootless = facts.podman.ok ? facts.podman.info.rootless : facts.user.uid !== 0;
  if (!isRootless) return ok(id, title, 'not needed: Podman runs rootful');
  if (!facts.systemd) return ok(id, title, 'no systemd-logind here: nothing stops the user\'s containers at logout; run `phoenix watch` under your own supervisor');
  if (facts.lingering) return ok(id, title, `lingering is on for ${facts.user.name}`);
  return problem('warn', id, title, `lingering is off for ${facts.user.name}: logind stops its containers (and phoenix watch) at logout`, `\`loginctl enable-linger ${facts.user.name}\``);
}
