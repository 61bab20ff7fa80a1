/** Doctor checks of Podman itself: installed and recent, rootless or rootful, storage and runtime. Pure. */
import type { DoctorCheck } from './doctor-check.js';
import { ok, problem } from './doctor-check.js';
import type { DoctorFacts } from './host-facts.js';

const MINIMUM = [4, 3] as const;

function atLeastMinimum(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  return major > MINIMUM[0] || (major === MINIMUM[0] && minor >= MINIMUM[1]);
}

/** Podman answers `podman info`, is 4.3 or later, and which API version it serves. */
export function podmanVersionCheck(facts: DoctorFacts): DoctorCheck {
  const title = 'Podman version and API';
  if (!facts.podman.ok) return problem('fail', 'podman.version', title, `podman info failed: ${facts.podman.code}: ${facts.podman.message}`, facts.podman.remediation);
  const { version, apiVersion } = facts.podman.info;
  if (!atLeastMinimum(version)) return problem('fail', 'podman.version', title, `Podman ${version} (API ${apiVersion})`, `Phoenix needs Podman ${MINIMUM.join('.')} or later: upgrade Podman with your package manager.`);
  return ok('podman.version', title, `Podman ${version}, REST API ${apiVersion}`);
}

/** Rootless or rootful, as Podman itself reports. */
export function podmanModeCheck(facts: DoctorFacts): DoctorCheck {
  const title = 'rootless or rootful';
  if (!facts.podman.ok) return ok('podman.mode', title, `${facts.user.uid === 0 ? 'rootful' : 'rootless'} (from the user id: podman info failed)`);
  return ok('podman.mode', title, facts.podman.info.rootless ? `rootless, as ${facts.user.name} (uid ${facts.user.uid})` : 'rootful (root)');
}

/** The storage driver and the OCI runtime Podman uses. */
export function storageAndRuntimeCheck(facts: DoctorFacts): DoctorCheck {
  const title = 'storage driver and runtime';
  if (!facts.podman.ok) return problem('fail', 'podman.storage', title, 'unknown: podman info failed', facts.podman.remediation);
  const { storageDriver, ociRuntime } = facts.podman.info;
  const detail = `storage driver ${storageDriver || '?'}, runtime ${ociRuntime || '?'}`;
  if (storageDriver === 'vfs') {
    return problem('warn', 'podman.storage', title, `${detail}: vfs copies every layer in full (slow, large)`, 'Install fuse-overlayfs (`apt-get install fuse-overlayfs`) or use a kernel with rootless overlay (5.13+), then `podman system reset` for this user (this deletes its containers and images).');
  }
  return ok('podman.storage', title, detail);
}
