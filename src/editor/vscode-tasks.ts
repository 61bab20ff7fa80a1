/**
 * The VS Code tasks `phoenix editor vscode` writes: validate (with a problem matcher for
 * `phoenix validate`'s lines), plan, apply (confirmed through a pick list), watch (a background
 * task whose begin/end patterns follow watch's decision lines), restart and logs of a service
 * picked from the environments' services, and status. Pure: the CLI gathers the environments
 * and writes the files.
 */

/** An environment as the tasks offer it: its name and its services. */
export interface TaskEnvironment {
  readonly name: string;
  readonly services: readonly string[];
}

/** What the tasks are made from. */
export interface TaskContext {
  /** How a shell in the workspace runs Phoenix, e.g. `phoenix` or `node bin/phoenix.js`. */
  readonly phoenix: string;
  /** `--environments DIR` when the folder is not ./environments (relative to the workspace). */
  readonly environmentsArgument: string;
  readonly environments: readonly TaskEnvironment[];
}

/**
 * One line of `phoenix validate` (and of plan/apply when the manifests are invalid), as
 * src/model/issue.ts formatIssue writes it: `FILE:LINE:COL SEVERITY CODE [PATH:] MESSAGE`.
 * Groups: 1 file, 2 line, 3 column, 4 severity (error, warning or note, which VS Code shows as
 * info), 5 code, 6 message.
 */
export const ISSUE_LINE_PATTERN = String.raw`^(.+?):(\d+):(\d+) (error|warning|note) (PHX-[A-Z0-9-]+) (.*)$`;

/**
 * The line `phoenix watch` prints when a reconcile ends, one line per decision (docs/cli.md):
 * `DATE TIME ENV  TRIGGER · … · ok in 1.2 s|nothing to do|FAILED in 3 s: … · VERDICT`. Watch
 * prints no line when a reconcile starts, so this line both begins and ends a cycle for VS
 * Code: the background task is busy until watch's first converge ends, and every decision
 * after it refreshes the problems. (A reconcile that changes nothing prints no line at the
 * default level, and is no cycle.)
 */
export const WATCH_CYCLE_PATTERN = String.raw`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \S+ +.* · (ok in |nothing to do|FAILED in )`;

/** The label every task Phoenix writes starts with: how a re-run finds its own tasks. */
export const TASK_LABEL_PREFIX = 'phoenix: ';

/** The ids of the inputs Phoenix writes (VS Code's `${input:ID}`). */
export const INPUT_IDS = { environment: 'phoenixEnvironment', service: 'phoenixService', confirmApply: 'phoenixConfirmApply' } as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The problem matcher of `phoenix validate`'s lines; paths are relative to the workspace or absolute. */
export function issueProblemMatcher(): JsonObject {
  return {
    owner: 'phoenix',
    source: 'phoenix',
    fileLocation: ['autoDetect', '${workspaceFolder}'],
    pattern: { regexp: ISSUE_LINE_PATTERN, file: 1, line: 2, column: 3, severity: 4, code: 5, message: 6 },
  };
}

/** The watch task's matcher: issue lines, and a background cycle per decision line. */
export function watchProblemMatcher(): JsonObject {
  return {
    ...issueProblemMatcher(),
    background: { activeBegin: true, beginsPattern: WATCH_CYCLE_PATTERN, endsPattern: WATCH_CYCLE_PATTERN },
  };
}

/** A word for /bin/sh: as it is when it is plain (names, most paths), else single-quoted. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function task(label: string, command: string, extra: JsonObject = {}): JsonObject {
  return {
    label: `${TASK_LABEL_PREFIX}${label}`,
    type: 'shell',
    command,
    // A POSIX shell whatever the user's terminal shell is: the apply task's confirmation is sh.
    options: { cwd: '${workspaceFolder}', shell: { executable: '/bin/sh', args: ['-c'] } },
    problemMatcher: [],
    presentation: { reveal: 'always', panel: 'dedicated', clear: true },
    ...extra,
  };
}

/** The tasks, in the order the Run Task list shows them. */
export function phoenixTasks(context: TaskContext): JsonObject[] {
  const phoenix = context.phoenix;
  const dir = context.environmentsArgument === '' ? '' : ` ${context.environmentsArgument}`;
  const env = `--env \${input:${INPUT_IDS.environment}}`;
  const apply = `if [ "\${input:${INPUT_IDS.confirmApply}}" = apply ]; then ${phoenix} apply ${env}${dir} --yes; else echo 'phoenix: apply cancelled'; fi`;
  return [
    task('validate', `${phoenix} validate --all${dir}`, { group: { kind: 'build', isDefault: true }, problemMatcher: issueProblemMatcher(), presentation: { reveal: 'silent', panel: 'dedicated', clear: true } }),
    task('plan', `${phoenix} plan ${env}${dir}`, { problemMatcher: issueProblemMatcher() }),
    task('apply', apply, { problemMatcher: issueProblemMatcher() }),
    // One environment, picked: watching dev and prod of one project at once is rarely meant on one machine.
    task('watch', `${phoenix} watch ${env}${dir}`, { isBackground: true, problemMatcher: watchProblemMatcher() }),
    task('status', `${phoenix} status ${env}${dir}`),
    task('restart service', `${phoenix} restart \${input:${INPUT_IDS.service}}${dir}`),
    task('logs of service', `${phoenix} logs \${input:${INPUT_IDS.service}}${dir} --follow --tail 200`),
  ];
}

/** The inputs the tasks use: pick lists generated from the environments and their services. */
export function phoenixInputs(context: TaskContext): JsonObject[] {
  const names = context.environments.map((e) => e.name);
  const preferred = names.includes('dev') ? 'dev' : (names[0] ?? '');
  const services = context.environments.flatMap((e) =>
    e.services.map((service) => ({ label: `${e.name}: ${service}`, value: `--env ${shellWord(e.name)} ${shellWord(service)}` })),
  );
  return [
    { id: INPUT_IDS.environment, type: 'pickString', description: 'Phoenix environment', options: names, default: preferred },
    { id: INPUT_IDS.service, type: 'pickString', description: 'Service (environment: service)', options: services, ...(services[0] === undefined ? {} : { default: services[0].value }) },
    {
      id: INPUT_IDS.confirmApply,
      type: 'pickString',
      description: 'Apply converges Podman now, destructive steps included (removals, recreates). Run "phoenix: plan" first to see them.',
      options: [
        { label: 'Cancel', value: 'cancel' },
        { label: 'Apply', value: 'apply' },
      ],
      default: 'cancel',
    },
  ];
}
