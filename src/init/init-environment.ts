import path from 'node:path';
import { parseDotenv } from '../manifest/dotenv.js';
import { interpolateValue } from '../manifest/interpolate.js';
import type { ManifestReader } from '../manifest/reader.js';
import { parseYamlWithLocations } from '../manifest/yaml-source.js';
import { yamlErrorIssue } from '../manifest/manifest-issue.js';
import type { IssueCode, ManifestIssue, SourceLocation } from '../model/issue.js';
import { ENVIRONMENT_NAME, loadEnvironment } from '../manifest/load.js';
import { ALL_PROFILES } from '../manifest/profiles.js';
import type { DesiredState } from '../model/desired.js';
import { SecretDigester } from '../model/hash.js';
import { composeProjectName, policyNeedsOf, surveyCompose } from './compose-needs.js';
import type { ComposeNeeds, Need, PolicyNeeds } from './compose-needs.js';
import type { EnvironmentDraft } from './environment-writer.js';
import { renderEnvironment } from './environment-writer.js';

/** What `phoenix init --from` needs; it reads through `reader` and writes nothing itself. */
export interface InitOptions {
  /** Absolute path of the compose file to start from. */
  readonly composeFile: string;
  /** Absolute folder the environment file goes to. */
  readonly environmentsDir: string;
  /** Environment name: the file is `<environmentsDir>/<name>.yaml`. */
  readonly name: string;
  /** Overrides the project name Compose would derive. */
  readonly project?: string;
  /** Write even when the environment file exists. */
  readonly force: boolean;
  readonly reader: ManifestReader;
  readonly processEnv: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
  /** Shows an absolute path the way users should read it. */
  readonly display: (absolutePath: string) => string;
}

/** The environment file to write, or why there is none. */
export type InitResult = { readonly ok: true; readonly file: string; readonly text: string; readonly draft: EnvironmentDraft } | { readonly ok: false; readonly issues: readonly ManifestIssue[] };

function problem(code: IssueCode, location: SourceLocation, message: string, remediation: string): InitResult {
  return { ok: false, issues: [{ code, severity: 'error', location, path: '', message, remediation }] };
}

/**
 * Drafts `environments/<name>.yaml` for an existing compose project: its project name as
 * Compose derives it (so that `--adopt` finds podman-compose's containers), the compose file
 * and its `.env`, a source for each secret, and the policy opened as far as the compose file
 * needs. Refuses to replace an existing environment file unless forced.
 */
export function initEnvironment(options: InitOptions): InitResult {
  const { reader, display } = options;
  const file = path.join(options.environmentsDir, `${options.name}.yaml`);
  const at = (absolute: string): SourceLocation => ({ file: display(absolute), line: 1, column: 1 });
  if (!ENVIRONMENT_NAME.test(options.name)) {
    return problem('PHX-INVALID-VALUE', at(file), `"${options.name}" is not a valid environment name.`, 'Use lower-case letters, digits, "-" and "_", starting with a letter or digit (--env NAME).');
  }
  if (!options.force) {
    for (const existing of [file, path.join(options.environmentsDir, `${options.name}.yml`)]) {
      if (reader.readText(existing) !== null) {
        return problem('PHX-INIT-EXISTS', at(existing), `environment "${options.name}" already has a file, ${display(existing)}; phoenix init never overwrites one.`, 'Pick another name with --env NAME, remove the file, or pass --force to replace it.');
      }
    }
  }
  const text = reader.readText(options.composeFile);
  if (text === null) {
    return problem('PHX-INIT-NO-COMPOSE', at(options.composeFile), `compose file ${display(options.composeFile)} does not exist.`, 'Pass the compose file of your project: phoenix init --from docker-compose.yml.');
  }
  const parsed = parseYamlWithLocations(text, display(options.composeFile));
  if (!parsed.ok) {
    return {
      ok: false,
      issues: parsed.errors.map((error) => error.code !== undefined ? yamlErrorIssue(error) : ({ code: 'PHX-YAML-SYNTAX' as const, severity: 'error' as const, location: error.location, path: '', message: `YAML syntax error: ${error.message}.`, remediation: 'Fix the YAML syntax at this position; phoenix init reads the file before writing anything.' })),
    };
  }
  const projectDir = path.dirname(options.composeFile);
  const dotenvFile = path.join(projectDir, '.env');
  const dotenvText = reader.readText(dotenvFile);
  const fromDotenv = new Map((dotenvText === null ? [] : parseDotenv(dotenvText).entries).map((e) => [e.key, e.value]));
  // As Compose: the shell's variables over the .env file's. Unresolvable values stay as written.
  const interpolated = interpolateValue(parsed.value, (name) => options.processEnv[name] ?? fromDotenv.get(name), () => undefined);
  const context = { projectDir, environmentsDir: options.environmentsDir, homeDir: options.homeDir };
  const surveyed = surveyCompose(interpolated, context);
  const dotenv = dotenvText === null ? null : dotenvFile;
  // Phoenix's loader sees extends, include, overlays and profiles; the plain survey is what is
  // left when the compose file does not load yet (validation then reports why).
  const loaded = loadWithOpenPolicy(options, file, surveyed, dotenv);
  const needs: ComposeNeeds = loaded === null ? surveyed : { ...surveyed, ...asWritten(policyNeedsOf(loaded, context), surveyed) };

  const derived = composeProjectName(path.basename(projectDir));
  const [project, projectOrigin] =
    options.project !== undefined
      ? [options.project, 'given with --project']
      : needs.name !== null
        ? [needs.name, "the compose file's name:"]
        : [derived, `the compose project's folder name, as Compose derives it (so that --adopt finds its containers)`];
  if (!ENVIRONMENT_NAME.test(project)) {
    return problem('PHX-INIT-PROJECT-NAME', at(options.composeFile), `"${project}" (${projectOrigin}) is not a valid project name.`, 'Pass one with --project NAME: lower-case letters, digits, "-" and "_", starting with a letter or digit.');
  }
  const draft: EnvironmentDraft = {
    name: options.name,
    project,
    projectOrigin,
    composeFile: options.composeFile,
    dotenv,
    environmentsDir: options.environmentsDir,
    needs,
  };
  return { ok: true, file, text: renderEnvironment(draft), draft };
}

/**
 * Loads the compose project through Phoenix's own loader, under an environment file with the
 * security policy wide open and every profile active, to see every service as validation
 * will; null when it does not load (a problem validation reports after writing).
 */
function loadWithOpenPolicy(options: InitOptions, file: string, surveyed: ComposeNeeds, dotenv: string | null): DesiredState | null {
  const candidate = {
    project: 'init-survey',
    compose: [options.composeFile],
    ...(dotenv === null ? {} : { dotenv: [dotenv] }),
    secrets: Object.fromEntries(surveyed.secrets.map((s) => [s.name, s.kind === 'file' ? { file: s.path } : { environment: s.variable }])),
    policy: {
      security: {
        allow_privileged: true,
        allow_host_network: true,
        allowed_capabilities: ['ALL'],
        allowed_host_paths: ['/'],
        allowed_devices: ['/'],
        allow_foreign_containers: true,
        allow_runtime_socket: true,
        allow_unconfined: true,
        allow_new_privileges: true,
        allowed_secret_paths: ['/'],
        allowed_build_contexts: ['/'],
      },
    },
  };
  const text = JSON.stringify(candidate);
  const inner = options.reader;
  const result = loadEnvironment({
    environmentsDir: options.environmentsDir,
    name: options.name,
    reader: { readText: (p) => (p === file ? text : inner.readText(p)), readBytes: (p) => inner.readBytes(p), list: (dir) => inner.list(dir) },
    processEnv: options.processEnv,
    cwd: path.dirname(options.composeFile),
    homeDir: options.homeDir,
    // Digests are thrown away: any key will do.
    digester: new SecretDigester(new Uint8Array(32)),
    requireSecretValues: false,
    profiles: [ALL_PROFILES],
  });
  return result.ok ? result.desired : null;
}

/** The loader's needs, each explained with the setting as the compose file writes it when the plain survey found it too. */
function asWritten(needs: PolicyNeeds, written: PolicyNeeds): PolicyNeeds {
  const explain = (map: ReadonlyMap<string, readonly Need[]>, from: ReadonlyMap<string, readonly Need[]>): Map<string, Need[]> =>
    new Map([...map].map(([key, list]) => [key, list.map((need) => from.get(key)?.find((w) => w.service === need.service) ?? need)]));
  return { ...needs, capabilities: explain(needs.capabilities, written.capabilities), hostPaths: explain(needs.hostPaths, written.hostPaths), devices: explain(needs.devices, written.devices) };
}
