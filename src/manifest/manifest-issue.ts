import type { IssueCode, ManifestIssue, SourceLocation } from '../model/issue.js';
import { formatPath } from '../model/issue.js';
import type { KeyPath, YamlSyntaxError } from './yaml-source.js';

/** An error issue at a location, for a key path. */
export function issueAt(code: IssueCode, location: SourceLocation, keyPath: KeyPath, message: string, remediation: string): ManifestIssue {
  return { code, severity: 'error', location, path: formatPath(keyPath), message, remediation };
}

/** The advice for a YAML syntax error, wherever it is. */
export const YAML_SYNTAX_REMEDIATION = 'Fix the YAML syntax at this position (indentation, quotes, a missing colon).';

/** The issue for a document that could not be read as YAML (syntax, an unknown tag, a reserved key, too deep). */
export function yamlErrorIssue(error: YamlSyntaxError): ManifestIssue {
  if (error.code !== undefined) return issueAt(error.code, error.location, [], `${error.message}.`, error.remediation ?? YAML_SYNTAX_REMEDIATION);
  return issueAt('PHX-YAML-SYNTAX', error.location, [], `YAML syntax error: ${error.message}.`, YAML_SYNTAX_REMEDIATION);
}
