import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import type { Plan } from '../../src/plan/actions.js';
import type { ExternalNames } from './comparable-stack.js';

/** What a generated environment opens in the policy, the way `phoenix init --from` would: exactly as far as the file needs. */
export interface OpenedPolicy {
  readonly allowPrivileged: boolean;
  readonly allowHostNetwork: boolean;
  readonly allowedCapabilities: readonly string[];
  readonly allowedHostPaths: readonly string[];
}

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
  /** The dotenv file the environment reads (the fixture's `.env`), if any. */
  readonly dotenv: string | null;
  /** null: no `policy:` at all, i.e. Phoenix's defaults. */
  readonly policy: OpenedPolicy | null;
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
 * Writes the environment a user would have for this compose file (project `corpus`, the file,
 * its `.env`, the policy) and runs Phoenix on it in-process, as `phoenix validate --json` and
 * then `phoenix plan --observed snapshot.json --json` against a Podman that holds nothing but
 * the file's external networks and volumes. No Podman is involved.
 */
export async function runPhoenix(options: PhoenixRunOptions): Promise<PhoenixOutcome> {
  const environmentsDir = path.join(options.workDir, 'environments');
  mkdirSync(environmentsDir, { recursive: true });
  const environment: Record<string, unknown> = { project: 'corpus', compose: [options.composeFile], dotenv: options.dotenv === null ? [] : [options.dotenv] };
  if (options.policy !== null) {
    environment.policy = {
      security: {
        allow_privileged: options.policy.allowPrivileged,
        allow_host_network: options.policy.allowHostNetwork,
        allowed_capabilities: options.policy.allowedCapabilities,
        allowed_host_paths: options.policy.allowedHostPaths,
      },
    };
  }
  // JSON is YAML: the environment file needs no YAML writer.
  writeFileSync(path.join(environmentsDir, 'corpus.yaml'), `${JSON.stringify(environment, null, 2)}\n`);
  const snapshot = {
    containers: [],
    networks: Object.values(options.external.networks).map((name) => ({ id: `external-${name}`, name, labels: {} })),
    volumes: Object.values(options.external.volumes).map((name) => ({ name, labels: {} })),
    secrets: [],
    images: {},
  };
  const snapshotFile = path.join(options.workDir, 'observed.json');
  writeFileSync(snapshotFile, JSON.stringify(snapshot));
  const common = ['--env', 'corpus', '--environments', environmentsDir, '--state-dir', path.join(options.workDir, 'state')];

  const validate = captureIo(options.workDir, options.env);
  const validateCode = await main(['validate', ...common, '--json'], validate.io);
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
  const planCode = await main(['plan', ...common, '--observed', snapshotFile, '--json'], planned.io);
  if (planCode !== 0) return { ok: false, errors: [], output: `phoenix plan exited ${planCode}: ${planned.stderr()}` };
  return { ok: true, plan: JSON.parse(planned.stdout()) as Plan };
}
