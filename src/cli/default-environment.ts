import type { Command } from 'commander';
import { CommanderError } from 'commander';
import type { EnvironmentOptions } from './environment-loading.js';
import type { CliIo } from './io.js';

/** The environment a command acts on without `--env`, or why there is none. */
export type DefaultEnvironment = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly message: string };

/**
 * The environment meant when `--env` is not given: `$PHOENIX_ENV` when set, else the only
 * environment in the environments folder. With none or several, a message that lists them.
 */
export async function defaultEnvironment(options: EnvironmentOptions, io: CliIo): Promise<DefaultEnvironment> {
  const fromVariable = io.env.PHOENIX_ENV;
  if (fromVariable !== undefined && fromVariable !== '') return { ok: true, name: fromVariable };
  // Imported here: main.ts registers this for every command, and the loader is most of the modules.
  const { allEnvironments, environmentsDir } = await import('./environment-loading.js');
  const dir = environmentsDir(options, io);
  let names: string[];
  try {
    names = allEnvironments(options, io);
  } catch {
    // An unreadable folder holds no environment this command could use; say where it looked.
    names = [];
  }
  if (names.length === 1) return { ok: true, name: names[0]! };
  const which = names.length === 0 ? `${dir} holds no environment (<name>.yaml)` : `${dir} holds ${names.length}: ${names.join(', ')}`;
  return { ok: false, message: `no environment given, and ${which}. Pass --env NAME, or set PHOENIX_ENV=NAME.` };
}

/** Commands whose `--env` names something new rather than an environment to act on. */
const NOT_SELECTING = new Set(['init']);

/**
 * Makes `--env` optional on every command of `program` that takes it (registered as a
 * required option or not) and, before such a command runs without it, fills it in with
 * {@link defaultEnvironment}; a command whose `--env` is repeatable gets a one-element list,
 * and one given `--all` is left alone. Without a default it fails with the message, exit 1.
 * Call once, after every command is registered: commands added later by anyone get it too.
 */
export function applyDefaultEnvironment(program: Command, io: CliIo): void {
  const repeatable = new Set<Command>();
  for (const command of program.commands) {
    const option = command.options.find((o) => o.long === '--env');
    if (option === undefined || NOT_SELECTING.has(command.name())) continue;
    // A repeatable --env (validate, watch) collects into a list: its parser returns one.
    if (Array.isArray(option.parseArg?.('probe', undefined))) repeatable.add(command);
    option.makeOptionMandatory(false);
    option.description = `${option.description} (default: $PHOENIX_ENV, else the only environment in the folder)`;
  }
  program.hook('preAction', async (_program, command) => {
    if (NOT_SELECTING.has(command.name()) || !command.options.some((o) => o.long === '--env')) return;
    const options = command.opts<EnvironmentOptions & { env?: string | string[]; all?: boolean }>();
    if (options.env !== undefined || options.all === true) return;
    const chosen = await defaultEnvironment(options, io);
    if (!chosen.ok) {
      io.stderr(`phoenix ${command.name()}: ${chosen.message}\n`);
      throw new CommanderError(1, 'phoenix.noEnvironment', chosen.message);
    }
    command.setOptionValueWithSource('env', repeatable.has(command) ? [chosen.name] : chosen.name, 'default');
  });
}
