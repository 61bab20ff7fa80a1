import type { IssueCode, ManifestIssue, SourceLocation } from '../model/issue.js';
import { formatPath } from '../model/issue.js';
import type { KeyPath } from './yaml-source.js';

/** An error issue at a location, for a key path. */
export function issueAt(code: IssueCode, location: SourceLocation, keyPath: KeyPath, message: string, remediation: string): ManifestIssue {
  return { code, severity: 'error', location, path: formatPath(keyPath), message, remediation };
}

/** The advice for a YAML syntax error, wherever it is. */
export const YAML_SYNTAX_REMEDIATION = 'Fix the YAML syntax at this position (indentation, quotes, a missing colon).';
