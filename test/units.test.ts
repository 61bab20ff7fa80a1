import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatDurationMs, parseDurationMs, parseSizeBytes } from '../src/manifest/units.js';

describe('parseDurationMs', () => {
  it.each([
    ['10s', 10_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['1h2m3.5s', 3_723_500],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['5m', 300_000],
    ['2us', 0],
    ['2µs', 0],
    ['1500us', 2], // 1.5 ms rounds up
    ['1400us', 1],
    ['3ns', 0],
    ['2500000ns', 3],
    ['1s500ms', 1_500],
    ['30s1m', 90_000], // Go accepts components in any order
    ['.5s', 500],
    ['1.s', 1_000],
    ['0', 0],
    ['0s', 0],
    [' 10s ', 10_000],
  ])('parses %j', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it('reads numbers and numeric strings as seconds', () => {
    expect(parseDurationMs(10)).toBe(10_000);
    expect(parseDurationMs(0.25)).toBe(250);
    expect(parseDurationMs(0)).toBe(0);
    expect(parseDurationMs('10')).toBe(10_000);
    expect(parseDurationMs('1.5')).toBe(1_500);
  });

  it.each(['', ' ', 's', '1d', '10S', '1H', '-1s', '+1s', '1 s', '1s 2m', 'ten seconds', '1e3s', '1.2.3s', '10sx', 'ms', '-5'])(
    'rejects %j',
    (text) => {
      expect(parseDurationMs(text)).toBeNull();
    },
  );

  it('rejects negative, non-finite and absurd numbers', () => {
    expect(parseDurationMs(-1)).toBeNull();
    expect(parseDurationMs(Number.NaN)).toBeNull();
    expect(parseDurationMs(Number.POSITIVE_INFINITY)).toBeNull();
    expect(parseDurationMs(1e300)).toBeNull();
    expect(parseDurationMs('9'.repeat(400) + 's')).toBeNull();
  });

  it('rejects values that are neither strings nor numbers', () => {
    expect(parseDurationMs(true as unknown as string)).toBeNull();
    expect(parseDurationMs(null as unknown as string)).toBeNull();
    expect(parseDurationMs({} as unknown as string)).toBeNull();
  });
});

describe('parseSizeBytes', () => {
  it.each([
    ['512M', 512 * 1024 ** 2],
    ['512m', 512 * 1024 ** 2],
    ['1g', 1024 ** 3],
    ['1GB', 1024 ** 3],
    ['2Gb', 2 * 1024 ** 3],
    ['100kb', 102_400],
    ['100K', 102_400],
    ['3mb', 3 * 1024 ** 2],
    ['12', 12],
    ['12b', 12],
    ['12B', 12],
    ['64 m', 64 * 1024 ** 2],
    ['1.5g', 1.5 * 1024 ** 3],
    ['0.5k', 512],
    ['1.5b', 1], // truncated to whole bytes, as Docker does
    ['0', 0],
    [' 1k ', 1024],
  ])('parses %j', (text, bytes) => {
    expect(parseSizeBytes(text)).toBe(bytes);
  });

  it('accepts whole non-negative numbers of bytes', () => {
    expect(parseSizeBytes(1024)).toBe(1024);
    expect(parseSizeBytes(0)).toBe(0);
  });

  it.each(['', 'm', '1t', '1tb', '1kib', '1 kb b', '-1m', '+1m', '1e3', '1..5m', 'ten', '1m2k', '1  m', 'constructor', '1constructor', '.5m'])(
    'rejects %j',
    (text) => {
      expect(parseSizeBytes(text)).toBeNull();
    },
  );

  it('rejects negative, fractional, non-finite and unsafe numbers', () => {
    expect(parseSizeBytes(-1)).toBeNull();
    expect(parseSizeBytes(1.5)).toBeNull();
    expect(parseSizeBytes(Number.NaN)).toBeNull();
    expect(parseSizeBytes(Number.POSITIVE_INFINITY)).toBeNull();
    expect(parseSizeBytes(2 ** 60)).toBeNull();
    expect(parseSizeBytes('9999999999g')).toBeNull();
    expect(parseSizeBytes(false as unknown as string)).toBeNull();
  });
});

describe('formatDurationMs', () => {
  it.each([
    [0, '0s'],
    [1, '1ms'],
    [500, '500ms'],
    [999, '999ms'],
    [1_000, '1s'],
    [1_500, '1.5s'],
    [1_250, '1.25s'],
    [1_005, '1.005s'],
    [90_000, '1m30s'],
    [300_000, '5m'],
    [3_600_000, '1h'],
    [3_601_000, '1h1s'],
    [3_723_500, '1h2m3.5s'],
    [90_000_000, '25h'],
    [1_499.6, '1.5s'],
    [0.4, '0s'],
    [-0.4, '0s'],
    [-1_500, '-1.5s'],
  ])('formats %j as %j', (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });

  it('throws on NaN and infinity', () => {
    expect(() => formatDurationMs(Number.NaN)).toThrow(RangeError);
    expect(() => formatDurationMs(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('round-trips through parseDurationMs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 24 * 3_600_000 }), (ms) => {
        expect(parseDurationMs(formatDurationMs(ms))).toBe(ms);
      }),
    );
  });
});
