/** Where in a manifest something was written: 1-based line and column. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Stable codes for every kind of manifest problem; docs/errors.md explains each. */
/** The codes of the security policy; docs/errors.md and docs/security.md explain each. */
export type PolicyCode =
  | 'PHX-POLICY-PRIVILEGED'
  | 'PHX-POLICY-HOST-NETWORK'
  | 'PHX-POLICY-CAPABILITY'
  | 'PHX-POLICY-HOST-PATH'
  | 'PHX-POLICY-HOST-NAMESPACE'
  | 'PHX-POLICY-FOREIGN-CONTAINER'
  | 'PHX-POLICY-DEVICE'
  | 'PHX-POLICY-RUNTIME-SOCKET'
  | 'PHX-POLICY-UNCONFINED'
  | 'PHX-POLICY-NEW-PRIVILEGES'
  | 'PHX-POLICY-BUILD-CONTEXT'
  | 'PHX-POLICY-SECRET-PATH';

export type IssueCode =
  | 'PHX-YAML-SYNTAX'
  | 'PHX-FILE-NOT-FOUND'
  | 'PHX-SCHEMA'
  | 'PHX-UNKNOWN-KEY'
  | 'PHX-VARIABLE-UNSET'
  | 'PHX-VARIABLE-REQUIRED'
  | 'PHX-INTERPOLATION-SYNTAX'
  | 'PHX-NO-IMAGE'
  | 'PHX-BUILD-UNSUPPORTED'
  | 'PHX-BUILD-CONTEXT-MISSING'
  | 'PHX-BUILD-DOCKERFILE-MISSING'
  | 'PHX-PULL-POLICY'
  | 'PHX-DEPENDS-ON-MISSING'
  | 'PHX-DEPENDS-ON-NO-HEALTHCHECK'
  | 'PHX-DEPENDENCY-CYCLE'
  | 'PHX-PORT-CONFLICT'
  | 'PHX-SECRET-UNDECLARED'
  | 'PHX-SECRET-SOURCE-MISSING'
  | 'PHX-SECRET-KEY-MISSING'
  | 'PHX-SECRET-INLINE'
  | 'PHX-CONFIG-UNDECLARED'
  | 'PHX-CONFIG-SOURCE-MISSING'
  | 'PHX-INIT-EXISTS'
  | 'PHX-INIT-NO-COMPOSE'
  | 'PHX-INIT-PROJECT-NAME'
  | 'PHX-NETWORK-UNDECLARED'
  | 'PHX-NETWORK-TOO-SMALL'
  | 'PHX-VOLUME-UNDECLARED'
  | 'PHX-CONTAINER-NAME-CONFLICT'
  | 'PHX-CONTAINER-NAME-REPLICAS'
  | 'PHX-ENV-FILE-MISSING'
  | 'PHX-ENV-FILE-SYNTAX'
  | PolicyCode
  | 'PHX-INVALID-VALUE'
  | 'PHX-OBSOLETE-KEY'
  | 'PHX-PROFILE-DEPENDENCY'
  | 'PHX-EXTENDS-MISSING'
  | 'PHX-EXTENDS-CYCLE'
  | 'PHX-INCLUDE-CONFLICT'
  | 'PHX-INCLUDE-CYCLE'
  | 'PHX-UNSUPPORTED-KEY'
  | 'PHX-UNSUPPORTED-VALUE'
  | 'PHX-KEY-IGNORED'
  | 'PHX-EXPOSE-NOTE'
  | 'PHX-PODMAN-DIFFERENCE'
  | 'PHX-FILE-UNREADABLE'
  | 'PHX-FILE-NOT-REGULAR'
  | 'PHX-FILE-TOO-LARGE'
  | 'PHX-LIMIT-EXCEEDED'
  | 'PHX-YAML-TAG'
  | 'PHX-RESERVED-NAME'
  | 'PHX-LABEL-RESERVED'
  | 'PHX-INVALID-FORMAT';

/**
 * One problem found in an environment's manifests: where it is, which key, what is wrong
 * and what to do about it.
 */
export interface ManifestIssue {
  readonly code: IssueCode;
  /** A note says what Phoenix does not do with an accepted key; like a warning, it never fails a command. */
  readonly severity: 'error' | 'warning' | 'note';
  readonly location: SourceLocation;
  /** Dotted key path inside the file, e.g. `services.web.ports[0]`; empty for the whole file. */
  readonly path: string;
  /** What is wrong, in one sentence. */
  readonly message: string;
  /** What to do about it, in one sentence. */
  readonly remediation: string;
}

/** Formats an issue as `file:line:col error CODE path: message remediation`. */
export function formatIssue(issue: ManifestIssue): string {
  const where = `${issue.location.file}:${issue.location.line}:${issue.location.column}`;
  const path = issue.path === '' ? '' : ` ${issue.path}:`;
  return `${where} ${issue.severity} ${issue.code}${path} ${issue.message} ${issue.remediation}`;
}

/** Renders a key path (`['services','web','ports',0]`) as `services.web.ports[0]`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
