/**
 * A strict-enough reader of the Prometheus text exposition format (0.0.4) for tests: every
 * line must be a HELP, a TYPE or a sample, and every sample must belong to a declared TYPE.
 */

/** One sample line. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The parsed exposition. */
export interface Exposition {
  /** Metric family name → type. */
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: \\d+)?$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/g;
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const HELP = new RegExp(`^# HELP (${NAME}) .*$`);

function family(name: string, types: ReadonlyMap<string, string>): string | undefined {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count|created|total)$/, '');
  return types.has(base) ? base : undefined;
}

/** Parses the text; throws on any line that is not valid exposition format. */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = TYPE.exec(line);
    if (type !== null) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (HELP.test(line)) continue;
    const sample = SAMPLE.exec(line);
    if (sample === null) throw new Error(`not a valid exposition line: ${line}`);
    const [, name, labelText, valueText] = sample;
    if (family(name!, types) === undefined) throw new Error(`sample without a TYPE: ${line}`);
    const labels: Record<string, string> = {};
    for (const match of (labelText ?? '').matchAll(LABEL)) labels[match[1]!] = match[2]!;
    // Prometheus parses values with Go's ParseFloat: NaN and Inf in any case (prom-client writes `Nan`).
    const special: Record<string, number> = { nan: NaN, '+inf': Infinity, inf: Infinity, '-inf': -Infinity };
    const value = special[valueText!.toLowerCase()] ?? Number(valueText);
    if (Number.isNaN(value) && valueText!.toLowerCase() !== 'nan') throw new Error(`bad value: ${line}`);
    samples.push({ name: name!, labels, value });
  }
  return { types, samples };
}

/** The value of the one sample with that name and (at least) those labels, or undefined. */
export function valueOf(exposition: Exposition, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const found = exposition.samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
