import { loadEnvironment } from '../../src/manifest/load.js';
import type { LoadResult } from '../../src/manifest/load.js';
import { SecretDigester } from '../../src/model/hash.js';
import type { DesiredState } from '../../src/model/desired.js';
import { memoryReader } from './memory-reader.js';

/** Where fixture environments live in the in-memory file system. */
export const ROOT = '/fixture';

/** A fixed digest key, so that secret digests in golden files are stable. */
export const TEST_DIGEST_KEY = new Uint8Array(32).fill(7);

export interface FixtureOptions {
  /** The environment file's text (environments/<name>.yaml). Default: project "app", compose [compose.yaml]. */
  readonly environment?: string;
  /** Extra files, relative to ROOT/environments. */
  readonly files?: Readonly<Record<string, string>>;
  readonly name?: string;
  readonly processEnv?: Readonly<Record<string, string>>;
  readonly requireSecretValues?: boolean;
  /** Read-only commands' loading: unreadable secret values are left unknown, with no issue. */
  readonly secretValuesOptional?: boolean;
  /** `--profile` flags. */
  readonly profiles?: readonly string[];
  /** The secret-digest key (default TEST_DIGEST_KEY): another key stands for another state directory's. */
  readonly digestKey?: Uint8Array;
}

/** Loads an environment whose compose file is `compose` (environments/compose.yaml), all in memory. */
export function loadFixture(compose: string, options: FixtureOptions = {}): LoadResult {
  const name = options.name ?? 'test';
  const environment = options.environment ?? 'project: app\ncompose: [compose.yaml]\n';
  const files: Record<string, string> = { [`${ROOT}/environments/${name}.yaml`]: environment, [`${ROOT}/environments/compose.yaml`]: compose };
  for (const [file, text] of Object.entries(options.files ?? {})) files[`${ROOT}/environments/${file}`] = text;
  return loadEnvironment({
    environmentsDir: `${ROOT}/environments`,
    name,
    reader: memoryReader(files),
    processEnv: options.processEnv ?? {},
    cwd: ROOT,
    homeDir: '/home/test',
    digester: new SecretDigester(options.digestKey ?? TEST_DIGEST_KEY),
    requireSecretValues: options.requireSecretValues ?? true,
    ...(options.secretValuesOptional === true ? { secretValuesOptional: true } : {}),
    ...(options.profiles === undefined ? {} : { profiles: options.profiles }),
  });
}

/** Like {@link loadFixture}, but throws with the issues when the fixture is invalid. */
export function desiredFrom(compose: string, options: FixtureOptions = {}): DesiredState {
  const result = loadFixture(compose, options);
  if (!result.ok) throw new Error(`fixture is invalid:\n${result.issues.map((i) => `${i.location.file}:${i.location.line}:${i.location.column} ${i.code} ${i.message}`).join('\n')}`);
  return result.desired;
}
