/**
 * How a measure grows with the number of services, for the benches: the exponent of a power
 * law fitted by least squares on log-log axes, and a small SVG line plot (no plotting tool
 * needed to read the growth). Used by bench/run.ts and, compiled, by bench/watch-measure.mjs.
 */

/** One measured point: x the number of services (or minutes), y the value. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** One line of a plot. */
export interface Series {
  readonly name: string;
  readonly points: readonly Point[];
  /** Colour and dash pattern by index (default: by the series' position); e.g. colour per measure, dash per shape. */
  readonly color?: number;
  readonly dash?: number;
}

/**
 * The exponent b of y ≈ a·x^b, fitted by least squares on (log x, log y): 1 is linear, 2
 * quadratic, 0 constant. Null with fewer than two distinct positive x (or non-positive y).
 */
export function growthExponent(points: readonly Point[]): number | null {
  const usable = points.filter((p) => p.x > 0 && p.y > 0 && Number.isFinite(p.x) && Number.isFinite(p.y));
  if (new Set(usable.map((p) => p.x)).size < 2) return null;
  const xs = usable.map((p) => Math.log(p.x));
  const ys = usable.map((p) => Math.log(p.y));
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i += 1) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return sxy / sxx;
}

/** The slope of y over x by least squares (units of y per unit of x); null with fewer than two distinct x. */
export function linearSlope(points: readonly Point[]): number | null {
  const usable = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  if (new Set(usable.map((p) => p.x)).size < 2) return null;
  const mx = usable.reduce((a, p) => a + p.x, 0) / usable.length;
  const my = usable.reduce((a, p) => a + p.y, 0) / usable.length;
  const sxy = usable.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const sxx = usable.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return sxy / sxx;
}

export interface PlotOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** Log-scaled axes (powers of ten as ticks); linear otherwise. */
  readonly logX: boolean;
  readonly logY: boolean;
  /** Appended to each series' name in the legend, e.g. its growth exponent. */
  readonly legendNote?: (series: Series) => string;
  /** Notes printed under the plot (the command, the machine, the load). */
  readonly footer?: readonly string[];
}

const WIDTH = 920;
const PLOT = { left: 70, top: 40, width: 440, height: 320 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Tick values of an axis: powers of ten (with 2 and 5 when there are few decades) on a log axis, about 5 round steps on a linear one. */
function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const lo = Math.floor(Math.log10(min));
    const hi = Math.ceil(Math.log10(max));
    const decades = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
    const withSteps = hi - lo <= 2 ? decades.flatMap((d) => [d, 2 * d, 5 * d]) : decades;
    return withSteps.filter((t) => t >= min * 0.999 && t <= max * 1.001);
  }
  const step = 10 ** Math.floor(Math.log10((max - min) / 5 || 1));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (max - min) / s <= 6) ?? step * 10;
  const out: number[] = [];
  for (let t = Math.ceil(min / nice) * nice; t <= max + nice * 1e-9; t += nice) out.push(Number(t.toPrecision(12)));
  return out;
}

function label(value: number): string {
  if (value >= 1000 || value < 0.01) return value.toPrecision(2).replace(/\.0+e/, 'e');
  return String(Number(value.toPrecision(3)));
}

/** A line plot of the series as a standalone SVG document. */
export function svgPlot(series: readonly Series[], options: PlotOptions): string {
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!options.logX || p.x > 0) && (!options.logY || p.y > 0));
  if (all.length === 0) throw new Error(`nothing to plot for "${options.title}"`);
  const range = (values: number[], log: boolean): [number, number] => {
    let lo = Math.min(...values);
    let hi = Math.max(...values);
    if (log) {
      lo = 10 ** Math.floor(Math.log10(lo));
      hi = 10 ** Math.ceil(Math.log10(hi));
    } else {
      lo = Math.min(0, lo);
      hi = hi === lo ? lo + 1 : hi * 1.05;
    }
    return [lo, hi];
  };
  const [x0, x1] = range(all.map((p) => p.x), options.logX);
  const [y0, y1] = range(all.map((p) => p.y), options.logY);
  const scale = (v: number, lo: number, hi: number, log: boolean): number => (log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo));
  const px = (x: number): number => PLOT.left + scale(x, x0, x1, options.logX) * PLOT.width;
  const py = (y: number): number => PLOT.top + PLOT.height - scale(y, y0, y1, options.logY) * PLOT.height;
  const footer = options.footer ?? [];
  const height = PLOT.top + PLOT.height + 60 + footer.length * 16;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`,
  ];
  for (const t of ticks(x0, x1, options.logX)) {
    const x = px(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${PLOT.top}" x2="${x}" y2="${PLOT.top + PLOT.height}" stroke="#ddd"/>`, `<text x="${x}" y="${PLOT.top + PLOT.height + 16}" text-anchor="middle">${label(t)}</text>`);
  }
  for (const t of ticks(y0, y1, options.logY)) {
    const y = py(t).toFixed(1);
    out.push(`<line x1="${PLOT.left}" y1="${y}" x2="${PLOT.left + PLOT.width}" y2="${y}" stroke="#ddd"/>`, `<text x="${PLOT.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${label(t)}</text>`);
  }
  out.push(
    `<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.width}" height="${PLOT.height}" fill="none" stroke="#333"/>`,
    `<text x="${PLOT.left + PLOT.width / 2}" y="${PLOT.top + PLOT.height + 36}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text transform="translate(18 ${PLOT.top + PLOT.height / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const color = COLORS[(s.color ?? i) % COLORS.length]!;
    const dash = DASHES[(s.dash ?? Math.floor(i / COLORS.length)) % DASHES.length]!;
    const points = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!options.logX || p.x > 0) && (!options.logY || p.y > 0));
    if (points.length > 1) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash === '' ? '' : ` stroke-dasharray="${dash}"`} points="${points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`);
    for (const p of points) out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${color}"/>`);
    const ly = PLOT.top + 8 + i * 18;
    const lx = PLOT.left + PLOT.width + 16;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${color}" stroke-width="2"${dash === '' ? '' : ` stroke-dasharray="${dash}"`}/>`, `<text x="${lx + 28}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name + (options.legendNote?.(s) ?? ''))}</text>`);
  });
  footer.forEach((line, i) => out.push(`<text x="12" y="${PLOT.top + PLOT.height + 58 + i * 16}" font-size="11" fill="#444">${escapeXml(line)}</text>`));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
