/**
 * withResilience over a PodmanClientTestDouble: which failures are retried, when the circuit
 * opens and closes again, and cancellation. Tiny delays keep it fast; fake timers where a
 * delay is long on purpose.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PodmanErrorCode } from '../../src/podman/podman-error.js';
import { PodmanError } from '../../src/podman/podman-error.js';
import type { ResilienceEvent, ResilienceOptions } from '../../src/podman/resilient-client.js';
import { withResilience } from '../../src/podman/resilient-client.js';
import { PodmanClientTestDouble } from '../support/podman-test-double.js';

const fail = (code: PodmanErrorCode) => ({ error: new PodmanError(code, `${code} happened`) });
const FAST: ResilienceOptions = { initialDelayMs: 1, maxDelayMs: 2, maxRetries: 3, breakerThreshold: 4, halfOpenAfterMs: 40 };

async function rejection(promise: Promise<unknown>): Promise<PodmanError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  if (!(error instanceof PodmanError)) throw error;
  return error;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('withResilience', () => {
  it('retries a locked storage on any call, with backoff, then succeeds', async () => {
    const double = new PodmanClientTestDouble().script('startContainer', fail('PODMAN-STORAGE-LOCKED'), fail('PODMAN-STORAGE-LOCKED'), { value: undefined });
    const events: ResilienceEvent[] = [];
    const client = withResilience(double, { ...FAST, onEvent: (e) => events.push(e) });
    await client.startContainer('web');
    expect(double.callsOf('startContainer')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'retry')).toEqual([
      expect.objectContaining({ type: 'retry', operation: 'startContainer', attempt: 1, code: 'PODMAN-STORAGE-LOCKED' }),
      expect.objectContaining({ type: 'retry', operation: 'startContainer', attempt: 2, code: 'PODMAN-STORAGE-LOCKED' }),
    ]);
  });

  it('retries a timeout on reads only: a write that timed out may have happened', async () => {
    const double = new PodmanClientTestDouble().script('observe', fail('PODMAN-TIMEOUT'), { value: { containers: [], networks: [], volumes: [], secrets: [], images: {} } }).script('createContainer', fail('PODMAN-TIMEOUT'));
    const client = withResilience(double, FAST);
    await expect(client.observe('p', [])).resolves.toMatchObject({ containers: [] });
    expect(double.callsOf('observe')).toHaveLength(2);
    expect((await rejection(client.createContainer({} as never))).code).toBe('PODMAN-TIMEOUT');
    expect(double.callsOf('createContainer')).toHaveLength(1);
  });

  it('gives up after maxRetries and throws the last PodmanError', async () => {
    const double = new PodmanClientTestDouble().script('containerStatus', fail('PODMAN-STORAGE-LOCKED'));
    const client = withResilience(double, { ...FAST, breakerThreshold: 100 });
    expect((await rejection(client.containerStatus('web'))).code).toBe('PODMAN-STORAGE-LOCKED');
    expect(double.callsOf('containerStatus')).toHaveLength(4);
  });

  it('neither retries nor counts answers from a working Podman (name in use, no such object, ...)', async () => {
    const double = new PodmanClientTestDouble().script('createContainer', fail('PODMAN-NAME-IN-USE'));
    const client = withResilience(double, { ...FAST, breakerThreshold: 2 });
    for (let i = 0; i < 5; i++) expect((await rejection(client.createContainer({} as never))).code).toBe('PODMAN-NAME-IN-USE');
    expect(double.callsOf('createContainer')).toHaveLength(5);
  });

  it('opens the circuit after consecutive failures, stops calling Podman, and closes after a good trial call', async () => {
    const double = new PodmanClientTestDouble().script('startContainer', fail('PODMAN-FAILED'), fail('PODMAN-FAILED'), fail('PODMAN-FAILED'), fail('PODMAN-FAILED'), { value: undefined });
    const events: ResilienceEvent[] = [];
    const client = withResilience(double, { ...FAST, onEvent: (e) => events.push(e) });
    for (let i = 0; i < 4; i++) expect((await rejection(client.startContainer('web'))).code).toBe('PODMAN-FAILED');
    expect(events).toContainEqual({ type: 'circuit-open', code: 'PODMAN-FAILED' });

    const open = await rejection(client.observe('p', []));
    expect(open.code).toBe('PODMAN-CIRCUIT-OPEN');
    expect(open.message).toContain('PODMAN-FAILED happened');
    expect(open.remediation).toMatch(/podman info/);
    expect(double.callsOf('observe')).toHaveLength(0);

    await new Promise((resolve) => setTimeout(resolve, 60));
    await client.startContainer('web');
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['circuit-half-open', 'circuit-closed']));
    await client.observe('p', []);
    expect(double.callsOf('observe')).toHaveLength(1);
  });

  it('counts retried attempts towards the breaker, and does not retry an open circuit', async () => {
    const double = new PodmanClientTestDouble().script('removeVolume', fail('PODMAN-STORAGE-LOCKED'));
    const client = withResilience(double, { ...FAST, maxRetries: 10, breakerThreshold: 3 });
    expect((await rejection(client.removeVolume('data'))).code).toBe('PODMAN-CIRCUIT-OPEN');
    expect(double.callsOf('removeVolume')).toHaveLength(3);
  });

  it('passes the AbortSignal through and rejects at once when it aborts during a backoff delay', async () => {
    vi.useFakeTimers();
    const double = new PodmanClientTestDouble().script('startContainer', fail('PODMAN-STORAGE-LOCKED'));
    const client = withResilience(double, { initialDelayMs: 60_000, maxDelayMs: 60_000 });
    const controller = new AbortController();
    const pending = rejection(client.startContainer('web', { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(10);
    expect(double.callsOf('startContainer')).toHaveLength(1);
    expect(double.callsOf('startContainer')[0]?.options?.signal).toBeInstanceOf(AbortSignal);
    controller.abort();
    expect((await pending).code).toBe('PODMAN-ABORTED');
    expect(double.callsOf('startContainer')).toHaveLength(1);
  });

  it('aborts a call in flight through the signal it passed down, and calls nothing once aborted', async () => {
    const double = new PodmanClientTestDouble().script('observe', {
      run: (options) =>
        new Promise((_, reject) => options?.signal?.addEventListener('abort', () => reject(new PodmanError('PODMAN-ABORTED', 'podman ps was cancelled')), { once: true })),
    });
    const client = withResilience(double, FAST);
    const controller = new AbortController();
    const pending = rejection(client.observe('p', [], { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect((await pending).code).toBe('PODMAN-ABORTED');
    expect((await rejection(client.startContainer('web', { signal: controller.signal }))).code).toBe('PODMAN-ABORTED');
    expect(double.callsOf('startContainer')).toHaveLength(0);
  });

  it('keeps the call options (timeout) it was given', async () => {
    const double = new PodmanClientTestDouble();
    await withResilience(double, FAST).stopContainer('web', 2, { timeoutMs: 1234 });
    expect(double.callsOf('stopContainer')[0]).toMatchObject({ args: ['web', 2], options: { timeoutMs: 1234 } });
  });
});
