import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import type { Plan } from '../../src/plan/actions.js';
import type { ExternalNames } from './comparable-stack.js';

/** One issue of `phoenix validate --json`, as much of it as the corpus test looks at. */
export interface ValidationIssue {
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly path: string;
  readonly message: string;
}

/** Phoenix's verdict on one corpus file: the plan, or every error it reported. */
export type PhoenixOutcome = { readonly ok: true; readonly plan: Plan } | { readonly ok: false; readonly errors: readonly ValidationIssue[]; readonly output: string };

export interface PhoenixRunOptions {
  /** A fresh folder for the environment file, the observed snapshot and the state directory. */
  readonly workDir: string;
  readonly composeFile: string;
  /**
   * `phoenix-init`: the environment `phoenix init --from` writes for the file (its `.env`, its
   * secrets' sources, the policy opened exactly as far as the file needs). `default-policy`: the
   * same file and `.env` with no `policy:` at all, i.e. Phoenix's defaults.
   */
  readonly environment: 'phoenix-init' | 'default-policy';
  /** The dotenv file the environment reads (the fixture's `.env`), if any; for `default-policy`. */
  readonly dotenv: string | null;
  /** The whole process environment Phoenix sees (the same as docker-compose gets). */
  readonly env: Readonly<Record<string, string>>;
  /** External networks and volumes the snapshot holds, as the file's installation would have created them. */
  readonly external: ExternalNames;
}

function captureIo(cwd: string, env: Readonly<Record<string, string>>): { io: CliIo; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, cwd, interactive: false, confirm: () => Promise.resolve(false) };
  return { io, stdout: () => stdout, stderr: () => stderr };
}

/**
 * Gives Phoenix the environment a user would have for this compose file (project `corpus`) and
 * runs it in-process: `phoenix init --from` (or a policy-less environment), `phoenix validate
 * --json`, then `phoenix plan --observed snapshot.json --json` against a Podman that holds
 * nothing but the file's external networks and volumes. No Podman is involved.
 */
export async function runPhoenix(options: PhoenixRunOptions): Promise<PhoenixOutcome> {
  const environmentsDir = path.join(options.workDir, 'environments');
  mkdirSync(environmentsDir, { recursive: true });
  const common = ['--env', 'corpus', '--environments', environmentsDir];
  if (options.environment === 'phoenix-init') {
    const init = captureIo(options.workDir, options.env);
    // Exit 1 also means "written but not valid yet": validate below reports why, in JSON.
    await main(['init', '--from', options.composeFile, ...common, '--project', 'corpus'], init.io);
    if (!existsSync(path.join(environmentsDir, 'corpus.yaml'))) return { ok: false, errors: [], output: `phoenix init --from wrote nothing: ${init.stderr()}` };
  } else {
    const environment = { project: 'corpus', compose: [options.composeFile], dotenv: options.dotenv === null ? [] : [options.dotenv] };
    // JSON is YAML: the environment file needs no YAML writer.
    writeFileSync(path.join(environmentsDir, 'corpus.yaml'), `${JSON.stringify(environment, null, 2)}\n`);
  }
  const snapshot = {
    containers: [],
    networks: Object.values(options.external.networks).map((name) => ({ id: `external-${name}`, name, labels: {} })),
    volumes: Object.values(options.external.volumes).map((name) => ({ name, labels: {} })),
    secrets: [],
    images: {},
  };
  const snapshotFile = path.join(options.workDir, 'observed.json');
  writeFileSync(snapshotFile, JSON.stringify(snapshot));
  const stateDir = ['--state-dir', path.join(options.workDir, 'state')];

  const validate = captureIo(options.workDir, options.env);
  const validateCode = await main(['validate', ...common, ...stateDir, '--json'], validate.io);
  if (validateCode !== 0) {
    let errors: ValidationIssue[] = [];
    try {
      const report = JSON.parse(validate.stdout()) as { environments: { issues: ValidationIssue[] }[] };
      errors = report.environments.flatMap((e) => e.issues).filter((i) => i.severity === 'error');
    } catch {
      // Not the JSON report: the output below says what happened.
    }
    return { ok: false, errors, output: `${validate.stdout()}${validate.stderr()}` };
  }
  const planned = captureIo(options.workDir, options.env);
  const planCode = await main(['plan', ...common, ...stateDir, '--observed', snapshotFile, '--json'], planned.io);
  if (planCode !== 0) return { ok: false, errors: [], output: `phoenix plan exited ${planCode}: ${planned.stderr()}` };
  return { ok: true, plan: JSON.parse(planned.stdout()) as Plan };
}
