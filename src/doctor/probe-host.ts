/**
 * Gathers DoctorFacts from the real host: `podman info` (through src/podman), /etc/subuid and
 * /etc/subgid, /dev/net/tun, the helpers on PATH, cgroups, systemd, the state directory.
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chooseContainersConf } from '../podman/containers-conf.js';
import { isPodmanError } from '../podman/podman-error.js';
import { readPodmanInfo } from '../podman/podman-info.js';
import type { DoctorFacts, FileFacts, PodmanFacts, SubidRange } from './host-facts.js';

type Env = Readonly<Record<string, string | undefined>>;

/** This user's ranges in an /etc/subuid-format text (`name-or-uid:start:count` a line). */
export function parseSubids(text: string, name: string, uid: number): SubidRange[] {
  const ranges: SubidRange[] = [];
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if (owner === undefined || (owner !== name && owner !== String(uid))) continue;
    const [s, c] = [Number(start), Number(count)];
    if (Number.isInteger(s) && Number.isInteger(c) && c > 0) ranges.push({ start: s, count: c });
  }
  return ranges;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function fileFacts(file: string): FileFacts {
  try {
    const stat = statSync(file);
    return { exists: true, mode: stat.mode & 0o7777, uid: stat.uid, isDirectory: stat.isDirectory() };
  } catch {
    return { exists: false };
  }
}

function canAccess(file: string, mode: number): boolean {
  try {
    accessSync(file, mode);
    return true;
  } catch {
    return false;
  }
}

/** An executable on PATH (and the sbin folders a user's PATH often lacks), or null. */
function which(binary: string, env: Env): string | null {
  const dirs = [...(env.PATH ?? '').split(':').filter((dir) => dir !== ''), '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, binary);
    if (canAccess(candidate, constants.X_OK)) return candidate;
  }
  return null;
}

async function podmanFacts(env: Env, stateDir: string): Promise<PodmanFacts> {
  try {
    return { ok: true, info: await readPodmanInfo({ env, stateDir }) };
  } catch (error) {
    if (isPodmanError(error)) return { ok: false, code: error.code, message: error.message, remediation: error.remediation };
    return { ok: false, code: 'PODMAN-FAILED', message: (error as Error).message, remediation: "Run `podman info` by hand to see Podman's full message." };
  }
}

/** Probes this host as the current user, for the state directory `stateDir`. */
export async function probeHost(env: Env, stateDir: string): Promise<DoctorFacts> {
  const info = os.userInfo();
  const user = { name: info.username, uid: info.uid };
  const tunPath = '/dev/net/tun';
  const tunFile = fileFacts(tunPath);
  const conf = chooseContainersConf(stateDir, env);
  const stateFile = fileFacts(stateDir);
  const keys = stateFile.exists && stateFile.isDirectory && canAccess(stateDir, constants.R_OK)
    ? readdirSync(stateDir)
        .filter((name) => name.endsWith('.key'))
        .sort()
        .map((name) => ({ name, file: fileFacts(path.join(stateDir, name)) }))
    : [];
  return {
    user,
    podman: await podmanFacts(env, stateDir),
    subuid: parseSubids(readText('/etc/subuid'), user.name, user.uid),
    subgid: parseSubids(readText('/etc/subgid'), user.name, user.uid),
    newuidmap: which('newuidmap', env),
    newgidmap: which('newgidmap', env),
    tun: { exists: tunFile.exists, accessible: canAccess(tunPath, constants.R_OK | constants.W_OK), mode: tunFile.exists ? tunFile.mode : null },
    slirp4netns: which('slirp4netns', env),
    pasta: which('pasta', env),
    runtimeDir: { variable: env.XDG_RUNTIME_DIR, file: env.XDG_RUNTIME_DIR === undefined || env.XDG_RUNTIME_DIR === '' ? { exists: false } : fileFacts(env.XDG_RUNTIME_DIR) },
    cgroupVersion: existsSync('/sys/fs/cgroup/cgroup.controllers') ? 2 : 1,
    systemd: readText('/proc/1/comm').trim() === 'systemd',
    lingering: existsSync(path.join('/var/lib/systemd/linger', user.name)),
    containersConf: conf === null ? null : { ...conf, readable: canAccess(conf.path, constants.R_OK) },
    stateDir: { path: stateDir, file: stateFile, keys },
  };
}
