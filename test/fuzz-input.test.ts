import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { main } from '../src/cli/main.js';
import { capturingIo } from './integration/support.js';

/**
 * Fuzz test of Phoenix's input (issue 10): hundreds of broken manifests and files per run,
 * made by mutating the repository's example environments (wrong types, huge numbers, odd
 * strings, NUL, deep nesting, unknown tags, and FIFOs, folders, devices and symlink loops as
 * sources), each run through `phoenix validate` and `phoenix plan --observed` in-process.
 * Every answer must be exit 0, 1 or 2, with no stack trace, in bounded time and memory.
 * (test/integration/invalid-values.test.ts applies some against real Podman.)
 */

const REPO = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.PHX_FUZZ_RUNS ?? 150);
/** Per case: one validate and one plan. Generous for 2 shared cores; a hang takes the test's timeout. */
const CASE_MS = 10_000;
const CASE_HEAP_BYTES = 256 * 1024 * 1024;

let tmp: string;
let baseCompose: unknown;
let baseEnvironment: unknown;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'phoenix-fuzz-'));
  baseCompose = YAML.parse(readFileSync(path.join(REPO, 'environments/compose/demo.yaml'), 'utf8'));
  baseEnvironment = YAML.parse(readFileSync(path.join(REPO, 'environments/demo.yaml'), 'utf8'));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Every key path of a parsed document, to pick one to mutate. */
function keyPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((item, index) => out.push(...keyPaths(item, [...prefix, index])));
  else if (value !== null && typeof value === 'object') for (const [key, child] of Object.entries(value)) out.push(...keyPaths(child, [...prefix, key]));
  return out;
}

function setAt(doc: unknown, keyPath: readonly (string | number)[], value: unknown): unknown {
  if (keyPath.length === 0) return value;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const segment of keyPath.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
  parent[keyPath[keyPath.length - 1]!] = value;
  return copy;
}

const deep = (levels: number): unknown => Array.from({ length: levels }).reduce<unknown>((inner) => [inner], 'x');

/** Values that are wrong somewhere (or everywhere). */
const badValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, 0, -1, Infinity, -Infinity, Number.MAX_SAFE_INTEGER, 1000000000, 99999, 1.5, '', ' ', 'x\u0000y', 'a\nb', '${', '${UNSET}', '$$', '../../../etc/passwd', '/dev/zero', 'SIGFOO', 'NOT_A_CAP', '99999:80', '9000-8000:80', ':8080', '10.0.0.0/33', 'io.phoenix.service=x', '__proto__', 'constructor', 'Upper/Case:1', '[]', '{}', 'a'.repeat(5000)),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: 1, max: 200 }).map(deep),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf', 'x-a', 'io.phoenix.project', 'hasOwnProperty'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
);

/** How one case breaks the environment. */
type Mutation =
  | { readonly kind: 'value'; readonly file: 'compose' | 'environment'; readonly pick: number; readonly value: unknown }
  | { readonly kind: 'text'; readonly file: 'compose' | 'environment'; readonly at: number; readonly insert: string }
  | { readonly kind: 'special'; readonly file: 'compose' | 'environment' | 'secret' | 'folder'; readonly as: 'fifo' | 'dir' | 'loop' | 'devzero' | 'empty' | 'missing' };

const textInsert = fc.oneof(fc.constantFrom('!foo ', '!reset ', '!!binary ', '&a ', '*a ', '<<: *nope\n', '\t', '"', '\u0000', '{', '- ', ': ', '\n  x: [', ' # ', '%YAML 1.1\n'), fc.string({ maxLength: 8 }));

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('value' as const), file: fc.constantFrom('compose' as const, 'environment' as const), pick: fc.nat(), value: badValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('text' as const), file: fc.constantFrom('compose' as const, 'environment' as const), at: fc.nat(), insert: textInsert }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('special' as const), file: fc.constantFrom('compose' as const, 'environment' as const, 'secret' as const, 'folder' as const), as: fc.constantFrom('fifo' as const, 'dir' as const, 'loop' as const, 'devzero' as const, 'empty' as const, 'missing' as const) }) },
);

let counter = 0;

/** A copy of environments/ with the mutation applied; returns the working folder. */
function mutatedWorkspace(m: Mutation): string {
  const cwd = path.join(tmp, `case-${counter++}`);
  mkdirSync(cwd);
  const environments = path.join(cwd, 'environments');
  cpSync(path.join(REPO, 'environments'), environments, { recursive: true });
  const files = { compose: path.join(environments, 'compose/demo.yaml'), environment: path.join(environments, 'demo.yaml'), secret: path.join(environments, 'secrets/demo/demo_token.txt'), folder: environments };
  if (m.kind === 'value') {
    const base = m.file === 'compose' ? baseCompose : baseEnvironment;
    const paths = keyPaths(base);
    const doc = setAt(base, paths[m.pick % paths.length]!, m.value);
    writeFileSync(files[m.file], YAML.stringify(doc, { aliasDuplicateObjects: false }));
  } else if (m.kind === 'text') {
    const text = readFileSync(files[m.file], 'utf8');
    const at = m.at % (text.length + 1);
    writeFileSync(files[m.file], text.slice(0, at) + m.insert + text.slice(at));
  } else {
    const target = files[m.file];
    rmSync(target, { recursive: true, force: true });
    if (m.as === 'fifo') execFileSync('mkfifo', [target]);
    else if (m.as === 'dir') mkdirSync(target);
    else if (m.as === 'loop') symlinkSync(path.basename(target), target);
    else if (m.as === 'devzero') symlinkSync('/dev/zero', target);
    else if (m.as === 'empty') writeFileSync(target, '');
    else if (m.file !== 'folder') {
      // 'missing': the file is gone (rmSync above); a missing folder stays missing too.
      writeFileSync(target, 'x');
      unlinkSync(target);
    }
  }
  return cwd;
}

async function phoenix(cwd: string, argv: readonly string[]): Promise<{ code: number; out: string; ms: number; heapGrowth: number }> {
  const captured = capturingIo(cwd, { PHOENIX_DEMO_TOKEN: 'fuzz' });
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const code = await main([...argv, '--state-dir', path.join(tmp, 'state')], captured.io);
  return { code, out: captured.stdout() + captured.stderr(), ms: performance.now() - started, heapGrowth: process.memoryUsage().heapUsed - heapBefore };
}

function expectWellBehaved(run: { code: number; out: string; ms: number; heapGrowth: number }, what: string): void {
  expect([0, 1, 2], what).toContain(run.code);
  expect(run.out, what).not.toMatch(/^\s+at .+[(:]/m);
  expect(run.out, what).not.toContain('internal error');
  expect(run.ms, what).toBeLessThan(CASE_MS);
  expect(run.heapGrowth, what).toBeLessThan(CASE_HEAP_BYTES);
}

describe('fuzz: broken manifests and files never crash, hang or blow up', () => {
  it(`${RUNS} mutations of the example environments through validate and plan`, { timeout: 240_000 }, async () => {
    writeFileSync(path.join(tmp, 'empty-observed.json'), '{}');
    const outcomes = { valid: 0, invalid: 0 };
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const cwd = mutatedWorkspace(m);
        const what = JSON.stringify(m, (_k, v: unknown) => (typeof v === 'string' && v.length > 60 ? `${v.slice(0, 60)}…` : v));
        const validate = await phoenix(cwd, ['validate', '--env', 'demo']);
        expectWellBehaved(validate, `validate ${what}`);
        if (validate.code === 1) {
          outcomes.invalid++;
          // An invalid answer names a place and a code.
          expect(validate.out, what).toMatch(/PHX-[A-Z-]+/);
        } else {
          outcomes.valid++;
        }
        const plan = await phoenix(cwd, ['plan', '--env', 'demo', '--observed', path.join(tmp, 'empty-observed.json')]);
        expectWellBehaved(plan, `plan ${what}`);
        // validate and plan agree on whether the environment is valid (plan may add "changes": 0 here).
        if (validate.code === 1) expect(plan.code, what).toBe(1);
        rmSync(cwd, { recursive: true, force: true });
      }),
      { numRuns: RUNS },
    );
    // The generator must mostly break things, yet not only at the YAML parser.
    expect(outcomes.invalid).toBeGreaterThan(RUNS / 3);
  });
});
