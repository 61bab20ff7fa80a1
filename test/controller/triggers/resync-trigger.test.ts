import { describe, expect, it } from 'vitest';
import { ResyncTrigger } from '../../../src/controller/triggers/resync-trigger.js';
import { FakeTimers } from './fake-timers.js';

function harness(random: () => number = () => 0.5, jitter?: number) {
  const timers = new FakeTimers();
  const fired: { at: number; environment: string; reason: string }[] = [];
  const resync = new ResyncTrigger({ timers, random, ...(jitter === undefined ? {} : { jitter }), onTrigger: (environment, reason) => fired.push({ at: timers.now(), environment, reason }) });
  return { timers, fired, resync };
}

describe('ResyncTrigger', () => {
  it('triggers each environment once per interval, the first time one interval after it is set', async () => {
    const { timers, fired, resync } = harness();
    resync.set('dev', 60_000);
    resync.set('prod', 300_000);
    await timers.advance(59_999);
    expect(fired).toEqual([]);
    await timers.advance(600_001);
    expect(fired.filter((f) => f.environment === 'dev').map((f) => f.at)).toEqual([60_000, 120_000, 180_000, 240_000, 300_000, 360_000, 420_000, 480_000, 540_000, 600_000, 660_000]);
    expect(fired.filter((f) => f.environment === 'prod').map((f) => f.at)).toEqual([300_000, 600_000]);
    expect(fired[0]?.reason).toBe('periodic resync (every 1m)');
  });

  it('jitters each period within the configured fraction', async () => {
    const draws = [0, 0.999, 0.25];
    const { timers, fired, resync } = harness(() => draws.shift() ?? 0.5, 0.1);
    resync.set('dev', 100_000);
    await timers.advance(400_000);
    // 0.9×, then ~1.1×, then 0.95×, then exact (0.5 draws no jitter).
    expect(fired.map((f) => f.at)).toEqual([90_000, 199_980, 294_980, 394_980]);
  });

  it('keeps the schedule when the same interval is set again, and restarts it on a new interval', async () => {
    const { timers, fired, resync } = harness();
    resync.set('dev', 60_000);
    await timers.advance(50_000);
    resync.set('dev', 60_000);
    await timers.advance(10_000);
    expect(fired.map((f) => f.at)).toEqual([60_000]);
    await timers.advance(10_000);
    resync.set('dev', 30_000);
    await timers.advance(30_000);
    expect(fired.map((f) => f.at)).toEqual([60_000, 100_000]);
  });

  it('drops environments no longer listed, turns off on a zero interval, and stops on close', async () => {
    const { timers, fired, resync } = harness();
    resync.update(
      new Map([
        ['dev', 10_000],
        ['prod', 10_000],
        ['qa', 10_000],
      ]),
    );
    resync.update(
      new Map([
        ['dev', 10_000],
        ['qa', 0],
      ]),
    );
    expect(resync.environments()).toEqual(['dev']);
    await timers.advance(10_000);
    expect(fired.map((f) => f.environment)).toEqual(['dev']);
    resync.close();
    expect(timers.pending()).toBe(0);
    resync.set('dev', 10_000);
    await timers.advance(100_000);
    expect(fired).toHaveLength(1);
  });
});
