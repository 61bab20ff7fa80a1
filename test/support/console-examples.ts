/**
 * The runnable examples of a Markdown page: a ```console block right after an
 * `<!-- example: fixture=NAME [podman] -->` comment. Each `$ ` line of the block is a shell
 * command; the lines after it, up to the next `$ `, are what it printed (stdout and stderr
 * together), ending with `[exit N]` for a `phoenix` command or a command that failed.
 */
import { readFileSync } from 'node:fs';

/** One `$ command` of an example and what the page says it prints. */
export interface ConsoleStep {
  readonly command: string;
  /** The output lines as the page shows them, the `[exit N]` line included. */
  readonly expected: string;
}

/** One runnable example of a page. */
export interface ConsoleExample {
  /** 1-based line of the block's first line inside the fence, for messages. */
  readonly line: number;
  /** Folder under test/fixtures/troubleshooting/ the commands run in (a fresh copy). */
  readonly fixture: string;
  /** The example creates Podman objects: its project names are made unique and swept after. */
  readonly podman: boolean;
  readonly steps: readonly ConsoleStep[];
  /** 0-based index of the fence's opening and closing lines in the page. */
  readonly openLine: number;
  readonly closeLine: number;
}

const MARKER = /^<!-- example: fixture=([\w./-]+)((?:\s+\w+)*)\s*-->$/;

/** Every runnable example of the page at `file`, in page order. */
export function consoleExamples(file: string): ConsoleExample[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: ConsoleExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = MARKER.exec(lines[i]!);
    if (marker === null) continue;
    if (lines[i + 1] !== '```console') throw new Error(`${file}:${i + 2}: an example marker must be followed by a \`\`\`console block`);
    let close = i + 2;
    while (close < lines.length && lines[close] !== '```') close++;
    if (close >= lines.length) throw new Error(`${file}:${i + 2}: unclosed console block`);
    const body = lines.slice(i + 2, close);
    if (!body[0]?.startsWith('$ ')) throw new Error(`${file}:${i + 3}: a console block starts with a \`$ command\` line`);
    const steps: ConsoleStep[] = [];
    for (const line of body) {
      if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: '' });
      else {
        const last = steps[steps.length - 1]!;
        steps[steps.length - 1] = { command: last.command, expected: last.expected === '' ? line : `${last.expected}\n${line}` };
      }
    }
    const flags = marker[2]!.trim().split(/\s+/);
    out.push({ line: i + 3, fixture: marker[1]!, podman: flags.includes('podman'), steps, openLine: i + 1, closeLine: close });
    i = close;
  }
  return out;
}

/** The block body for steps and their actual outputs (the form `consoleExamples` reads). */
export function renderSteps(steps: readonly { readonly command: string; readonly output: string }[]): string[] {
  return steps.flatMap((step) => [`$ ${step.command}`, ...(step.output === '' ? [] : step.output.split('\n'))]);
}

/** The page's text with each example's block body replaced by `bodies` (same order as `consoleExamples`). */
export function rewriteExamples(text: string, examples: readonly ConsoleExample[], bodies: readonly string[][]): string {
  const lines = text.split('\n');
  for (let k = examples.length - 1; k >= 0; k--) {
    const example = examples[k]!;
    lines.splice(example.openLine + 1, example.closeLine - example.openLine - 1, ...bodies[k]!);
  }
  return lines.join('\n');
}
