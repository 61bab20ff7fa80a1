import type { Policy, SecretSource } from '../model/desired.js';
import type { SourceLocation } from '../model/issue.js';
import type { LocationMap } from './yaml-source.js';

/** A file an environment names, with where it named it. */
export interface NamedFile {
  /** Absolute path. */
  readonly path: string;
  /** As shown to users (relative to the working directory). */
  readonly display: string;
  readonly location: SourceLocation;
}

/** A secret source the environment file gives, with where. */
export interface EnvironmentSecret {
  readonly source: SecretSource;
  readonly location: SourceLocation;
}

/** An environment file after validation: what it names, resolved, defaults filled. */
export interface EnvironmentManifest {
  readonly name: string;
  readonly file: string;
  /** Absolute folder of the environment file; its relative paths resolve against it. */
  readonly dir: string;
  readonly project: string;
  readonly composeFiles: readonly NamedFile[];
  /** Compose profiles the environment file makes always active. */
  readonly profiles: readonly string[];
  readonly dotenvFiles: readonly NamedFile[];
  readonly variables: Readonly<Record<string, string>>;
  readonly secrets: ReadonlyMap<string, EnvironmentSecret>;
  readonly policy: Policy;
  readonly locations: LocationMap;
}
