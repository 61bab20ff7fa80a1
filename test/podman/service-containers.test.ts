/**
 * PodmanCli.listServiceContainers against REAL Podman, through the REST API and the CLI: the
 * containers of one environment's services found by their labels, whatever their names.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL } from '../../src/model/desired.js';
import { PodmanCli } from '../../src/podman/podman-cli.js';
import { containerIntent } from '../support/podman-fixtures.js';
import { podmanEnv, requirePodman, sweep, testPrefix } from '../support/podman-host.js';

const prefix = testPrefix();
const cli = new PodmanCli({ env: podmanEnv() });
const api = new PodmanCli({ env: podmanEnv(), apiSocket: path.join(mkdtempSync(path.join(os.tmpdir(), 'phx-api-')), 'podman.sock') });

let podmanReady = false;
beforeAll(async () => {
  await requirePodman();
  podmanReady = true;
}, 120_000);
afterAll(async () => {
  if (podmanReady) await sweep(prefix);
}, 30_000);

function owned(environment: string, service: string, replica: number): Record<string, string> {
  return { [LABEL.managedBy]: 'phoenix', [LABEL.project]: prefix, [LABEL.environment]: environment, [LABEL.service]: service, [LABEL.replica]: String(replica) };
}

describe('listServiceContainers against real Podman', () => {
  it("finds the environment's service containers by label (a -next replacement too), running or not, through the API and the CLI alike", async () => {
    const running = `${prefix}-dev-web-1`;
    const next = `${prefix}-dev-web-1-next`;
    await cli.createContainer(containerIntent(running, { command: ['sh', '-c', "trap 'exit 0' TERM; while :; do sleep 1; done"] }, owned('dev', 'web', 1)));
    await cli.startContainer(running);
    await cli.createContainer(containerIntent(next, {}, owned('dev', 'web', 1)));
    // Not the environment's: another environment of the project, and a container without a service label.
    await cli.createContainer(containerIntent(`${prefix}-prod-web-1`, {}, owned('prod', 'web', 1)));
    await cli.createContainer(containerIntent(`${prefix}-dev-network-helper`, {}, { [LABEL.project]: prefix, [LABEL.environment]: 'dev' }));
    for (const client of [api, cli]) {
      const found = await client.listServiceContainers(prefix, 'dev');
      const byName = new Map(found.map((c) => [c.name, c]));
      expect([...byName.keys()].sort()).toEqual([running, next]);
      expect(byName.get(running)).toMatchObject({ service: 'web', replica: 1, running: true });
      expect(byName.get(running)!.id).toMatch(/^[0-9a-f]{64}$/);
      expect(byName.get(running)!.startedAt).not.toBeNull();
      expect(byName.get(next)).toMatchObject({ service: 'web', replica: 1, running: false, startedAt: null });
      // Created just now: within a minute of this clock, whichever form Podman gave it in.
      for (const c of found) expect(Math.abs(c.createdMs - Date.now())).toBeLessThan(60_000);
    }
    expect(await cli.listServiceContainers(`${prefix}-none`, 'dev')).toEqual([]);
  }, 60_000);
});
