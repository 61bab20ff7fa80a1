/**
 * The corpus test of issue 8: every public compose file under test/fixtures/compose/ is given
 * to Phoenix as a user would (the environment `phoenix init --from` writes for it: the file, its
 * `.env`, a policy opened exactly as far as the file needs) and validated and planned against an
 * empty Podman snapshot; the plan is compared with `docker-compose config` (Debian's
 * docker-compose 1.29, run as a real process) on containers, images, commands, entrypoints,
 * environment, ports, mounts, networks, health checks, start waits and the other container
 * settings the corpus uses (restart, user, labels, capabilities, shm_size, ulimits, sysctls,
 * stop grace period, ...). No Podman is involved.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparableFromComposeConfig, comparableFromPhoenixPlan, serviceIsActive, stackDifferences } from './corpus/comparable-stack.js';
import type { ExternalNames } from './corpus/comparable-stack.js';
import { BROKEN_UPSTREAM, CORPUS, WAITING_FOR_FEATURE } from './corpus/corpus-cases.js';
import type { CorpusCase } from './corpus/corpus-cases.js';
import { dockerComposeConfig, dockerComposeVersion } from './corpus/docker-compose-reference.js';
import type { ComposeConfigResult } from './corpus/docker-compose-reference.js';
import { refusalsOf } from './corpus/refusals.js';
import { runPhoenix } from './corpus/phoenix-run.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'compose');
/** docker-compose runs are child processes of ~0.5 s each: a few at a time keeps the test short on 2 cores. */
const CONCURRENT_REFERENCE_RUNS = 4;

function composeFileOf(entry: CorpusCase): string {
  return path.join(FIXTURES, entry.folder, entry.file);
}

/** The one process environment both tools get: nothing from the machine running the test but PATH. */
function environmentFor(entry: CorpusCase): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: '/home/corpus',
    PWD: path.dirname(composeFileOf(entry)),
    ...(entry.profiles === undefined ? {} : { COMPOSE_PROFILES: entry.profiles.join(',') }),
  };
}

function dotenvOf(entry: CorpusCase): string | null {
  const file = path.join(path.dirname(composeFileOf(entry)), '.env');
  try {
    return statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

/** The file's external networks and volumes and their Podman names, from the resolved config. */
function externalNamesOf(config: Record<string, unknown>): ExternalNames {
  const pick = (section: unknown): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [name, def] of Object.entries((section ?? {}) as Record<string, Record<string, unknown> | null>)) {
      if (def?.external === true || (typeof def?.external === 'object' && def.external !== null)) out[name] = String(def.name ?? (def.external as { name?: string }).name ?? name);
    }
    return out;
  };
  return { networks: pick(config.networks), volumes: pick(config.volumes) };
}

const references = new Map<string, ComposeConfigResult>();
/** Per valid corpus file: did Phoenix plan it with the opened policy, and with its default policy. For the figures at the end. */
const verdicts = new Map<string, { readonly opened: boolean; readonly defaultPolicy: boolean }>();
let scratch = '';

beforeAll(async () => {
  // A missing docker-compose is a failure here, never a skip: it is the reference.
  expect(await dockerComposeVersion()).toMatch(/^1\.29\./);
  scratch = mkdtempSync(path.join(os.tmpdir(), 'phoenix-corpus-'));
  const queue = [...CORPUS];
  const worker = async (): Promise<void> => {
    for (let entry = queue.shift(); entry !== undefined; entry = queue.shift()) {
      references.set(entry.name, await dockerComposeConfig(composeFileOf(entry), environmentFor(entry), entry.composeWorkarounds ?? [], entry.profiles ?? []));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_REFERENCE_RUNS }, worker));
}, 180_000);

afterAll(() => {
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
});

describe('the corpus', () => {
  it('holds at least 30 public compose files from at least 15 repositories, besides the Phoenix Hydra ones, each with its SOURCE', () => {
    const publicCases = CORPUS.filter((c) => c.folder !== 'hydra');
    const repositories = new Set<string>();
    for (const entry of CORPUS) {
      const source = readFileSync(path.join(FIXTURES, entry.folder, 'SOURCE'), 'utf8');
      const repository = /^repository: (\S+)$/m.exec(source)?.[1];
      expect(repository, `${entry.folder}/SOURCE names its repository`).toBeDefined();
      expect(source, `${entry.folder}/SOURCE names the commit of ${entry.file}`).toMatch(/commit: [0-9a-f]{40}/);
      if (entry.folder !== 'hydra') repositories.add(repository!);
    }
    expect(publicCases.length).toBeGreaterThanOrEqual(30);
    expect(repositories.size).toBeGreaterThanOrEqual(15);
  });

  it('lists every compose file under test/fixtures/compose, and only those', () => {
    const onDisk: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) walk(full);
        else if (/compose.*\.ya?ml$/.test(name)) onDisk.push(path.relative(FIXTURES, full));
      }
    };
    walk(FIXTURES);
    expect(CORPUS.map((c) => path.join(c.folder, c.file)).sort()).toEqual(onDisk.sort());
  });

  it('names only corpus files in its lists of broken and waiting files', () => {
    const names = new Set(CORPUS.map((c) => c.name));
    for (const name of [...Object.keys(BROKEN_UPSTREAM), ...Object.keys(WAITING_FOR_FEATURE)]) expect(names, name).toContain(name);
  });
});

describe('each corpus file: Phoenix validates and plans it, and the plan matches docker-compose config', () => {
  for (const entry of CORPUS) {
    it(entry.name, async () => {
      const reference = references.get(entry.name)!;
      const workDir = mkdtempSync(path.join(scratch, 'case-'));
      const run = (environment: 'phoenix-init' | 'default-policy', external: ExternalNames) =>
        runPhoenix({ workDir: mkdtempSync(path.join(workDir, `${environment}-`)), composeFile: composeFileOf(entry), environment, dotenv: dotenvOf(entry), env: environmentFor(entry), external });
      const noExternals: ExternalNames = { networks: {}, volumes: {} };

      const broken = BROKEN_UPSTREAM[entry.name];
      if (broken !== undefined) {
        expect(reference.ok ? 'docker-compose accepted it' : reference.error).toMatch(broken.dockerCompose);
        const outcome = await run('default-policy', noExternals);
        expect(outcome.ok, 'Phoenix must refuse a file that is broken upstream').toBe(false);
        if (!outcome.ok) expect(outcome.errors.map((e) => e.code)).toContain(broken.phoenixCode);
        return;
      }

      if (!reference.ok) throw new Error(`docker-compose 1.29 refused ${entry.name}: ${reference.error}`);
      const externals = externalNamesOf(reference.config);
      const outcome = await run('phoenix-init', externals);
      // The other figure: the same file with no policy at all (Phoenix's defaults).
      verdicts.set(entry.name, { opened: outcome.ok, defaultPolicy: (await run('default-policy', externals)).ok });
      const waiting = WAITING_FOR_FEATURE[entry.name];
      if (waiting !== undefined) {
        // Still waiting for a feature: it must fail with exactly the refusals listed, so that the
        // list cannot go stale (a landed feature makes this fail, and the file moves on).
        expect(outcome.ok ? 'Phoenix planned it: move it to the passing set' : refusalsOf(outcome.errors)).toEqual([...waiting.refusals]);
        return;
      }
      if (!outcome.ok) throw new Error(`Phoenix refused ${entry.name}:\n${outcome.output}`);

      const profiles = entry.profiles ?? [];
      const services = (reference.config.services ?? {}) as Record<string, Record<string, unknown>>;
      const explicitNames = new Set(Object.values(services).filter((s) => serviceIsActive(s, profiles) && typeof s.container_name === 'string').map((s) => s.container_name as string));
      const expected = comparableFromComposeConfig(reference.config, profiles);
      const planned = comparableFromPhoenixPlan(outcome.plan, explicitNames, externals);
      expect(stackDifferences(expected, planned)).toEqual([]);
      // The comparison compared something: every active service is in the plan.
      expect(Object.keys(planned).sort()).toEqual(Object.keys(expected).sort());
    });
  }
});

describe('the figures', () => {
  it('count the files Phoenix plans: every valid corpus file not waiting for a feature', () => {
    const valid = CORPUS.filter((c) => BROKEN_UPSTREAM[c.name] === undefined);
    expect(verdicts.size, 'every valid file was run').toBe(valid.length);
    const planned = [...verdicts].filter(([, v]) => v.opened).map(([name]) => name);
    const plannedWithDefaults = [...verdicts].filter(([, v]) => v.defaultPolicy).length;
    expect(planned.sort()).toEqual(valid.map((c) => c.name).filter((name) => WAITING_FOR_FEATURE[name] === undefined).sort());
    const percent = (n: number): string => `${Math.round((100 * n) / valid.length)}%`;
    console.info(
      `compose corpus: Phoenix validates and plans ${planned.length} of ${valid.length} valid files (${percent(planned.length)}) with the environment phoenix init --from writes, ` +
        `${plannedWithDefaults} (${percent(plannedWithDefaults)}) with the default policy; ${Object.keys(WAITING_FOR_FEATURE).length} wait for a feature, ${Object.keys(BROKEN_UPSTREAM).length} are broken upstream.`,
    );
  });
});
