/** The growth fit and the SVG plot the benches write (bench/curve.ts): pure functions. */
import { describe, expect, it } from 'vitest';
import { growthExponent, linearSlope, svgPlot } from '../bench/curve.js';

describe('growthExponent', () => {
  it('is the power of a power law, fitted by least squares on log-log', () => {
    expect(growthExponent([10, 100, 1000].map((x) => ({ x, y: 3 * x ** 2 })))).toBeCloseTo(2, 10);
    expect(growthExponent([10, 100, 1000].map((x) => ({ x, y: 0.5 * x })))).toBeCloseTo(1, 10);
    expect(growthExponent([10, 100, 1000].map((x) => ({ x, y: 42 })))).toBeCloseTo(0, 10);
    // Noisy points: the fit, not the last pair's ratio.
    expect(growthExponent([{ x: 10, y: 100 }, { x: 100, y: 1200 }, { x: 1000, y: 9000 }])).toBeCloseTo(Math.log10(90) / 2, 1);
  });

  it('needs two sizes and positive values', () => {
    expect(growthExponent([{ x: 10, y: 1 }])).toBeNull();
    expect(growthExponent([{ x: 10, y: 1 }, { x: 10, y: 2 }])).toBeNull();
    expect(growthExponent([{ x: 10, y: 0 }, { x: 100, y: 5 }])).toBeNull();
  });
});

describe('linearSlope', () => {
  it('is the least-squares slope (a flat RSS is about 0)', () => {
    expect(linearSlope([0, 1, 2, 3].map((x) => ({ x, y: 80 + 0.5 * x })))).toBeCloseTo(0.5, 10);
    expect(linearSlope([0, 1, 2].map((x) => ({ x, y: 90 })))).toBeCloseTo(0, 10);
  });
});

describe('svgPlot', () => {
  it('draws one line per series with its legend, on log axes with powers of ten', () => {
    const svg = svgPlot(
      [
        { name: 'cold <apply>', points: [10, 100, 1000].map((x) => ({ x, y: x * 50 })) },
        { name: 'unchanged', points: [10, 100, 1000].map((x) => ({ x, y: 200 + x / 10 })) },
      ],
      { title: 'time & services', xLabel: 'services', yLabel: 'ms', logX: true, logY: true, legendNote: (s) => ` (exp ${growthExponent(s.points)?.toFixed(2)})`, footer: ['npm run bench -- --n 10,100,1000'] },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('cold &lt;apply&gt; (exp 1.00)');
    expect(svg).toContain('time &amp; services');
    expect(svg).toContain('>1e+3<');
    expect(svg).toContain('npm run bench -- --n 10,100,1000');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('refuses to draw nothing', () => {
    expect(() => svgPlot([{ name: 'empty', points: [] }], { title: 't', xLabel: 'x', yLabel: 'y', logX: true, logY: true })).toThrow(/nothing to plot/);
  });
});
