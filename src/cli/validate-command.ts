import type { ManifestIssue } from '../model/issue.js';
import { formatIssue } from '../model/issue.js';
import { allEnvironments, loadFromDisk } from './environment-loading.js';
import type { EnvironmentOptions } from './environment-loading.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';

export interface ValidateOptions extends EnvironmentOptions {
  readonly env?: string[];
  readonly all?: boolean;
  readonly json?: boolean;
}

/** `phoenix validate`: checks environments without touching Podman; exit 0 clean, 1 otherwise. */
export function runValidate(options: ValidateOptions, io: CliIo): number {
  const names = options.all === true ? allEnvironments(options, io) : (options.env ?? []);
  if (names.length === 0) {
    io.stderr(options.all === true ? 'phoenix: no environments found (looked for <name>.yaml files).\n' : 'phoenix: name an environment with --env NAME, or pass --all.\n');
    return EXIT.failure;
  }
  let failed = false;
  const report: { environment: string; valid: boolean; services: number; issues: readonly ManifestIssue[] }[] = [];
  for (const name of names) {
    // Validation must not need secrets that only exist where the environment runs.
    const result = loadFromDisk(name, options, io, false);
    const issues = result.ok ? result.warnings : result.issues;
    failed ||= !result.ok;
    report.push({ environment: name, valid: result.ok, services: result.ok ? result.desired.services.length : 0, issues });
  }
  if (options.json === true) {
    io.stdout(`${JSON.stringify({ valid: !failed, environments: report }, null, 2)}\n`);
  } else {
    for (const entry of report) {
      for (const issue of entry.issues) io.stdout(`${formatIssue(issue)}\n`);
      const errors = entry.issues.filter((i) => i.severity === 'error').length;
      const warnings = entry.issues.filter((i) => i.severity === 'warning').length;
      const notes = entry.issues.filter((i) => i.severity === 'note').length;
      const counts = `${warnings === 0 ? '' : `, ${warnings} warning${warnings === 1 ? '' : 's'}`}${notes === 0 ? '' : `, ${notes} note${notes === 1 ? '' : 's'}`}`;
      io.stdout(entry.valid ? `ok ${entry.environment}: valid, ${entry.services} services${counts}\n` : `FAIL ${entry.environment}: ${errors} error${errors === 1 ? '' : 's'}${counts}\n`);
    }
  }
  return failed ? EXIT.failure : EXIT.ok;
}
