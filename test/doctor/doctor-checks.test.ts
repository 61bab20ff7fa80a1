/**
 * `phoenix doctor`'s checks over host facts. The facts are a test double of the host (above the
 * Podman module): each case breaks one condition and expects fail (or warn) with a remedy.
 */
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/cli/doctor-command.js';
import type { CliIo } from '../../src/cli/io.js';
import { diagnose } from '../../src/doctor/doctor.js';
import type { DoctorFacts } from '../../src/doctor/host-facts.js';
import { parseSubids } from '../../src/doctor/probe-host.js';
import type { PodmanHostInfo } from '../../src/podman/podman-info.js';
import { parsePodmanInfo } from '../../src/podman/podman-info.js';

const INFO: PodmanHostInfo = {
  version: '4.3.1',
  apiVersion: '4.3.1',
  rootless: true,
  storageDriver: 'overlay',
  ociRuntime: 'crun',
  cgroupVersion: 'v2',
  cgroupManager: 'systemd',
  cgroupControllers: ['cpu', 'memory', 'pids'],
  networkBackend: 'netavark',
  slirp4netns: '/usr/bin/slirp4netns',
  mappedUids: 65537,
  mappedGids: 65537,
};

/** A rootless user on a well set-up host: every check passes. */
function healthyRootless(): DoctorFacts {
  return {
    user: { name: 'alice', uid: 1000 },
    podman: { ok: true, info: INFO },
    subuid: [{ start: 100000, count: 65536 }],
    subgid: [{ start: 100000, count: 65536 }],
    newuidmap: '/usr/bin/newuidmap',
    newgidmap: '/usr/bin/newgidmap',
    tun: { exists: true, accessible: true, mode: 0o666 },
    slirp4netns: '/usr/bin/slirp4netns',
    pasta: null,
    runtimeDir: { variable: '/run/user/1000', file: { exists: true, mode: 0o700, uid: 1000, isDirectory: true } },
    cgroupVersion: 2,
    systemd: true,
    lingering: true,
    containersConf: null,
    stateDir: { path: '/home/alice/.local/state/phoenix', file: { exists: true, mode: 0o700, uid: 1000, isDirectory: true }, keys: [{ name: 'secret-digest.key', file: { exists: true, mode: 0o600, uid: 1000, isDirectory: false } }] },
  };
}

function check(facts: DoctorFacts, id: string) {
  const found = diagnose(facts).find((c) => c.id === id);
  if (found === undefined) throw new Error(`no check ${id}`);
  return found;
}

function capture(): { io: CliIo; out: () => string } {
  let out = '';
  return { io: { stdout: (t) => void (out += t), stderr: (t) => void (out += t), env: {}, cwd: '/', interactive: false, confirm: () => Promise.resolve(false) }, out: () => out };
}

describe('phoenix doctor checks', () => {
  it('passes a well set-up rootless host, and says rootless', () => {
    const checks = diagnose(healthyRootless());
    expect(checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(check(healthyRootless(), 'podman.mode').detail).toMatch(/^rootless/);
  });

  it('fails a rootless user without subuid/subgid ranges, with the usermod remedy', () => {
    const result = check({ ...healthyRootless(), subuid: [], subgid: [] }, 'rootless.subids');
    expect(result.status).toBe('fail');
    expect(result.remedy).toContain('usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice');
    // Rootful Podman needs no ranges.
    const rootful: DoctorFacts = { ...healthyRootless(), user: { name: 'root', uid: 0 }, podman: { ok: true, info: { ...INFO, rootless: false, mappedUids: null, mappedGids: null } }, subuid: [], subgid: [] };
    expect(check(rootful, 'rootless.subids').status).toBe('ok');
  });

  it('warns when the ranges exist but Podman still maps only the user id (podman system migrate)', () => {
    const result = check({ ...healthyRootless(), podman: { ok: true, info: { ...INFO, mappedUids: 1 } } }, 'rootless.subids');
    expect([result.status, result.remedy]).toEqual(['warn', expect.stringContaining('podman system migrate')]);
  });

  it('fails a root-only /dev/net/tun, and a missing network helper', () => {
    const tun = check({ ...healthyRootless(), tun: { exists: true, accessible: false, mode: 0o600 } }, 'rootless.network');
    expect(tun.status).toBe('fail');
    expect(tun.detail).toContain('0600');
    expect(tun.remedy).toContain('chmod 0666 /dev/net/tun');
    const noHelper = check({ ...healthyRootless(), podman: { ok: true, info: { ...INFO, slirp4netns: null } }, slirp4netns: null, pasta: null }, 'rootless.network');
    expect([noHelper.status, noHelper.remedy]).toEqual(['fail', expect.stringContaining('slirp4netns')]);
  });

  it('fails missing newuidmap and a runtime directory owned by someone else', () => {
    expect(check({ ...healthyRootless(), newuidmap: null }, 'rootless.uidmap')).toMatchObject({ status: 'fail', remedy: expect.stringContaining('uidmap') });
    const runtime = check({ ...healthyRootless(), runtimeDir: { variable: '/run', file: { exists: true, mode: 0o755, uid: 0, isDirectory: true } } }, 'rootless.runtime-dir');
    expect([runtime.status, runtime.remedy]).toEqual(['fail', expect.stringContaining('install -d -m 0700 -o alice -g alice /run/user/1000')]);
  });

  it('fails a state directory others may write, and a key others may read', () => {
    const facts = healthyRootless();
    const open = check({ ...facts, stateDir: { ...facts.stateDir, file: { exists: true, mode: 0o777, uid: 1000, isDirectory: true } } }, 'state.dir');
    expect([open.status, open.remedy]).toEqual(['fail', expect.stringContaining('chmod 0700')]);
    const key = check({ ...facts, stateDir: { ...facts.stateDir, keys: [{ name: 'secret-digest.key', file: { exists: true, mode: 0o644, uid: 1000, isDirectory: false } }] } }, 'state.keys');
    expect([key.status, key.remedy]).toEqual(['fail', expect.stringContaining('chmod 0600')]);
  });

  it('warns about limits on rootless cgroups v1, and says Phoenix runs health checks without systemd', () => {
    const v1 = check({ ...healthyRootless(), cgroupVersion: 1, podman: { ok: true, info: { ...INFO, cgroupVersion: 'v1', cgroupControllers: [] } } }, 'host.cgroups');
    expect(v1.status).toBe('warn');
    expect(v1.detail).toContain('ignores mem_limit');
    const timers = check({ ...healthyRootless(), systemd: false }, 'host.health-timers');
    expect(timers.detail).toContain('Phoenix runs every health check itself');
  });

  it('fails when podman info fails, with the classified code and remedy', () => {
    const result = check({ ...healthyRootless(), podman: { ok: false, code: 'PODMAN-NOT-INSTALLED', message: 'podman was not found', remediation: 'Install Podman.' } }, 'podman.version');
    expect(result).toMatchObject({ status: 'fail', remedy: 'Install Podman.' });
    expect(result.detail).toContain('PODMAN-NOT-INSTALLED');
  });

  it('the command exits 1 on a blocking problem and prints each fail with its remedy (JSON and text)', async () => {
    const broken: DoctorFacts = { ...healthyRootless(), subuid: [] };
    const json = capture();
    expect(await runDoctor({ json: true }, json.io, () => Promise.resolve(broken))).toBe(1);
    const parsed = JSON.parse(json.out()) as { ok: boolean; checks: { id: string; status: string; remedy?: string }[] };
    expect(parsed.ok).toBe(false);
    expect(parsed.checks.find((c) => c.id === 'rootless.subids')).toMatchObject({ status: 'fail', remedy: expect.stringContaining('usermod') });
    const text = capture();
    expect(await runDoctor({}, text.io, () => Promise.resolve(broken))).toBe(1);
    expect(text.out()).toMatch(/FAIL {2}subordinate uid\/gid ranges: .*\n {6}remedy: As root: `usermod/);
    expect(text.out()).toContain('doctor: 1 blocking problem');
    expect(await runDoctor({}, capture().io, () => Promise.resolve(healthyRootless()))).toBe(0);
  });
});

describe('host facts parsing', () => {
  it("reads this user's subuid ranges by name or uid", () => {
    const text = 'bob:100000:65536\nalice:165536:65536\n1000:300000:10\n# junk\nalice:x:1\n';
    expect(parseSubids(text, 'alice', 1000)).toEqual([
      { start: 165536, count: 65536 },
      { start: 300000, count: 10 },
    ]);
    expect(parseSubids(text, 'carol', 1002)).toEqual([]);
  });

  it('reads podman info (measured rootless output) and refuses what is not JSON', () => {
    const info = parsePodmanInfo(
      JSON.stringify({
        host: { cgroupManager: 'cgroupfs', cgroupVersion: 'v1', cgroupControllers: [], networkBackend: 'netavark', idMappings: { uidmap: [{ container_id: 0, host_id: 1001, size: 1 }, { container_id: 1, host_id: 100000, size: 65536 }], gidmap: null }, security: { rootless: true }, slirp4netns: { executable: '/usr/bin/slirp4netns' }, ociRuntime: { name: 'runc' } },
        store: { graphDriverName: 'vfs' },
        version: { APIVersion: '4.3.1', Version: '4.3.1' },
      }),
    );
    expect(info).toMatchObject({ rootless: true, storageDriver: 'vfs', ociRuntime: 'runc', mappedUids: 65537, mappedGids: 1, slirp4netns: '/usr/bin/slirp4netns' });
    expect(() => parsePodmanInfo('oops')).toThrow(/not JSON/);
  });
});
