/**
 * The growth part of `npm run bench`'s report: each measure at every size, its growth
 * exponent across the sizes (curve.ts), as a markdown table and as an SVG plot on log-log axes
 * (colour per measure, dash per shape), so a reader sees how each cost grows.
 */
import type { Series } from './curve.js';
import { growthExponent, svgPlot } from './curve.js';
import type { Shape } from './lib.js';
import { seconds } from './lib.js';

/** One measure of a bench case, in milliseconds; undefined where it was not measured (failed, skipped). */
export interface Measure<R> {
  readonly name: string;
  readonly pick: (result: R) => number | undefined;
}

interface Sized {
  readonly shape: Shape;
  readonly n: number;
}

const SHAPES: readonly Shape[] = ['chain', 'independent'];

function seriesOf<R extends Sized>(results: readonly R[], measure: Measure<R>, shape: Shape): { x: number; y: number }[] {
  return results.filter((r) => r.shape === shape).flatMap((r) => {
    const ms = measure.pick(r);
    return ms === undefined || !Number.isFinite(ms) ? [] : [{ x: r.n, y: ms }];
  });
}

function exponentText(exponent: number | null): string {
  return exponent === null ? 'n/a' : exponent.toFixed(2);
}

/** Markdown: a row per measure and shape, a column per size, and the fitted growth exponent. */
export function growthTable<R extends Sized>(results: readonly R[], measures: readonly Measure<R>[]): string {
  const sizes = [...new Set(results.map((r) => r.n))].sort((a, b) => a - b);
  const head = ['measure', 'shape', ...sizes.map((n) => `${n} services`), 'growth exponent'];
  const rows: string[][] = [];
  for (const measure of measures) {
    for (const shape of SHAPES) {
      if (!results.some((r) => r.shape === shape)) continue;
      const points = seriesOf(results, measure, shape);
      if (points.length === 0) continue;
      const cell = (n: number): string => {
        const p = points.find((q) => q.x === n);
        return p === undefined ? 'n/a' : p.y < 100 ? `${p.y.toFixed(1)} ms` : `${seconds(p.y)} s`;
      };
      rows.push([measure.name, shape, ...sizes.map(cell), exponentText(growthExponent(points))]);
    }
  }
  return [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** The same as an SVG plot: time against services, both log-scaled; the legend gives each line's exponent. */
export function growthSvg<R extends Sized>(results: readonly R[], measures: readonly Measure<R>[], footer: readonly string[]): string {
  const series: Series[] = [];
  measures.forEach((measure, m) => {
    SHAPES.forEach((shape, d) => {
      const points = seriesOf(results, measure, shape);
      if (points.length > 0) series.push({ name: `${measure.name}, ${shape}`, points, color: m, dash: d });
    });
  });
  return svgPlot(series, {
    title: 'npm run bench: time against services (log-log)',
    xLabel: 'services',
    yLabel: 'milliseconds',
    logX: true,
    logY: true,
    legendNote: (s) => ` (exp ${exponentText(growthExponent(s.points))})`,
    footer,
  });
}
