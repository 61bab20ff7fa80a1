/**
 * Rootless set-up failures provoked for real against the rootless Podman of an unprivileged
 * user (scripts/test-rootless.sh runs this file as phoenix-ci; the root suite leaves it out,
 * see vitest.config.ts): each reaches the user as its own code with its remedy, never as a
 * generic PODMAN-FAILED, and nothing is left behind.
 *
 * - PODMAN-ROOTLESS-IDS: a user namespace larger than the user's subordinate ranges
 *   (`userns_mode: auto:size=...` beyond /etc/subuid's 65536 ids).
 * - PODMAN-ROOTLESS-NETWORK: no rootless network helper (a containers.conf whose
 *   `network_cmd_path` names a slirp4netns that is not there, as on a host without the package).
 * - PODMAN-ROOTLESS-RUNTIME-DIR: an XDG_RUNTIME_DIR the user does not own.
 *
 * An unreadable /dev/net/tun is not provoked: its mode is the host's, and a private mount over
 * it would need root, or a user namespace in which Podman no longer runs rootless
 * (docs/security.md, "Rootless set-up").
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseContainersConf } from '../../src/podman/containers-conf.js';
import { podman, service, useIntegrationSuite } from '../integration/support.js';

const suite = useIntegrationSuite();

beforeAll(async () => {
  // A missing prerequisite is a failure: this file proves rootless behaviour only when rootless.
  expect(process.getuid?.(), 'run as an unprivileged user (scripts/test-rootless.sh)').not.toBe(0);
  expect((await podman(['info', '--format', '{{.Host.Security.Rootless}}'])).trim()).toBe('true');
});

/** The containers.conf Phoenix would use (the host's fix, if any), plus `engine` settings. */
function containersConfWith(dir: string, engine: string): string {
  const fix = chooseContainersConf(undefined, process.env);
  const text = fix === null ? '' : readFileSync(fix.path, 'utf8');
  const merged = /^\[engine\]$/m.test(text) ? text.replace(/^\[engine\]$/m, `[engine]\n${engine}`) : `${text}\n[engine]\n${engine}\n`;
  const file = path.join(dir, 'containers.conf');
  writeFileSync(file, merged);
  return file;
}

describe('rootless set-up failures get their own codes and remedies', { timeout: 120_000 }, () => {
  it('a user namespace beyond the subordinate id ranges: PODMAN-ROOTLESS-IDS', async () => {
    const project = suite.project();
    project.writeCompose({ services: { app: service({ userns_mode: 'auto:size=200000' }) } });
    const run = await project.phoenix(['apply', '--yes']);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain('PODMAN-ROOTLESS-IDS');
    expect(run.stdout + run.stderr).toContain('usermod --add-subuids');
    expect(run.stdout + run.stderr).not.toContain('PODMAN-FAILED');
    expect((await project.containers()).size).toBe(0);
  });

  it('no rootless network helper: PODMAN-ROOTLESS-NETWORK', async () => {
    const project = suite.project();
    project.writeCompose({ services: { app: service() } });
    const conf = containersConfWith(project.dir, 'network_cmd_path = "/nonexistent/slirp4netns"');
    const run = await project.phoenix(['apply', '--yes', '--wait-timeout', '20s'], { env: { CONTAINERS_CONF: conf, PHOENIX_PODMAN_API: '0' } });
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain('PODMAN-ROOTLESS-NETWORK');
    expect(run.stdout + run.stderr).toContain('slirp4netns');
    expect(run.stdout + run.stderr).not.toContain('PODMAN-FAILED');
  });

  it('a runtime directory the user does not own: PODMAN-ROOTLESS-RUNTIME-DIR, nothing changed', async () => {
    const project = suite.project();
    project.writeCompose({ services: { app: service() } });
    const run = await project.phoenix(['apply', '--yes'], { env: { XDG_RUNTIME_DIR: '/tmp', PHOENIX_PODMAN_API: '0' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('PODMAN-ROOTLESS-RUNTIME-DIR');
    expect(run.stderr).toContain('XDG_RUNTIME_DIR');
    expect(run.stderr).toContain('install -d -m 0700');
    expect((await project.containers()).size).toBe(0);
  });
});
