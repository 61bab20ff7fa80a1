import type { ManifestIssue } from '../model/issue.js';
import type { SecretDigester } from '../model/hash.js';
import type { BuildContextReader } from './context-reader.js';
import type { ManifestReader } from './reader.js';

/** What building the desired state needs from outside: files, variables, the digest key. */
export interface BuildContext {
  readonly reader: ManifestReader;
  /** Reads build contexts and Dockerfiles (the disk Podman builds from, even in git mode). */
  readonly contextReader: BuildContextReader;
  /** Looks a variable up with the documented precedence. */
  readonly lookup: (name: string) => string | undefined;
  /** Phoenix's own process environment, for secrets with an `environment:` source. */
  readonly processEnv: Readonly<Record<string, string | undefined>>;
  readonly digester: SecretDigester;
  /** When true (plan, apply), a secret whose value cannot be read is an error; else a warning. */
  readonly requireSecretValues: boolean;
  /**
   * True for read-only and removal commands (status, restart, down, ...): a secret, or a config
   * from a variable, whose value cannot be read here is no issue; it is marked `valueUnknown`
   * and the command takes the version Podman runs (plan/secret-versions.ts).
   */
  readonly secretValuesOptional?: boolean;
  /** Shows an absolute path the way users should read it. */
  readonly display: (absolutePath: string) => string;
  readonly homeDir: string;
  readonly report: (issue: ManifestIssue) => void;
}
