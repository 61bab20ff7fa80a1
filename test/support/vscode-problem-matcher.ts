/**
 * A test double of VS Code's problem matcher (src/vs/workbench/contrib/tasks/common/
 * problemMatcher.ts), for the single-line matchers Phoenix writes: it applies a matcher's
 * regexp and group indices to output lines as VS Code does (ANSI colours removed first,
 * severity words mapped the way VS Code maps them, `fileLocation` resolved), and follows a
 * background matcher's begin/end patterns. VS Code itself is not run in the tests.
 */
import path from 'node:path';

/** A problem as VS Code would show it in the Problems view. */
export interface MatchedProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: string;
  readonly message: string;
}

interface PatternJson {
  readonly regexp: string;
  readonly file: number;
  readonly line: number;
  readonly column: number;
  readonly severity: number;
  readonly code: number;
  readonly message: number;
}

/** The shape of the problem matchers in the tasks.json Phoenix writes. */
export interface ProblemMatcherJson {
  readonly owner: string;
  readonly fileLocation: string | readonly string[];
  readonly pattern: PatternJson;
  readonly background?: { readonly activeBegin?: boolean; readonly beginsPattern: string; readonly endsPattern: string };
}

// VS Code's strings.removeAnsiEscapeCodes.
// eslint-disable-next-line no-control-regex
const ANSI = /(?:\u001B\[|\u009B)[=?>!]?[\d;:]*["$#'* ]?[a-zA-Z@^`{}|~]|\u001B[()#][0-9A-Za-z]|\u001B[78=>c]/g;

/** Removes terminal colour and cursor codes, as VS Code does before matching. */
export function withoutAnsi(line: string): string {
  return line.replace(ANSI, '').replace(/\r$/, '');
}

/** VS Code's Severity.fromValue plus the fallbacks of AbstractLineMatcher.getMarkerSeverity. */
function severityOf(value: string | undefined): MatchedProblem['severity'] {
  const word = (value ?? '').toLowerCase();
  if (word === 'error' || value === 'E') return 'error';
  if (word === 'warning' || word === 'warn' || value === 'W') return 'warning';
  if (word === 'info' || value === 'I' || word === 'hint' || word === 'note') return 'info';
  return 'error'; // the matcher's default severity, which Phoenix's matchers leave unset
}

function resolveFile(fileLocation: ProblemMatcherJson['fileLocation'], file: string, workspaceFolder: string): string {
  const [kind, base = '${workspaceFolder}'] = typeof fileLocation === 'string' ? [fileLocation] : fileLocation;
  const folder = base.replace('${workspaceFolder}', workspaceFolder);
  if (kind === 'absolute') return file;
  if (kind === 'relative') return path.join(folder, file);
  // autoDetect: an absolute path as it is, else relative to the folder.
  return path.isAbsolute(file) ? file : path.join(folder, file);
}

/** The problems a matcher finds in some output. */
export function matchProblems(matcher: ProblemMatcherJson, output: string, workspaceFolder: string): MatchedProblem[] {
  const regexp = new RegExp(matcher.pattern.regexp);
  const out: MatchedProblem[] = [];
  for (const raw of output.split('\n')) {
    const match = regexp.exec(withoutAnsi(raw));
    if (match === null) continue;
    const group = (index: number): string => match[index] ?? '';
    out.push({
      file: resolveFile(matcher.fileLocation, group(matcher.pattern.file), workspaceFolder),
      line: Number(group(matcher.pattern.line)),
      column: Number(group(matcher.pattern.column)),
      severity: severityOf(match[matcher.pattern.severity]),
      code: group(matcher.pattern.code),
      message: group(matcher.pattern.message),
    });
  }
  return out;
}

/** How many lines of some output begin and end a background task's cycle. */
export function backgroundCycles(matcher: ProblemMatcherJson, output: string): { begins: number; ends: number; lines: string[] } {
  if (matcher.background === undefined) throw new Error('not a background matcher');
  const begins = new RegExp(matcher.background.beginsPattern);
  const ends = new RegExp(matcher.background.endsPattern);
  const lines = output.split('\n').map(withoutAnsi);
  return { begins: lines.filter((l) => begins.test(l)).length, ends: lines.filter((l) => ends.test(l)).length, lines: lines.filter((l) => ends.test(l)) };
}
