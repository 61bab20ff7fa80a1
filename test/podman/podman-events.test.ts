/**
 * Container events: parsing and the restart logic against a scripted stream, then the real
 * `podman events` of this machine (no mocks): a container of this run's own `phxtest-<random>`
 * project is killed, its `died` event arrives; the events process is killed, the stream comes
 * back and replays nothing twice.
 */
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PodmanCli } from '../../src/podman/podman-cli.js';
import { PodmanError } from '../../src/podman/podman-error.js';
import type { ContainerEvent, EventStreamRunner, EventWatchStatus } from '../../src/podman/podman-events.js';
import { containerEventArgs, parseContainerEvent, watchContainerEvents } from '../../src/podman/podman-events.js';
import { DEMO_IMAGE } from '../support/podman-fixtures.js';
import { eventually, podman, podmanEnv, requirePodman, sweep, testPrefix } from '../support/podman-host.js';

/** Lines as Podman 4.3 prints them on this machine. */
const DIED_4 =
  '{"ContainerExitCode":137,"ID":"8594207dd5f2","Image":"localhost/phoenix-demo/busybox:1","Name":"web-1","Status":"died","Time":"2026-11-25T20:36:59.482532536Z","Type":"container","Attributes":{"io.phoenix.environment":"dev","io.phoenix.project":"shop"}}';
const HEALTH_4 =
  '{"ID":"ec61dedb24a5","Image":"localhost/phoenix-demo/busybox:1","Name":"web-1","Status":"health_status","Time":"2026-11-25T20:38:39.620766867+01:00","Type":"container","health_status":"unhealthy","Attributes":{"io.phoenix.project":"shop"}}';
/** And as Podman 5 prints them (numeric time, HealthStatus). */
const HEALTH_5 = '{"ID":"ab12","Image":"img","Name":"api-1","Status":"health_status","time":1764103119,"timeNano":1764103119620766867,"Type":"container","HealthStatus":"healthy","Attributes":{}}';

describe('parseContainerEvent', () => {
  it('reads a Podman 4 died event: exit code, labels, time', () => {
    expect(parseContainerEvent(DIED_4)).toEqual({
      id: '8594207dd5f2',
      name: 'web-1',
      image: 'localhost/phoenix-demo/busybox:1',
      status: 'died',
      exitCode: 137,
      healthStatus: null,
      labels: { 'io.phoenix.environment': 'dev', 'io.phoenix.project': 'shop' },
      time: new Date('2026-11-25T20:36:59.482Z'),
    });
  });

  it('reads the health status of Podman 4 and Podman 5, and both time formats', () => {
    const four = parseContainerEvent(HEALTH_4);
    expect(four?.healthStatus).toBe('unhealthy');
    expect(four?.time.toISOString()).toBe('2026-11-25T19:38:39.620Z');
    const five = parseContainerEvent(HEALTH_5);
    expect(five?.healthStatus).toBe('healthy');
    expect(five?.time.getTime()).toBe(1764103119620);
    expect(five?.exitCode).toBeNull();
  });

  it('returns null for what is not a container event', () => {
    expect(parseContainerEvent('not json')).toBeNull();
    expect(parseContainerEvent('[]')).toBeNull();
    expect(parseContainerEvent('{"ID":"x","Status":"pull","Type":"image"}')).toBeNull();
    expect(parseContainerEvent('{"Type":"container"}')).toBeNull();
  });
});

describe('containerEventArgs', () => {
  it('filters on containers, the project label, and replays from a time in seconds.nanoseconds', () => {
    expect(containerEventArgs({ project: 'shop' }, 1_764_103_119_000_000_042n)).toEqual([
      'events',
      '--format',
      'json',
      '--filter',
      'type=container',
      '--filter',
      'label=io.phoenix.project=shop',
      '--since',
      '1764103119.000000042',
    ]);
    // Without a project, every container Phoenix manages and nothing else.
    expect(containerEventArgs({}, null)).toEqual(['events', '--format', 'json', '--filter', 'type=container', '--filter', 'label=io.phoenix.managed-by=phoenix']);
  });
});

/** A line of a container event for the scripted streams. */
function eventLine(id: string, status: string, second: number, labels: Record<string, string> = { 'io.phoenix.project': 'shop' }): string {
  return JSON.stringify({ ID: id, Name: id, Image: 'img', Status: status, Time: `2026-11-25T20:00:${String(second).padStart(2, '0')}.5Z`, Type: 'container', Attributes: labels });
}

describe('watchContainerEvents, on a scripted stream', () => {
  it('restarts a dropped stream with growing backoff, replays from before the last event, and delivers nothing twice', async () => {
    const controller = new AbortController();
    const scripts: ((onLine: (stream: 'stdout' | 'stderr', text: string) => void) => void)[] = [
      (emit) => {
        emit('stdout', eventLine('a', 'start', 10));
        emit('stdout', eventLine('a', 'died', 11));
        throw new PodmanError('PODMAN-FAILED', 'podman was killed by SIGKILL');
      },
      () => undefined,
      (emit) => {
        // The replay repeats what the first stream delivered, then goes on.
        emit('stdout', eventLine('a', 'died', 11));
        emit('stdout', eventLine('b', 'died', 12, { 'io.phoenix.project': 'other' }));
        emit('stdout', eventLine('a', 'remove', 13));
        controller.abort();
      },
    ];
    const calls: string[][] = [];
    const runner: EventStreamRunner = {
      stream: async (args, onLine) => {
        calls.push([...args]);
        scripts[calls.length - 1]?.(onLine);
      },
    };
    const sleeps: number[] = [];
    const statuses: EventWatchStatus[] = [];
    const events: ContainerEvent[] = [];
    let clock = Date.parse('2026-11-25T20:00:00Z');
    await watchContainerEvents(
      runner,
      {
        project: 'shop',
        backoff: { initialMs: 100, maxMs: 1000, multiplier: 3 },
        now: () => clock,
        sleep: async (ms) => {
          sleeps.push(ms);
          clock += ms;
        },
        onStatus: (status) => statuses.push(status),
      },
      (event) => events.push(event),
      controller.signal,
    );
    expect(events.map((e) => `${e.id} ${e.status}`)).toEqual(['a start', 'a died', 'a remove']);
    expect(sleeps).toEqual([100, 300]);
    expect(statuses.map((s) => s.kind)).toEqual(['started', 'dropped', 'started', 'dropped', 'started']);
    const dropped = statuses[1];
    expect(dropped?.kind === 'dropped' && dropped.error?.code).toBe('PODMAN-FAILED');
    // The first stream replays from the start of the watch; the next from 5 s before the last event.
    expect(calls[0]?.at(-1)).toBe('1795636800.000000000');
    expect(calls[1]?.at(-1)).toBe('1795636806.500000000');
    expect(calls[2]?.at(-1)).toBe('1795636806.500000000');
  });

  it('drops a stream that prints something that is not a JSON event (PODMAN-OUTPUT-INVALID) and starts it again', async () => {
    const controller = new AbortController();
    const statuses: EventWatchStatus[] = [];
    const seen: string[] = [];
    let attempt = 0;
    const runner: EventStreamRunner = {
      stream: async (_args, onLine, signal) => {
        attempt++;
        if (attempt === 1) {
          onLine('stdout', eventLine('a', 'start', 1));
          onLine('stdout', 'garbage');
          // What a podman would print after the garbage, had the stream not been stopped.
          if (signal?.aborted !== true) onLine('stdout', eventLine('a', 'died', 2));
          return;
        }
        onLine('stdout', eventLine('a', 'remove', 3));
        controller.abort();
      },
    };
    await watchContainerEvents(runner, { onStatus: (status) => statuses.push(status), sleep: async () => undefined }, (event) => seen.push(event.status), controller.signal);
    expect(seen).toEqual(['start', 'remove']);
    const dropped = statuses.find((s) => s.kind === 'dropped');
    expect(dropped?.kind === 'dropped' && dropped.error?.code).toBe('PODMAN-OUTPUT-INVALID');
    expect(dropped?.kind === 'dropped' && dropped.error?.message).toMatch(/podman events printed a line that is not a JSON event: "garbage"/);
  });

  it('keeps streaming when the handler throws, and reports it', async () => {
    const controller = new AbortController();
    const statuses: EventWatchStatus[] = [];
    const runner: EventStreamRunner = {
      stream: async (_args, onLine) => {
        onLine('stdout', eventLine('a', 'died', 1));
        onLine('stdout', eventLine('a', 'remove', 2));
        controller.abort();
      },
    };
    const seen: string[] = [];
    await watchContainerEvents(
      runner,
      { onStatus: (status) => statuses.push(status) },
      (event) => {
        seen.push(event.status);
        if (event.status === 'died') throw new Error('handler bug');
      },
      controller.signal,
    );
    expect(seen).toEqual(['died', 'remove']);
    expect(statuses.filter((s) => s.kind === 'handler-failed')).toHaveLength(1);
  });
});

describe('watchContainerEvents, on real Podman', () => {
  const prefix = testPrefix();
  const client = new PodmanCli({ env: podmanEnv() });
  const watch = new AbortController();
  const events: ContainerEvent[] = [];
  const statuses: EventWatchStatus[] = [];
  let watching: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    await requirePodman();
    watching = watchContainerEvents(client, { project: prefix, backoff: { initialMs: 200 }, onStatus: (status) => statuses.push(status) }, (event) => events.push(event), watch.signal);
  });

  afterAll(async () => {
    watch.abort();
    await watching;
    await sweep(prefix);
  });

  const runContainer = (name: string): Promise<string> =>
    podman(['run', '--detach', '--name', name, '--label', `io.phoenix.project=${prefix}`, '--label', 'io.phoenix.environment=dev', DEMO_IMAGE, 'sleep', '300']);
  const eventOf = (name: string, status: string) => (): Promise<ContainerEvent | undefined> => Promise.resolve(events.find((e) => e.name === name && e.status === status));

  it("receives a killed container's died event with its exit code and labels", async () => {
    const name = `${prefix}-killed`;
    await runContainer(name);
    await podman(['kill', name]);
    const died = await eventually(eventOf(name, 'died'), 20_000, `the died event of ${name}`);
    expect(died.exitCode).toBe(137);
    expect(died.labels).toMatchObject({ 'io.phoenix.project': prefix, 'io.phoenix.environment': 'dev' });
    expect(died.id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('without a project, delivers the events of Phoenix-managed containers only', async () => {
    const managedEvents: ContainerEvent[] = [];
    const all = new AbortController();
    const started = new Promise<void>((resolve) => {
      void watchContainerEvents(client, { onStatus: (status) => status.kind === 'started' && resolve() }, (event) => managedEvents.push(event), all.signal);
    });
    await started;
    // `podman events` prints nothing until it is ready; give the process a moment to subscribe.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const managed = `${prefix}-managed`;
    const foreign = `${prefix}-foreign`;
    await podman(['run', '--detach', '--name', foreign, DEMO_IMAGE, 'sleep', '300']);
    await podman(['run', '--detach', '--name', managed, '--label', 'io.phoenix.managed-by=phoenix', '--label', `io.phoenix.project=${prefix}`, DEMO_IMAGE, 'sleep', '300']);
    await podman(['kill', foreign]);
    await podman(['kill', managed]);
    await eventually(() => Promise.resolve(managedEvents.find((e) => e.name === managed && e.status === 'died')), 20_000, `the died event of ${managed}`);
    all.abort();
    expect(managedEvents.filter((e) => e.name === foreign)).toEqual([]);
  });

  it('restarts the stream when the podman events process is killed, without delivering an event twice', async () => {
    // Our own podman events process: the only one filtering on this run's unique project.
    const ps = await execa('ps', ['-eo', 'pid=,args='], { reject: false });
    const ours = String(ps.stdout)
      .split('\n')
      .filter((line) => line.includes(' events ') && line.includes(`label=io.phoenix.project=${prefix}`))
      .map((line) => Number.parseInt(line.trim(), 10));
    expect(ours).toHaveLength(1);
    process.kill(ours[0]!, 'SIGKILL');
    await eventually(() => Promise.resolve(statuses.find((s) => s.kind === 'started' && s.attempt === 2)), 20_000, 'the restarted stream');
    const dropped = statuses.find((s) => s.kind === 'dropped');
    expect(dropped?.kind === 'dropped' && dropped.error?.code).toBe('PODMAN-FAILED');

    const name = `${prefix}-after`;
    await runContainer(name);
    await podman(['rm', '--force', '--time', '0', name]);
    await eventually(eventOf(name, 'remove'), 20_000, `the remove event of ${name} on the restarted stream`);
    const keys = events.map((e) => `${e.id}/${e.status}/${e.time.getTime()}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(events.filter((e) => e.name === `${prefix}-killed` && e.status === 'died')).toHaveLength(1);
  });
});
