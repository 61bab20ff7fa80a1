import { readFileSync } from 'node:fs';

/** A ```yaml block of a Markdown file, dedented, with where it starts. */
export interface DocYamlExample {
  readonly file: string;
  /** 1-based line of the block's first line of YAML in the Markdown file. */
  readonly line: number;
  readonly text: string;
  /** Which schema the example is written against. */
  readonly kind: 'environment' | 'compose';
}

/** Top-level keys only an environment file has (`secrets` and `x-` keys are in both). */
const ENVIRONMENT_KEYS = new Set(['project', 'compose', 'profiles', 'dotenv', 'variables', 'policy']);
/** Top-level keys of a Compose file. */
const COMPOSE_KEYS = new Set(['services', 'networks', 'volumes', 'secrets', 'configs', 'include', 'name', 'version']);

/**
 * Every ```yaml block of a Markdown file that is a Phoenix manifest (its top-level keys are an
 * environment file's or a Compose file's). A block is an environment-file example when it uses an
 * environment-only key or stands in the section `environmentSection` names (docs/manifest.md's
 * "The environment file", where a block may hold only `secrets:`); otherwise a Compose example.
 */
export function docYamlExamples(file: string, environmentSection?: string): DocYamlExample[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: DocYamlExample[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const heading = /^## (.*)$/.exec(lines[i]!);
    if (heading !== null) section = heading[1]!;
    const fence = /^(\s*)```ya?ml\s*$/.exec(lines[i]!);
    if (fence === null) continue;
    const indent = fence[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    const text = `${body.join('\n')}\n`;
    const keys = body.map((line) => /^([A-Za-z_][\w.-]*):/.exec(line)?.[1]).filter((key): key is string => key !== undefined);
    const own = keys.filter((key) => !key.startsWith('x-'));
    const environment = own.some((key) => ENVIRONMENT_KEYS.has(key)) || (environmentSection !== undefined && section === environmentSection);
    // YAML of another tool (a CI workflow, a Prometheus rule) is no manifest example.
    const manifest = own.every((key) => ENVIRONMENT_KEYS.has(key) || COMPOSE_KEYS.has(key));
    if (manifest) out.push({ file, line: i + 2, text, kind: environment ? 'environment' : 'compose' });
    i = j;
  }
  return out;
}

/**
 * An environment-file fragment made a whole file: the two required keys it leaves out are
 * appended at the end (so that the example's own lines keep their numbers).
 */
export function completeEnvironmentExample(text: string): string {
  let out = text;
  if (!/^project:/m.test(out)) out += 'project: docs-example\n';
  if (!/^compose:/m.test(out)) out += 'compose: [compose.yaml]\n';
  return out;
}
