import { randomBytes } from 'node:crypto';
import type { Command, Option } from 'commander';
import { SecretDigester } from '../model/hash.js';
import { defaultEnvironment } from './default-environment.js';
import type { EnvironmentOptions } from './environment-loading.js';
import { allEnvironments, loadFromDisk } from './environment-loading.js';
import type { CliIo } from './io.js';

/** Options whose value is a file or folder: the shell completes those itself. */
export function takesPath(option: Option): boolean {
  return /<(file|dir|path)>/.test(option.flags);
}

/** Whether the option takes a value (`--env <name>`), as opposed to a flag (`--json`). */
function takesValue(option: Option): boolean {
  return option.required || option.optional;
}

function visibleCommands(program: Command): Command[] {
  // `_hidden` is commander's own field for `{ hidden: true }`; it has no public getter.
  return program.commands.filter((c) => (c as unknown as { _hidden?: boolean })._hidden !== true);
}

function findOption(command: Command, word: string): Option | undefined {
  return command.options.find((o) => o.long === word || o.short === word);
}

/** The value given to an option among the words (the last one, as commander takes it). */
function valueOf(words: readonly string[], long: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < words.length - 1; i++) if (words[i] === long) value = words[i + 1];
  return value;
}

/** The services of the environment the words name (or the default one); [] when it cannot be loaded. */
async function serviceNames(words: readonly string[], io: CliIo): Promise<string[]> {
  const environments = valueOf(words, '--environments');
  const profiles = words.flatMap((word, i) => (words[i - 1] === '--profile' ? [word] : []));
  const options: EnvironmentOptions = { ...(environments === undefined ? {} : { environments }), ...(profiles.length === 0 ? {} : { profile: profiles }) };
  const env = valueOf(words, '--env') ?? (await defaultEnvironment(options, io));
  const name = typeof env === 'string' ? env : env.ok ? env.name : null;
  if (name === null) return [];
  // No digest is shown: a throwaway key, so that completing creates no key in the state directory.
  const loaded = loadFromDisk(name, options, io, 'if-available', new SecretDigester(randomBytes(32)));
  return loaded.ok ? loaded.desired.services.map((s) => s.name) : [];
}

/**
 * What may come next on a `phoenix` command line, for shell completion: `words` are the words
 * after `phoenix` up to the cursor, the last one being the word being completed (possibly
 * empty). Commands first; then, for a command, its options, an option's value (environment
 * names for `--env`, the choices of an option that has them) or its arguments (service names of
 * the environment named by `--env`, or the default one). Nothing for a path (the shell
 * completes files) or when nothing fits. Never throws: a completion must not print errors.
 */
export async function completionCandidates(program: Command, words: readonly string[], io: CliIo): Promise<string[]> {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const startsWith = (candidates: readonly string[]): string[] => candidates.filter((c) => c.startsWith(current));
  // The command the words name, through subcommands (`editor vscode`).
  let command = program;
  let depth = 0;
  for (let sub = visibleCommands(command).find((c) => c.name() === before[depth]); sub !== undefined; sub = visibleCommands(command).find((c) => c.name() === before[depth])) {
    command = sub;
    depth += 1;
  }
  if (depth < before.length && command === program) return [];
  if (depth === before.length && visibleCommands(command).length > 0) return startsWith(visibleCommands(command).map((c) => c.name()));
  const previous = findOption(command, before.at(-1)!);
  try {
    if (previous !== undefined && takesValue(previous) && before.length > depth) {
      if (previous.long === '--env') return startsWith(allEnvironments({ ...(valueOf(before, '--environments') === undefined ? {} : { environments: valueOf(before, '--environments')! }) }, io));
      return startsWith(previous.argChoices ?? []);
    }
    if (current.startsWith('-')) return startsWith([...command.options.filter((o) => !o.hidden && o.long !== undefined).map((o) => o.long!), '--help']);
    // The positional words typed so far (options and their values left out) say which argument this is.
    const positionals: string[] = [];
    for (let i = depth; i < before.length; i++) {
      const option = findOption(command, before[i]!);
      if (option !== undefined && takesValue(option)) i += 1;
      else if (!before[i]!.startsWith('-')) positionals.push(before[i]!);
    }
    const args = command.registeredArguments;
    const argument = args[Math.min(positionals.length, args.length - 1)];
    if (argument === undefined || (positionals.length >= args.length && !argument.variadic)) return [];
    if (argument.argChoices !== undefined) return startsWith(argument.argChoices);
    // `[services...]` (logs, restart, ...) takes each service once; `<service>` (exec, run) one.
    if (argument.name() === 'services' || argument.name() === 'service') {
      const typed = new Set(positionals);
      return startsWith((await serviceNames(before, io)).filter((name) => !typed.has(name)));
    }
  } catch {
    // An unreadable folder or a broken environment: nothing to offer.
  }
  return [];
}
