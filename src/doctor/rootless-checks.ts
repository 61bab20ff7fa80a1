/**
 * Doctor checks a rootless user needs to pass: subordinate ids and the tools that map them,
 * /dev/net/tun and a network helper, a runtime directory. Rootful Podman needs none: each says so. Pure.
 */
import type { DoctorCheck } from './doctor-check.js';
import { ok, problem } from './doctor-check.js';
import type { DoctorFacts, SubidRange } from './host-facts.js';

/** Enough ids for images whose files belong to users up to 65534 (nobody). */
const WANTED_IDS = 65536;

function rootless(facts: DoctorFacts): boolean {
  return facts.podman.ok ? facts.podman.info.rootless : facts.user.uid !== 0;
}

function total(ranges: readonly SubidRange[]): number {
  return ranges.reduce((sum, range) => sum + range.count, 0);
}

function describe(ranges: readonly SubidRange[]): string {
  return ranges.length === 0 ? 'none' : ranges.map((r) => `${r.start}:${r.count}`).join(', ');
}

/** /etc/subuid and /etc/subgid ranges of this user, and whether Podman uses them. */
export function subidCheck(facts: DoctorFacts): DoctorCheck {
  const id = 'rootless.subids';
  const title = 'subordinate uid/gid ranges';
  if (!rootless(facts)) return ok(id, title, 'not needed: Podman runs rootful');
  const [uids, gids] = [total(facts.subuid), total(facts.subgid)];
  const detail = `${facts.user.name}: /etc/subuid ${describe(facts.subuid)}; /etc/subgid ${describe(facts.subgid)}`;
  const remedy = `As root: \`usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${facts.user.name}\`, then \`podman system migrate\` as ${facts.user.name}.`;
  if (uids === 0 || gids === 0) return problem('fail', id, title, `${detail}: images whose files belong to other users cannot be stored`, remedy);
  if (uids < WANTED_IDS || gids < WANTED_IDS) return problem('warn', id, title, `${detail}: fewer than ${WANTED_IDS} ids`, remedy);
  if (facts.podman.ok && (facts.podman.info.mappedUids ?? 0) <= 1) {
    return problem('warn', id, title, `${detail}, but Podman maps only the user's own id`, `Run \`podman system migrate\` as ${facts.user.name} so that Podman picks up the ranges.`);
  }
  return ok(id, title, detail);
}

/** newuidmap and newgidmap, which map the ranges (the uidmap package). */
export function uidmapCheck(facts: DoctorFacts): DoctorCheck {
  const id = 'rootless.uidmap';
  const title = 'newuidmap and newgidmap';
  if (!rootless(facts)) return ok(id, title, 'not needed: Podman runs rootful');
  if (facts.newuidmap === null || facts.newgidmap === null) {
    return problem('fail', id, title, `missing: ${[facts.newuidmap === null ? 'newuidmap' : '', facts.newgidmap === null ? 'newgidmap' : ''].filter(Boolean).join(' and ')}`, 'As root: `apt-get install uidmap` (Fedora: shadow-utils), then `podman system migrate` as the user.');
  }
  return ok(id, title, `${facts.newuidmap}, ${facts.newgidmap}`);
}

/** /dev/net/tun and slirp4netns (or pasta): rootless networking. */
export function rootlessNetworkCheck(facts: DoctorFacts): DoctorCheck {
  const id = 'rootless.network';
  const title = '/dev/net/tun and the rootless network helper';
  if (!rootless(facts)) return ok(id, title, `not needed: Podman runs rootful${facts.podman.ok ? ` (network backend ${facts.podman.info.networkBackend})` : ''}`);
  const helper = (facts.podman.ok ? facts.podman.info.slirp4netns : null) ?? facts.slirp4netns ?? facts.pasta;
  if (helper === null) return problem('fail', id, title, 'neither slirp4netns nor pasta is installed', 'As root: `apt-get install slirp4netns`; until then only services with `network_mode: none` start.');
  const mode = facts.tun.mode === null ? '' : ` (mode ${facts.tun.mode.toString(8).padStart(4, '0')})`;
  if (!facts.tun.exists) return problem('fail', id, title, `/dev/net/tun is missing; helper ${helper}`, 'Load the tun module (`modprobe tun`) or create the device (`mknod /dev/net/tun c 10 200 && chmod 0666 /dev/net/tun`) as root; until then only `network_mode: none` works.');
  if (!facts.tun.accessible) {
    return problem('fail', id, title, `/dev/net/tun${mode} is not readable and writable by ${facts.user.name}; helper ${helper}`, 'As root: `chmod 0666 /dev/net/tun` (its usual mode on most distributions); until then only services with `network_mode: none` start.');
  }
  return ok(id, title, `/dev/net/tun${mode} usable; helper ${helper}`);
}

/** XDG_RUNTIME_DIR: set, owned by the user, mode 0700. */
export function runtimeDirCheck(facts: DoctorFacts): DoctorCheck {
  const id = 'rootless.runtime-dir';
  const title = 'runtime directory (XDG_RUNTIME_DIR)';
  if (!rootless(facts)) return ok(id, title, 'not needed: Podman runs rootful');
  const { variable, file } = facts.runtimeDir;
  const remedy = `Without logind, as root: \`install -d -m 0700 -o ${facts.user.name} -g ${facts.user.name} /run/user/${facts.user.uid}\`, and set XDG_RUNTIME_DIR=/run/user/${facts.user.uid}.`;
  if (variable === undefined || variable === '') return problem('warn', id, title, 'XDG_RUNTIME_DIR is not set: Podman falls back to a folder under /tmp, which a reboot or a tmp cleaner removes under running containers', remedy);
  if (!file.exists) return problem('fail', id, title, `XDG_RUNTIME_DIR=${variable} does not exist`, remedy);
  if (file.uid !== facts.user.uid) return problem('fail', id, title, `XDG_RUNTIME_DIR=${variable} is owned by uid ${file.uid}, not ${facts.user.name}`, remedy);
  if ((file.mode & 0o077) !== 0) return problem('warn', id, title, `XDG_RUNTIME_DIR=${variable} has mode ${file.mode.toString(8)}: others may reach Podman's sockets`, `chmod 0700 ${variable}`);
  return ok(id, title, `${variable}, owned by ${facts.user.name}, mode 0700`);
}
