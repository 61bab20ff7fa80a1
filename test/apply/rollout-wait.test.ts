/**
 * awaitRollout (apply --wait) on virtual time, against the FakePodman TEST DOUBLE: which
 * container states pass, which fail and with what, and when.
 */
import { describe, expect, it } from 'vitest';
import { RUNNING_SETTLE_MS, awaitRollout } from '../../src/apply/rollout-wait.js';
import type { WaitContext } from '../../src/apply/wait-context.js';
import { desiredFrom } from '../support/load-fixture.js';
import { FakeClock } from './fake-clock.js';
import { FakePodman, status } from './fake-podman.js';

const desired = desiredFrom(`
services:
  web:
    image: localhost/phoenix-demo/busybox:1
    restart: unless-stopped
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      retries: 2
  worker:
    image: localhost/phoenix-demo/busybox:1
    restart: unless-stopped
  migrate:
    image: localhost/phoenix-demo/busybox:1
    restart: "no"
`);
const service = (name: string) => desired.services.find((s) => s.name === name)!;

function setup() {
  const clock = new FakeClock();
  const podman = new FakePodman(clock);
  const context: WaitContext = { podman, sleep: clock.sleep, now: clock.now, timeoutMs: 30_000, pollIntervalMs: 250 };
  const wait = (...names: string[]) => clock.run(awaitRollout(context, names.map(service), new AbortController().signal));
  return { clock, podman, wait };
}

describe('awaitRollout', () => {
  it('passes a service once its health check passes', async () => {
    const { clock, podman, wait } = setup();
    podman.health('app-test-web-1', (attempt) => ({ healthy: attempt >= 1, output: attempt >= 1 ? 'ok' : 'not yet' }));
    expect(await wait('web')).toEqual([]);
    expect(clock.now()).toBe(1000);
  });

  it('fails an unhealthy service with PHX-WAIT-UNHEALTHY, still running', async () => {
    const { podman, wait } = setup();
    podman.health('app-test-web-1', () => ({ healthy: false, output: 'refused' })).statuses('app-test-web-1', status('running'));
    const [failure] = await wait('web');
    expect(failure).toMatchObject({ service: 'web', container: 'app-test-web-1', exitCode: null, error: { code: 'PHX-WAIT-UNHEALTHY' } });
    expect(failure!.error.message).toContain('"refused"');
  });

  it('passes a service without a check only after it ran for RUNNING_SETTLE_MS', async () => {
    const { clock, podman, wait } = setup();
    podman.statuses('app-test-worker-1', status('created'), status('running'));
    expect(await wait('worker')).toEqual([]);
    expect(clock.now()).toBe(250 + RUNNING_SETTLE_MS);
  });

  it('fails one that exits soon after its start, with its exit code', async () => {
    const { podman, wait } = setup();
    podman.statuses('app-test-worker-1', status('running'), status('running'), status('exited', 137));
    expect(await wait('worker')).toEqual([expect.objectContaining({ service: 'worker', exitCode: 137, error: expect.objectContaining({ code: 'PHX-WAIT-EXITED' }) })]);
  });

  it('passes a one-shot that exited 0, fails one that exited non-zero', async () => {
    const ok = setup();
    ok.podman.statuses('app-test-migrate-1', status('running'), status('exited', 0));
    expect(await ok.wait('migrate')).toEqual([]);
    const bad = setup();
    bad.podman.statuses('app-test-migrate-1', status('exited', 2));
    expect(await bad.wait('migrate')).toEqual([expect.objectContaining({ service: 'migrate', exitCode: 2 })]);
  });

  it('times out a container that never starts, at the deadline', async () => {
    const { clock, podman, wait } = setup();
    podman.statuses('app-test-worker-1', status('created'));
    expect(await wait('worker')).toEqual([expect.objectContaining({ service: 'worker', exitCode: null, error: expect.objectContaining({ code: 'PHX-WAIT-TIMEOUT' }) })]);
    expect(clock.now()).toBe(30_000);
  });
});
