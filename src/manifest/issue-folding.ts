import type { ManifestIssue } from '../model/issue.js';

/** How many of the services sharing one mistake are named in its message. */
const NAMES_SHOWN = 5;

/**
 * One mistake written once but used many times (a bad key in a YAML anchor that 48 services
 * take with `<<: *defaults`) is found once per use, at the same place. Such issues (same code,
 * same position, same words once the service is left out) are folded into the first one, which
 * says how many services use it.
 */
export function foldRepeatedIssues(issues: readonly ManifestIssue[]): ManifestIssue[] {
  const groups = new Map<string, ManifestIssue[]>();
  for (const issue of issues) {
    const key = groupKey(issue);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [issue]);
    else group.push(issue);
  }
  return [...groups.values()].map((group) => (group.length === 1 ? group[0]! : folded(group)));
}

function serviceOf(issue: ManifestIssue): string | null {
  return /^services\.([^.[\]]+)/.exec(issue.path)?.[1] ?? null;
}

function withoutService(text: string, issue: ManifestIssue): string {
  const service = serviceOf(issue);
  let out = issue.path === '' ? text : text.split(issue.path).join('<path>');
  if (service !== null) out = out.split(`services.${service}`).join('services.<service>').split(`"${service}"`).join('"<service>"');
  return out;
}

function groupKey(issue: ManifestIssue): string {
  const { file, line, column } = issue.location;
  return [issue.code, issue.severity, `${file}:${line}:${column}`, withoutService(issue.message, issue), withoutService(issue.remediation, issue)].join('\u0000');
}

function folded(group: readonly ManifestIssue[]): ManifestIssue {
  const first = group[0]!;
  const services = [...new Set(group.map(serviceOf).filter((name): name is string => name !== null))];
  const shown = services.slice(0, NAMES_SHOWN).join(', ') + (services.length > NAMES_SHOWN ? ', …' : '');
  const users = services.length > 1 ? `${services.length} services (${shown})` : `${group.length} places`;
  return { ...first, message: `${first.message} Written once here and used by ${users}.` };
}
