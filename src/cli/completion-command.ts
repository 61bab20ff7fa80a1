import type { Command } from 'commander';
import { completionCandidates, takesPath } from './completion-candidates.js';
import type { CompletionShell } from './completion-scripts.js';
import { completionScript } from './completion-scripts.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';

/** `phoenix completion SHELL`: prints the completion script (docs/cli.md has the install lines). */
export function runCompletion(shell: CompletionShell, program: Command, io: CliIo): number {
  const pathOptions = [...new Set(program.commands.flatMap((c) => c.options.filter(takesPath).map((o) => o.long!)))].sort();
  io.stdout(completionScript(shell, pathOptions));
  return EXIT.ok;
}

/** The hidden `phoenix __complete -- WORDS...` the scripts call: one candidate a line, always exit 0. */
export async function runComplete(words: readonly string[], program: Command, io: CliIo): Promise<number> {
  const candidates = await completionCandidates(program, words.length === 0 ? [''] : words, io);
  io.stdout(candidates.map((c) => `${c}\n`).join(''));
  return EXIT.ok;
}
