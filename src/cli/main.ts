import { Argument, Command, CommanderError, Option } from 'commander';
import type { CliIo } from './io.js';
import { EXIT, processIo } from './io.js';
import { InputFileError } from '../manifest/bounded-read.js';
import type { ApplyOptions } from './apply-command.js';
import type { DoctorOptions } from './doctor-command.js';
import type { ConfigOptions } from './config-command.js';
import type { ExportOptions } from './export-command.js';
import type { DownOptions } from './down-command.js';
import type { EditorVscodeOptions } from './editor-command.js';
import type { InitOptions } from './init-command.js';
import type { ImageCommandOptions } from './image-commands.js';
import type { LogsOptions } from './logs-command.js';
import { withPlanningFlags } from './planning-flags.js';
import { withLockTimeout } from './lock-flags.js';
import { applyDefaultEnvironment } from './default-environment.js';
import { COMPLETION_SHELLS } from './completion-scripts.js';
import type { CompletionShell } from './completion-scripts.js';
import type { PlanCommandOptions } from './plan-command.js';
import type { RestartOptions } from './restart-command.js';
import type { EventsOptions } from './events-command.js';
import type { ShowOptions } from './show-command.js';
import type { ExecOptions } from './exec-command.js';
import type { PsOptions } from './ps-command.js';
import type { RunOptions } from './run-command.js';
import type { StopStartOptions } from './stop-start-command.js';
import type { StatusOptions } from './status-command.js';
import type { WatchOptions } from './watch-command.js';
import type { ValidateOptions } from './validate-command.js';
import type { HistoryOptions } from './history-command.js';
import type { RollbackOptions } from './rollback-command.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A command's words without the `--` that separates them from Phoenix's options (passThroughOptions keeps it). */
function afterSeparator(words: readonly string[]): string[] {
  return words[0] === '--' ? words.slice(1) : [...words];
}

/** -t/-T of exec and run: ask for a terminal, or refuse one (neither: a terminal when both ends are one). */
function withTtyFlags(command: Command): Command {
  return command.option('-t, --tty', 'allocate a pseudo-terminal').option('-T, --no-tty', 'do not allocate a pseudo-terminal (for scripts and pipes)');
}

function common(command: Command): Command {
  return command
    .option('--environments <dir>', 'folder holding <name>.yaml environment files (default: ./environments, or $PHOENIX_ENVIRONMENTS)')
    .option('--state-dir <dir>', "Phoenix's state directory, holding the secret digest key (default: $PHOENIX_STATE_DIR or ~/.local/state/phoenix)")
    .option('--profile <name>', "activate a Compose profile besides the environment's own (repeatable; '*' activates all; default: $COMPOSE_PROFILES, comma-separated)", collect);
}

/**
 * Runs the `phoenix` command line with the given arguments and returns its exit code.
 * The only place that prints: everything below returns values. Each command's module is
 * imported when that command runs: watch mode alone pulls in half of the ~380 modules, and
 * loading them was most of an unchanged apply's time.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('phoenix')
    .description('Declarative, self-healing reconciliation of Podman to per-environment manifests.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)')
    // Options after a command's arguments are the command's own for exec and run (passThroughOptions).
    .enablePositionalOptions();

  common(program.command('validate'))
    .description('Check environments (YAML, schema, variables, dependencies, ports, secrets, policy) without touching Podman.')
    .option('--env <name>', 'environment to validate (repeatable)', collect)
    .option('--all', 'validate every environment in the folder')
    .option('--json', 'print the result as JSON')
    .action(async (options: ValidateOptions) => {
      exitCode = await (await import('./validate-command.js')).runValidate(options, io);
    });

  common(program.command('config'))
    .description('Print the environment as Phoenix will apply it: merged, interpolated, every default explicit; secrets as digests, never values. Needs neither Podman nor secret values.')
    .argument('[services...]', 'only these services (default: all)')
    .requiredOption('--env <name>', 'environment')
    .addOption(new Option('--format <format>', 'yaml or json (default yaml)').choices(['yaml', 'json']))
    .option('--services', 'print the service names only, one a line')
    .action(async (services: string[], options: ConfigOptions) => {
      exitCode = await (await import('./config-command.js')).runConfig(services, options, io);
    });

  common(program.command('export'))
    .description('Write the environment as Kubernetes objects (docs/kubernetes.md): a YAML stream on stdout, or one file per object with --out. Needs no Podman; secret values only with --include-secret-values.')
    .requiredOption('--env <name>', 'environment')
    .addOption(new Option('--format <format>', 'output format').choices(['kubernetes']).makeOptionMandatory())
    .option('--out <dir>', 'write one file per object (and a kustomization.yaml) into this folder instead of stdout')
    .addOption(new Option('--target <target>', 'cluster (a Kubernetes cluster, default) or podman (what podman kube play plays)').choices(['cluster', 'podman']))
    .option('--include-secret-values', 'write Secret objects with the secret values (read from the same sources as apply); without it Secrets are referenced by name only')
    .option('--json', 'print the objects (or the files written), the warnings and the Secrets to create as JSON')
    .action(async (options: ExportOptions) => {
      exitCode = await (await import('./export-command.js')).runExport(options, io);
    });

  common(program.command('init'))
    .description('Write environments/<env>.yaml for an existing compose project (its .env, secret sources, the policy it needs), then validate it.')
    .requiredOption('--from <file>', 'the compose file to start from, e.g. docker-compose.yml')
    .option('--env <name>', 'environment name: the file written is <environments>/<name>.yaml (default dev)')
    .option('--project <name>', "project name (default: the compose file's name:, else its folder's name as Compose derives it)")
    .option('--force', 'replace an existing environment file (never done without it)')
    .action(async (options: InitOptions) => {
      exitCode = (await import('./init-command.js')).runInit(options, io);
    });

  withPlanningFlags(common(program.command('plan')))
    .description('Show what apply would do: the dry-run diff between the manifests and Podman.')
    .requiredOption('--env <name>', 'environment to plan')
    .option('--observed <file>', 'plan against a saved Podman snapshot (JSON) instead of live Podman')
    .option('--json', 'print the plan as JSON (format version 1)')
    .option('--out <file>', 'also save the plan as JSON to this file')
    .option('--detailed-exitcode', 'exit 0 when there is nothing to do, 2 when there are changes, 1 on error')
    .action(async (options: PlanCommandOptions) => {
      exitCode = await (await import('./plan-command.js')).runPlan(options, io);
    });

  withLockTimeout(withPlanningFlags(common(program.command('apply'))))
    .description('Converge Podman to the manifests: plan, then carry the plan out.')
    .requiredOption('--env <name>', 'environment to apply')
    .option('--plan <file>', 'apply exactly this saved plan (phoenix plan --out); refused when Podman changed since')
    .option('-y, --yes', 'carry out destructive steps (removals, recreating a service with a named volume) without asking')
    .option('--concurrency <n>', 'actions in flight at once (default 4)')
    .option('--wait-timeout <duration>', 'longest wait for a dependency to start, become healthy or complete, and with --wait for the rollout (default 2m)')
    .option('--wait', 'return only when every service the apply touched is healthy (or running, without a health check); fail naming each that is not')
    .option('--json', 'print the result as JSON instead of progress lines')
    .action(async (options: ApplyOptions) => {
      exitCode = await (await import('./apply-command.js')).runApply(options, io);
    });

  withLockTimeout(common(program.command('build')))
    .description("Build the images of the named services that have build: (all when none is named), without touching containers; the next apply recreates those whose image changed.")
    .argument('[services...]', 'services whose images to build')
    .requiredOption('--env <name>', 'environment')
    .option('--no-cache', 'build without the layer cache')
    .option('--json', 'print the result as JSON')
    .action(async (services: string[], options: ImageCommandOptions & { cache?: boolean }) => {
      exitCode = await (await import('./image-commands.js')).runImageCommand('build', services, { ...options, noCache: options.cache === false }, io);
    });

  withLockTimeout(common(program.command('pull')))
    .description('Pull the images of the named services (all when none is named), except images Phoenix builds and pull_policy: never; the next apply recreates containers whose image changed.')
    .argument('[services...]', 'services whose images to pull')
    .requiredOption('--env <name>', 'environment')
    .option('--json', 'print the result as JSON')
    .action(async (services: string[], options: ImageCommandOptions) => {
      exitCode = await (await import('./image-commands.js')).runImageCommand('pull', services, options, io);
    });

  program
    .command('show')
    .description('Show a saved plan (phoenix plan --out) as the plan text, without touching Podman or checking its signature.')
    .argument('<planfile>', 'the plan file')
    .option('--json', 'print the plan as JSON (format version 1, without the signature) instead of the text report')
    .action(async (planFile: string, options: ShowOptions) => {
      exitCode = (await import('./show-command.js')).runShow(planFile, options, io);
    });

  common(program.command('status'))
    .description('Each service: desired vs observed, state, health (checked now), config in sync or drifted, restarts, revision. Exit 0 when converged.')
    .requiredOption('--env <name>', 'environment')
    .option('--json', 'print as JSON')
    .action(async (options: StatusOptions) => {
      exitCode = await (await import('./status-command.js')).runStatus(options, io);
    });

  withLockTimeout(common(program.command('down')))
    .description('Remove everything the environment owns; named volumes only with --volumes.')
    .requiredOption('--env <name>', 'environment')
    .option('--volumes', 'also remove its named volumes (their data is lost)')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print the result as JSON')
    .action(async (options: DownOptions) => {
      exitCode = await (await import('./down-command.js')).runDown(options, io);
    });

  withLockTimeout(common(program.command('restart')))
    .description('Stop and start the containers of the named services (all when none), in dependency order.')
    .argument('[services...]', 'services to restart')
    .requiredOption('--env <name>', 'environment')
    .option('--json', 'print the result as JSON')
    .action(async (services: string[], options: RestartOptions) => {
      exitCode = await (await import('./restart-command.js')).runRestart(services, options, io);
    });

  common(program.command('ps'))
    .description('One line per container of the environment (replicas and one-off jobs): state, health (checked now), uptime, restarts, published ports, image.')
    .requiredOption('--env <name>', 'environment')
    .option('--json', 'print as JSON')
    .action(async (options: PsOptions) => {
      exitCode = await (await import('./ps-command.js')).runPs(options, io);
    });

  // exec and run take the command after the service: options after it belong to the command (flags go before SERVICE).
  withTtyFlags(common(program.command('exec')))
    .description("Run a command in the running container of a service (replica 1 unless --replica); exits with the command's exit code.")
    .argument('<service>', 'the service')
    .argument('[command...]', 'the command and its arguments (after --)')
    .requiredOption('--env <name>', 'environment')
    .option('--replica <n>', 'which replica (default 1)')
    .option('-u, --user <user>', 'run as this user (name or uid[:gid])')
    .option('-w, --workdir <dir>', 'working directory in the container')
    .option('-e, --env-var <NAME=VALUE>', 'set an environment variable for the command (repeatable)', collect)
    .passThroughOptions()
    .action(async (service: string, command: string[], options: ExecOptions) => {
      exitCode = await (await import('./exec-command.js')).runExec(service, afterSeparator(command), options, io);
    });

  withTtyFlags(common(program.command('run')))
    .description("Run a one-off job (e.g. a migration) in a new container with the service's config; removed afterwards unless --no-rm. Exits with the job's exit code.")
    .argument('<service>', 'the service whose config the job takes')
    .argument('[command...]', "the command and its arguments (after --; default: the service's command)")
    .requiredOption('--env <name>', 'environment')
    .option('--rm', 'remove the container when the job ends (the default)')
    .option('--no-rm', 'keep the container when the job ends (phoenix down removes it)')
    .option('--no-deps', 'run even when the services it depends on are not up')
    .option('-u, --user <user>', 'run as this user instead of the service\'s')
    .option('-w, --workdir <dir>', "working directory instead of the service's")
    .option('-e, --env-var <NAME=VALUE>', 'set an environment variable over the service\'s (repeatable)', collect)
    .passThroughOptions()
    .action(async (service: string, command: string[], options: RunOptions) => {
      exitCode = await (await import('./run-command.js')).runOneOff(service, afterSeparator(command), options, io);
    });

  withLockTimeout(common(program.command('stop')))
    .description('Stop the containers of the named services (all when none), dependents first, without removing them; apply and watch keep them stopped until phoenix start.')
    .argument('[services...]', 'services to stop')
    .requiredOption('--env <name>', 'environment')
    .option('--json', 'print the result as JSON')
    .action(async (services: string[], options: StopStartOptions) => {
      exitCode = await (await import('./stop-start-command.js')).runStopStart('stop', services, options, io);
    });

  withLockTimeout(common(program.command('start')))
    .description('Start the stopped containers of the named services and of what they depend on (all when none), dependencies first.')
    .argument('[services...]', 'services to start')
    .requiredOption('--env <name>', 'environment')
    .option('--json', 'print the result as JSON')
    .action(async (services: string[], options: StopStartOptions) => {
      exitCode = await (await import('./stop-start-command.js')).runStopStart('start', services, options, io);
    });

  common(program.command('logs'))
    .description("The services' logs, interleaved, each line prefixed by its container.")
    .argument('[services...]', 'services (default: all)')
    .requiredOption('--env <name>', 'environment')
    .option('-f, --follow', 'keep streaming until interrupted, following each replica across recreates and restarts')
    .option('--tail <n>', 'only the last n lines of each container')
    .option('--since <when>', 'only lines since a duration ago (10m, 1h30m) or a time (2026-12-04T18:00:00Z, 2026-12-04, Unix seconds)')
    .option('-t, --timestamps', "show the time Podman logged each line at (RFC 3339, nanoseconds)")
    .action(async (services: string[], options: LogsOptions) => {
      exitCode = await (await import('./logs-command.js')).runLogs(services, options, io);
    });

  common(program.command('events'))
    .description("Follow the environment's event stream, filtered: the recent events from the event log watch writes, and with -f the live ones from a running watch.")
    .requiredOption('--env <name>', 'environment')
    .option('--type <pattern>', 'only events of this kind; * is a wildcard (reconcile.failed, container.*, *.failed; repeatable, comma-separated)', collect)
    .option('--severity <level>', 'only events of this severity (critical, high, medium, low, info), or this one and above with + (high+); repeatable, comma-separated', collect)
    .option('--service <name>', 'only events about this service (repeatable, comma-separated)', collect)
    .option('--json', 'print each event as its CloudEvents JSON, one a line')
    .option('-f, --follow', "keep following: a running watch's /events stream and the event log, until interrupted")
    .option('--tail <n>', 'how many recent events to show first (default 20)')
    .option('--since <when>', 'only events since a duration ago (10m, 1h30m) or a time (2026-12-04T18:00:00Z, 2026-12-04)')
    .option('--file <path>', "the event log to read (default: the environment's policy.events.file; e.g. watch's --events-file)")
    .option('--url <url>', "the watch to follow (default: the environment's telemetry address, policy.telemetry.listen, else http://127.0.0.1:9464)")
    .action(async (options: EventsOptions) => {
      exitCode = await (await import('./events-command.js')).runEvents(options, io);
    });

  common(program.command('history'))
    .description('The revisions of an environment: every apply, watch reconcile and rollback that changed something, with its trigger, result and health verdict.')
    .requiredOption('--env <name>', 'environment')
    .option('--json', 'print as JSON')
    .action(async (options: HistoryOptions) => {
      exitCode = (await import('./history-command.js')).runHistory(options, io);
    });

  withLockTimeout(withPlanningFlags(common(program.command('rollback'))))
    .description('Apply a revision from the history again, without the manifests (default: the last healthy one before the current), and wait for its rollout.')
    .requiredOption('--env <name>', 'environment')
    .option('--to <n>', 'the revision to go back to (phoenix history lists them)')
    .option('--dry-run', 'show the plan and stop; nothing is changed')
    .option('-y, --yes', 'carry out destructive steps without asking')
    .option('--concurrency <n>', 'actions in flight at once (default 4)')
    .option('--wait-timeout <duration>', "longest wait for the rollout (default: the revision's policy.rollout.timeout, else 2m)")
    .option('--json', 'print the result as JSON instead of progress lines')
    .action(async (options: RollbackOptions) => {
      exitCode = await (await import('./rollback-command.js')).runRollback(options, io);
    });

  const editor = program.command('editor').description('Set up an editor for the environments: tasks, schemas, YAML tags.');
  common(editor.command('vscode'))
    .description('Write or merge .vscode/tasks.json (validate, plan, apply, watch, status, restart/logs of a service), settings.json (YAML schemas and tags) and extensions.json; your own entries are kept.')
    .option('--command <cmd>', 'how the tasks run Phoenix (default: npx, the checkout\'s bin/phoenix.js, or phoenix on PATH)')
    .action(async (options: EditorVscodeOptions) => {
      exitCode = (await import('./editor-command.js')).runEditorVscode(options, io);
    });

  withLockTimeout(common(program.command('watch')))
    .description('Converge, then keep converged: react to manifest edits, git commits, Podman events and failing health checks until SIGINT/SIGTERM.')
    .option('--env <name>', 'environment to watch (repeatable)', collect)
    .option('--git', 'apply the newest commit of a branch of the git working tree holding the environments, not the files on disk')
    .option('--branch <name>', 'the branch (or revision) to follow with --git (default HEAD)')
    .option('--git-poll <duration>', 'how often to look for new commits (default 30s)')
    .option('--listen <host:port>', "telemetry address (default: the policy's, else 127.0.0.1:9464)")
    .option('--events-file <path>', 'also append every event as a JSON line to this file (rotated)')
    .option('--webhook <url>', 'also POST every event to this URL (repeatable)', collect)
    .option('--log-file <path>', 'also write JSON logs to this file (rotated)')
    .option('--log-level <level>', 'trace, debug, info, warn, error, fatal, silent (default info; debug also prints reconciles that changed nothing)')
    .option('--log-format <format>', 'text: one line per decision, for people (default, on a terminal and in a pipe); json: pino JSON lines, for machines')
    .option('--rekey', "accept this state directory's secret-digest key although Podman's secrets were made with another (new secret versions, consumers recreated)")
    .option('--print-page-url', "print the status page's address with the API token in its fragment (#token=…, never sent to the server), to open the page signed in; the token then is in the terminal's output")
    .action(async (options: WatchOptions) => {
      exitCode = await (await import('./watch-command.js')).runWatch(options, io);
    });

  program
    .command('doctor')
    .description('Check this host for Phoenix as this user: Podman, rootless set-up (subuid/subgid, /dev/net/tun, runtime dir), cgroups, storage, containers.conf fix, health timers, lingering, the state directory. Exit 1 on a blocking problem.')
    .option('--state-dir <dir>', "Phoenix's state directory to check (default: $PHOENIX_STATE_DIR or ~/.local/state/phoenix)")
    .option('--json', 'print the checks as JSON')
    .action(async (options: DoctorOptions) => {
      exitCode = await (await import('./doctor-command.js')).runDoctor(options, io);
    });

  program
    .command('completion')
    .description('Print the shell completion script for bash, zsh or fish: commands, options, environment and service names (docs/cli.md has the install lines).')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(COMPLETION_SHELLS))
    .action(async (shell: CompletionShell) => {
      exitCode = (await import('./completion-command.js')).runCompletion(shell, program, io);
    });

  // What the completion scripts call with the words up to the cursor; not for people.
  program
    .command('__complete', { hidden: true })
    .argument('[words...]')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (words: string[]) => {
      exitCode = await (await import('./completion-command.js')).runComplete(words, program, io);
    });

  // Last, so that it covers every command registered above.
  applyDefaultEnvironment(program, io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.failure;
    }
    // A refused input file outside a load (the environments folder, a secret read at apply).
    if (error instanceof InputFileError) {
      io.stderr(`phoenix: error ${error.code}: ${error.message} ${error.remediation}\n`);
      return EXIT.failure;
    }
    io.stderr(`phoenix: internal error: ${(error as Error).stack ?? String(error)}\nPlease report this with the command you ran.\n`);
    return EXIT.failure;
  }
  return exitCode;
}
