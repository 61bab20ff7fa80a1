import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { EDITOR_CUSTOM_TAGS } from '../editor/editor-schema.js';
import { JsoncMergeError, mergeExtensionsFile, mergeSettingsFile, mergeTasksFile } from '../editor/jsonc-merge.js';
import { phoenixInputs, phoenixTasks, shellWord, TASK_LABEL_PREFIX } from '../editor/vscode-tasks.js';
import type { TaskEnvironment } from '../editor/vscode-tasks.js';
import { SCHEMAS_DIR } from '../manifest/schema-check.js';
import { allEnvironments, environmentsDir, loadFromDisk } from './environment-loading.js';
import type { EnvironmentOptions } from './environment-loading.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';

/** Options of `phoenix editor vscode`. */
export interface EditorVscodeOptions extends EnvironmentOptions {
  /** How the tasks run Phoenix; default: found from where Phoenix is installed. */
  readonly command?: string;
}

/** The extension that reads `yaml.schemas` and `yaml.customTags` (it runs yaml-language-server). */
const YAML_EXTENSION = 'redhat.vscode-yaml';

/** `a/b` relative to the workspace when inside it (as VS Code settings take it), else absolute. */
function workspacePath(workspace: string, target: string): string {
  const relative = path.relative(workspace, target);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return target;
  return relative.split(path.sep).join('/');
}

/**
 * How a shell in the workspace runs this Phoenix: the project's own install (npx), the Phoenix
 * checkout itself (node bin/phoenix.js), else `phoenix` from PATH (npm link or a global install).
 */
export function phoenixCommand(workspace: string, packageRoot: string): string {
  if (existsSync(path.join(workspace, 'node_modules', '.bin', 'phoenix'))) return 'npx --no-install phoenix';
  const bin = workspacePath(workspace, path.join(packageRoot, 'bin', 'phoenix.js'));
  return path.isAbsolute(bin) ? 'phoenix' : `node ${bin}`;
}

/** The compose files an environment file names (its `compose:` list), relative to the workspace. */
function composeFilesOf(workspace: string, environmentFile: string): string[] {
  try {
    const data = parse(readFileSync(environmentFile, 'utf8')) as { compose?: unknown } | null;
    const list = Array.isArray(data?.compose) ? data.compose : [];
    return list.filter((entry): entry is string => typeof entry === 'string').map((entry) => workspacePath(workspace, path.resolve(path.dirname(environmentFile), entry)));
  } catch {
    return []; // an unreadable environment is reported by validate; the settings need only what is readable
  }
}

function readIfExists(file: string): string | null {
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/** Writes through a temporary file, so an interrupted run never leaves half a settings file. */
function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.phoenix-${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

/**
 * `phoenix editor vscode`: writes, or merges into, .vscode/tasks.json (validate, plan, apply,
 * watch, status, restart and logs of a picked service), .vscode/settings.json (the editor
 * schemas and the `!reset`/`!override` tags for the YAML extension) and extensions.json. The
 * user's own entries are kept; Phoenix's are replaced. Nothing is written when a file cannot be read.
 */
export function runEditorVscode(options: EditorVscodeOptions, io: CliIo): number {
  const workspace = io.cwd;
  const dir = environmentsDir(options, io);
  const names = allEnvironments(options, io);
  if (names.length === 0) {
    io.stderr(`phoenix: no environments in ${workspacePath(workspace, dir)} (looked for <name>.yaml files). Run \`phoenix init --from docker-compose.yml\` first, or pass --environments DIR.\n`);
    return EXIT.failure;
  }
  const environments: TaskEnvironment[] = [];
  const composeFiles = new Set<string>();
  for (const name of names) {
    const loaded = loadFromDisk(name, options, io, false);
    if (!loaded.ok) io.stderr(`phoenix: environment ${name} does not validate, so its services are not in the pick list; \`phoenix validate --env ${name}\` says why.\n`);
    environments.push({ name, services: loaded.ok ? loaded.desired.services.map((service) => service.name) : [] });
    for (const file of composeFilesOf(workspace, path.join(dir, `${name}.yaml`))) composeFiles.add(file);
  }
  const packageRoot = fileURLToPath(new URL('../', SCHEMAS_DIR));
  const relativeDir = workspacePath(workspace, dir);
  const context = {
    phoenix: options.command ?? phoenixCommand(workspace, packageRoot),
    environmentsArgument: relativeDir === 'environments' ? '' : `--environments ${shellWord(relativeDir)}`,
    environments,
  };
  const editorSchemas = path.join(packageRoot, 'schemas', 'editor');
  const environmentGlob = `${relativeDir}/*.yaml`;
  const settings = {
    schemas: {
      [workspacePath(workspace, path.join(editorSchemas, 'environment.schema.json'))]: [environmentGlob],
      [workspacePath(workspace, path.join(editorSchemas, 'compose.schema.json'))]: [...composeFiles].sort(),
    },
    customTags: EDITOR_CUSTOM_TAGS,
  };
  const vscode = path.join(workspace, '.vscode');
  const files = {
    tasks: path.join(vscode, 'tasks.json'),
    settings: path.join(vscode, 'settings.json'),
    extensions: path.join(vscode, 'extensions.json'),
  };
  let merged: Record<keyof typeof files, string>;
  const current = { tasks: readIfExists(files.tasks), settings: readIfExists(files.settings), extensions: readIfExists(files.extensions) };
  let reading: keyof typeof files = 'tasks';
  try {
    // Every file is merged before any is written: one unreadable file changes nothing.
    const tasks = mergeTasksFile(current.tasks, phoenixTasks(context), phoenixInputs(context));
    reading = 'settings';
    const settingsText = mergeSettingsFile(current.settings, settings);
    reading = 'extensions';
    merged = { tasks, settings: settingsText, extensions: mergeExtensionsFile(current.extensions, [YAML_EXTENSION]) };
  } catch (error) {
    if (!(error instanceof JsoncMergeError)) throw error;
    io.stderr(`${workspacePath(workspace, files[reading])}:${error.line}:${error.column} error ${error.code} ${error.message}. ${error.remediation}\n`);
    return EXIT.failure;
  }
  mkdirSync(vscode, { recursive: true });
  for (const key of Object.keys(files) as (keyof typeof files)[]) {
    const verb = current[key] === null ? 'wrote' : current[key] === merged[key] ? 'unchanged' : 'updated';
    if (verb !== 'unchanged') writeAtomically(files[key], merged[key]);
    io.stdout(`${verb} ${workspacePath(workspace, files[key])}\n`);
  }
  const services = environments.reduce((sum, e) => sum + e.services.length, 0);
  io.stdout(
    `Tasks "${TASK_LABEL_PREFIX}…" for ${names.length} environment${names.length === 1 ? '' : 's'} (${names.join(', ')}) and ${services} service${services === 1 ? '' : 's'}, run as \`${context.phoenix}\`: Terminal › Run Task. ` +
      `The YAML extension (${YAML_EXTENSION}) now checks ${environmentGlob} and ${composeFiles.size} compose file${composeFiles.size === 1 ? '' : 's'}. Run this again after adding environments or services.\n`,
  );
  return EXIT.ok;
}
