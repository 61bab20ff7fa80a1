import { stringify } from 'yaml';
import { formatIssue } from '../model/issue.js';
import type { DesiredState } from '../model/desired.js';
import { configDocument } from '../plan/config-document.js';
import { SecretRedactor } from '../telemetry/secret-redactor.js';
import type { EnvironmentOptions } from './environment-loading.js';
import { loadFromDisk } from './environment-loading.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { secretReader } from './podman-wiring.js';

export interface ConfigOptions extends EnvironmentOptions {
  readonly env: string;
  readonly format?: 'yaml' | 'json';
  readonly services?: boolean;
}

/**
 * Every secret value this machine can read for the environment. The document never holds one
 * (secrets are digests), but a value interpolated into, say, a service's `environment:` would
 * be printed as it is: the output is redacted against them all the same.
 */
async function redactorFor(desired: DesiredState, io: CliIo): Promise<SecretRedactor> {
  const read = secretReader(io);
  const redactor = new SecretRedactor();
  for (const secret of desired.secrets) {
    if (secret.source === null || secret.source.kind === 'content' || secret.config === true || secret.valueUnknown === true) continue;
    try {
      const value = new TextDecoder().decode(await read(secret.source));
      redactor.add(value, value.trim());
    } catch {
      // Unreadable now: there is nothing of it to redact.
    }
  }
  return redactor;
}

/** Every string in `value` (keys too) with each secret value replaced by `[REDACTED]`. */
function redactStrings<T>(value: T, redactor: SecretRedactor): T {
  if (redactor.size === 0) return value;
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return redactor.redact(node);
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [redactor.redact(k), walk(v)]));
    return node;
  };
  return walk(value) as T;
}

/**
 * `phoenix config`: the merged, interpolated environment as Phoenix will apply it, as YAML
 * (default) or JSON; `--services` lists the service names only. Needs neither Podman nor
 * secret values (a secret whose value cannot be read has the digest "unknown").
 */
export async function runConfig(services: readonly string[], options: ConfigOptions, io: CliIo): Promise<number> {
  // commander refuses any other --format (choices).
  const format = options.format ?? 'yaml';
  const loaded = loadFromDisk(options.env, options, io, 'if-available');
  if (!loaded.ok) {
    for (const issue of loaded.issues) io.stderr(`${formatIssue(issue)}\n`);
    io.stderr(`phoenix: environment ${options.env} is not valid.\n`);
    return EXIT.failure;
  }
  for (const warning of loaded.warnings) io.stderr(`${formatIssue(warning)}\n`);
  const { desired } = loaded;
  const unknown = services.filter((name) => !desired.services.some((s) => s.name === name));
  if (unknown.length > 0) {
    io.stderr(`phoenix: no service ${unknown.join(', ')} in ${options.env} (services: ${desired.services.map((s) => s.name).join(', ')}).\n`);
    return EXIT.failure;
  }
  if (options.services === true) {
    const names = desired.services.map((s) => s.name).filter((name) => services.length === 0 || services.includes(name));
    io.stdout(names.map((name) => `${name}\n`).join(''));
    return EXIT.ok;
  }
  // Redacted value by value, before serialising: the output stays valid YAML or JSON.
  const document = redactStrings(configDocument(desired, services), await redactorFor(desired, io));
  // YAML 1.1 quoting (`restart: "no"`), so that 1.1 readers such as docker-compose read the same values.
  const text = format === 'json' ? `${JSON.stringify(document, null, 2)}\n` : stringify(document, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });
  io.stdout(text);
  for (const secret of desired.secrets.filter((s) => s.valueUnknown === true)) {
    const why = secret.source?.kind === 'environment' ? `the variable ${secret.source.variable} is not set` : 'its file is not readable here';
    io.stderr(`note: ${secret.config === true ? 'config' : 'secret'} "${secret.name}" was not read (${why}): its digest and Podman name, and the config hash of each service using it, are shown as "unknown".\n`);
  }
  return EXIT.ok;
}
