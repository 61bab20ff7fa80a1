import path from 'node:path';
import type { ManifestIssue } from '../model/issue.js';
import type { ComposeDraft } from './compose-draft.js';
import type { ComposeFileContext, IncludeRef } from './compose-file.js';
import { parseDotenv } from './dotenv.js';

/**
 * The variables an included project interpolates with: its `env_file`s (default: `.env` in its
 * project directory, when it exists) give defaults, and the including environment's variables
 * win over them, as the Compose Specification says.
 */
export function includeLookup(include: IncludeRef, outer: (name: string) => string | undefined, ctx: ComposeFileContext): (name: string) => string | undefined {
  const explicit = include.envFiles !== undefined;
  const files = include.envFiles ?? [path.join(include.projectDir, '.env')];
  const values: Record<string, string> = {};
  for (const file of files) {
    const text = ctx.reader.readText(file);
    if (text === null) {
      if (explicit) ctx.report({ code: 'PHX-FILE-NOT-FOUND', severity: 'error', location: include.location, path: 'include', message: `env_file ${ctx.display(file)} of this include does not exist.`, remediation: 'Correct the path (it is relative to the project directory of the including file) or create the file.' });
      continue;
    }
    const parsed = parseDotenv(text);
    for (const problem of parsed.errors) {
      ctx.report({ code: 'PHX-ENV-FILE-SYNTAX', severity: 'error', location: { file: ctx.display(file), line: problem.line, column: problem.column }, path: '', message: problem.message, remediation: 'Write each line as KEY=VALUE; lines starting with # are comments.' });
    }
    for (const entry of parsed.entries) values[entry.key] = entry.value;
  }
  return (name) => outer(name) ?? values[name];
}

/** The resource sections of a draft: every map of named definitions it holds. */
function sections(draft: ComposeDraft): [string, Map<string, unknown>][] {
  return Object.entries(draft).filter((entry): entry is [string, Map<string, unknown>] => entry[1] instanceof Map);
}

/**
 * Copies an included project's services, networks, volumes and secrets (and any other section
 * of named definitions) into the including one. Compose does not merge them: a name defined on
 * both sides is PHX-INCLUDE-CONFLICT, unless both definitions are the same.
 */
export function importIncluded(into: ComposeDraft, included: ComposeDraft, include: IncludeRef, shownFile: string, report: (issue: ManifestIssue) => void): ComposeDraft {
  const out: Record<string, unknown> = { ...into };
  for (const [section, definitions] of sections(included)) {
    const target = new Map((into as unknown as Record<string, Map<string, unknown> | undefined>)[section] ?? []);
    for (const [name, definition] of definitions) {
      const existing = target.get(name);
      if (existing === undefined) {
        target.set(name, definition);
        continue;
      }
      if (comparable(existing) === comparable(definition)) continue;
      const where = locationOf(existing);
      report({
        code: 'PHX-INCLUDE-CONFLICT',
        severity: 'error',
        location: include.location,
        path: `${section}.${name}`,
        message: `the included ${shownFile} defines ${singular(section)} "${name}", which is already defined${where === null ? '' : ` at ${where}`} differently.`,
        remediation: `Rename one of them or define it on one side only: Compose does not merge included resources (to change an included service, use an overlay under compose: or extends).`,
      });
    }
    out[section] = target;
  }
  return out as unknown as ComposeDraft;
}

function singular(section: string): string {
  return section.endsWith('s') ? section.slice(0, -1) : section;
}

function locationOf(definition: unknown): string | null {
  const location = (definition as { location?: { file: string; line: number; column: number } }).location;
  return location === undefined ? null : `${location.file}:${location.line}:${location.column}`;
}

/** A definition as canonical text without where it was written: equal texts define the same thing. */
function comparable(definition: unknown): string {
  return JSON.stringify(definition, (key, value: unknown) => {
    if (key === 'location' || key === 'fieldLocations') return undefined;
    if (value instanceof Map) return [...value.entries()].sort(([a], [b]) => String(a).localeCompare(String(b)));
    if (value instanceof Set) return [...value].sort();
    return value;
  });
}
