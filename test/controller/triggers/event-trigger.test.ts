import { describe, expect, it } from 'vitest';
import { ContainerEventTrigger, ownerOf, runEventTrigger } from '../../../src/controller/triggers/event-trigger.js';
import type { ContainerEvent, ContainerEventSource } from '../../../src/podman/podman-events.js';

const OWNED = { 'io.phoenix.managed-by': 'phoenix', 'io.phoenix.project': 'shop', 'io.phoenix.environment': 'dev' };

function event(status: string, overrides: Partial<ContainerEvent> = {}): ContainerEvent {
  return { id: 'c1', name: 'shop-dev-web-1', image: 'img', status, exitCode: null, healthStatus: null, labels: OWNED, time: new Date(0), ...overrides };
}

function harness(options: { isWatched?: (environment: string, project: string) => boolean } = {}) {
  const triggers: [string, string][] = [];
  const trigger = new ContainerEventTrigger({ onTrigger: (environment, reason) => triggers.push([environment, reason]), ...options });
  return { trigger, triggers };
}

describe('ContainerEventTrigger', () => {
  it('triggers the environment of an owned container that died or was removed', () => {
    const { trigger, triggers } = harness();
    trigger.handle(event('died', { exitCode: 137 }));
    trigger.handle(event('remove'));
    expect(triggers).toEqual([
      ['dev', 'container shop-dev-web-1 died (exit code 137)'],
      ['dev', 'container shop-dev-web-1 was removed'],
    ]);
  });

  it('tells onDied of each died event of a watched container, with its exit code and service', () => {
    const died: [unknown, number | null][] = [];
    const trigger = new ContainerEventTrigger({ onTrigger: () => undefined, isWatched: (environment) => environment === 'dev', onDied: (owner, e) => died.push([owner, e.exitCode]) });
    trigger.handle(event('died', { exitCode: 3, labels: { ...OWNED, 'io.phoenix.service': 'web' } }));
    trigger.handle(event('stop'));
    trigger.handle(event('died', { exitCode: 1, labels: { ...OWNED, 'io.phoenix.environment': 'prod' } }));
    expect(died).toEqual([[{ environment: 'dev', project: 'shop', service: 'web' }, 3]]);
  });

  it('ignores noise: exec, attach, init, start, cleanup and the like', () => {
    const { trigger, triggers } = harness();
    for (const status of ['create', 'init', 'start', 'attach', 'exec', 'exec_died', 'cleanup', 'kill', 'stop', 'mount']) trigger.handle(event(status));
    expect(triggers).toEqual([]);
  });

  it('ignores containers Phoenix does not own, and environments it does not watch', () => {
    const { trigger, triggers } = harness({ isWatched: (environment, project) => environment === 'dev' && project === 'shop' });
    trigger.handle(event('died', { labels: {} }));
    trigger.handle(event('died', { labels: { ...OWNED, 'io.phoenix.managed-by': 'someone-else' } }));
    trigger.handle(event('died', { labels: { ...OWNED, 'io.phoenix.environment': 'prod' } }));
    trigger.handle(event('died', { labels: { ...OWNED, 'io.phoenix.project': 'blog' } }));
    expect(triggers).toEqual([]);
    expect(ownerOf(event('died'))).toEqual({ environment: 'dev', project: 'shop' });
  });

  it('triggers on a change of health only, since Podman reports health on every check', () => {
    const { trigger, triggers } = harness();
    const health = (healthStatus: string, id = 'c1'): void => trigger.handle(event('health_status', { healthStatus, id }));
    health('starting');
    health('healthy');
    health('healthy');
    health('unhealthy');
    health('unhealthy');
    health('healthy');
    health('unhealthy', 'c2');
    expect(triggers.map(([, reason]) => reason)).toEqual([
      'container shop-dev-web-1 is healthy',
      'container shop-dev-web-1 is unhealthy',
      'container shop-dev-web-1 is healthy',
      'container shop-dev-web-1 is unhealthy',
    ]);
    // A removed container is forgotten: its successor with the same id (never, in practice) starts afresh.
    trigger.handle(event('remove'));
    health('healthy');
    expect(triggers.at(-1)?.[1]).toBe('container shop-dev-web-1 is healthy');
  });
});

describe('runEventTrigger', () => {
  it('feeds the events of a source to the trigger until the signal aborts', async () => {
    const controller = new AbortController();
    const source: ContainerEventSource = {
      watchContainerEvents: async (options, onEvent, signal) => {
        expect(options.project).toBe('shop');
        onEvent(event('exec'));
        onEvent(event('died', { exitCode: 1 }));
        controller.abort();
        expect(signal.aborted).toBe(true);
      },
    };
    const triggers: string[] = [];
    await runEventTrigger(source, { project: 'shop', onTrigger: (environment, reason) => triggers.push(`${environment}: ${reason}`) }, controller.signal);
    expect(triggers).toEqual(['dev: container shop-dev-web-1 died (exit code 1)']);
  });
});
