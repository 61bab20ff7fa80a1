/**
 * security.drift's evidence against REAL Podman: PodmanCli.inspectPrivileges reads what a
 * container really has, and privilegeDrift names what its service's spec does not give it —
 * here a container made by hand with Phoenix's labels, privileged, seccomp off and the host's
 * /etc bound in, while its manifest asks for none of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL } from '../../src/model/desired.js';
import { PodmanCli } from '../../src/podman/podman-cli.js';
import { privilegeDrift } from '../../src/security/privilege-drift.js';
import { containerIntent, containerSpec } from '../support/podman-fixtures.js';
import { podman, podmanEnv, requirePodman, sweep, testPrefix } from '../support/podman-host.js';

const prefix = testPrefix();
const cli = new PodmanCli({ env: podmanEnv() });
let podmanReady = false;
beforeAll(async () => {
  await requirePodman();
  podmanReady = true;
}, 120_000);
afterAll(async () => {
  if (podmanReady) await sweep(prefix);
}, 30_000);

describe('privilege drift against real Podman', () => {
  it('a container changed by hand: privileged, seccomp off and a bind of /etc are named; one made from its spec has none', async () => {
    const labels = { [LABEL.project]: prefix, [LABEL.environment]: 'dev', [LABEL.service]: 'web' };
    const forged = `${prefix}-dev-web-1`;
    const args = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    await podman(['create', '--name', forged, ...args, '--privileged', '--security-opt', 'seccomp=unconfined', '-v', '/etc:/host-etc:ro', 'localhost/phoenix-demo/busybox:1', 'sleep', '60']);
    const honest = `${prefix}-dev-api-1`;
    await cli.createContainer(containerIntent(honest, {}, { ...labels, [LABEL.service]: 'api' }));

    const privileges = await cli.inspectPrivileges([forged, honest]);
    const spec = containerSpec({});
    expect(privilegeDrift(spec, privileges.get(forged)!)).toEqual(['privileged', 'security_opt: seccomp=unconfined', 'bind mount: /etc']);
    expect(privilegeDrift(spec, privileges.get(honest)!)).toEqual([]);
    // What the manifest grants is no drift.
    expect(privilegeDrift(containerSpec({ privileged: true, securityOpt: ['seccomp=unconfined'], mounts: [{ type: 'bind', source: '/etc', target: '/host-etc', readOnly: true, selinux: '', createHostPath: false }] }), privileges.get(forged)!)).toEqual([]);
  }, 60_000);
});
