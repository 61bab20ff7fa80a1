/**
 * Rootless set-up failures provoked for real against the rootless Podman of an unprivileged
 * user (scripts/test-rootless.sh runs this file as phoenix-ci; the root suite leaves it out,
 * see vitest.config.ts): each reaches the user as its own code with its remedy, never as a
 * generic PODMAN-FAILED, and nothing is left behind.
 *
 * - PODMAN-ROOTLESS-IDS: a user namespace larger than the user's subordinate ranges
 *   (`userns_mode: auto:size=...` beyond /etc/subuid's 65536 ids).
 * - PODMAN-ROOTLESS-RUNTIME-DIR: an XDG_RUNTIME_DIR the user does not own.
 *
 * PODMAN-ROOTLESS-NETWORK is not provoked here (docs/security.md, "Rootless set-up", says why):
 * an unreadable /dev/net/tun needs root to arrange, and a missing slirp4netns leaves the user's
 * shared rootless network namespace half made, which breaks every later container of the user.
 * Podman's messages for both are classified in test/podman/podman-mapping.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { podman, service, useIntegrationSuite } from '../integration/support.js';

const suite = useIntegrationSuite();

beforeAll(async () => {
  // A missing prerequisite is a failure: this file proves rootless behaviour only when rootless.
  expect(process.getuid?.(), 'run as an unprivileged user (scripts/test-rootless.sh)').not.toBe(0);
  expect((await podman(['info', '--format', '{{.Host.Security.Rootless}}'])).trim()).toBe('true');
});

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
