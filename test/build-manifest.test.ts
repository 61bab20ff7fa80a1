import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changedInputs } from '../src/manifest/build-inputs.js';
import { nodeContextReader } from '../src/manifest/context-reader.js';
import { localImageRef } from '../src/manifest/desired-build.js';
import { loadEnvironment } from '../src/manifest/load.js';
import type { LoadResult } from '../src/manifest/load.js';
import { nodeReader } from '../src/manifest/node-reader.js';
import { SecretDigester } from '../src/model/hash.js';
import type { DesiredService } from '../src/model/desired.js';
import { formatIssue } from '../src/model/issue.js';
import { desiredFrom, loadFixture } from './support/load-fixture.js';

/** `build:` and `pull_policy` in the loader: the build digest from real folders on disk, and bad input. */

let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'phx-build-'));
  mkdirSync(path.join(root, 'environments'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(relative: string, text: string): void {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

function load(compose: string, processEnv: Record<string, string> = {}): LoadResult {
  write('environments/test.yaml', 'project: app\ncompose: [compose.yaml]\n');
  write('environments/compose.yaml', compose);
  return loadEnvironment({
    environmentsDir: path.join(root, 'environments'),
    name: 'test',
    reader: nodeReader,
    contextReader: nodeContextReader,
    processEnv,
    cwd: root,
    homeDir: root,
    digester: new SecretDigester(new Uint8Array(32).fill(1)),
    requireSecretValues: true,
  });
}

function web(compose: string, processEnv: Record<string, string> = {}): DesiredService {
  const result = load(compose, processEnv);
  if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
  const found = result.desired.services.find((s) => s.name === 'web');
  if (found === undefined) throw new Error('no web');
  return found;
}

const SHORT = 'services:\n  web:\n    build: ./app\n';

describe('build digest', () => {
  beforeEach(() => {
    write('environments/app/Dockerfile', 'FROM localhost/phoenix-demo/busybox:1\nCOPY . /app\n');
    write('environments/app/index.html', 'hello\n');
    write('environments/app/sub/deep.txt', 'deep\n');
  });

  it('the short form builds the folder with its Dockerfile, tagged <project>-<service> as Compose v2 names it', () => {
    const service = web(SHORT);
    expect(service.build?.context).toBe(path.join(root, 'environments/app'));
    expect(service.build?.dockerfile).toEqual({ kind: 'file', path: path.join(root, 'environments/app/Dockerfile') });
    expect(service.spec.image).toBe('localhost/app-web:latest');
    expect(service.build?.image).toBe('localhost/app-web:latest');
    expect(service.build?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(service.build?.inputs ?? {})).toEqual(expect.arrayContaining(['Dockerfile', 'index.html', 'sub/deep.txt', '(args)']));
  });

  it('is stable when nothing changed, and changes with a file, naming that file', () => {
    const before = web(SHORT).build!;
    expect(web(SHORT).build!.digest).toBe(before.digest);
    write('environments/app/index.html', 'hello again\n');
    const after = web(SHORT).build!;
    expect(after.digest).not.toBe(before.digest);
    expect(changedInputs(before.inputs, after.inputs)).toEqual(['index.html']);
  });

  it('changes with a file mode (COPY keeps it)', () => {
    const before = web(SHORT).build!.digest;
    chmodSync(path.join(root, 'environments/app/index.html'), 0o755);
    expect(web(SHORT).build!.digest).not.toBe(before);
  });

  it('ignores what .dockerignore excludes, with Docker semantics (root-anchored names, ! exceptions)', () => {
    write('environments/app/.dockerignore', 'notes.md\nlogs\n*.tmp\n!keep.tmp\n');
    write('environments/app/notes.md', 'a');
    write('environments/app/logs/a.log', 'a');
    write('environments/app/sub/notes.md', 'sub notes are not excluded by a root pattern');
    const before = web(SHORT).build!;
    write('environments/app/notes.md', 'b');
    write('environments/app/logs/a.log', 'b');
    write('environments/app/x.tmp', 'b');
    expect(web(SHORT).build!.digest).toBe(before.digest);
    write('environments/app/keep.tmp', 'kept by the exception');
    expect(changedInputs(before.inputs, web(SHORT).build!.inputs)).toEqual(['keep.tmp']);
    write('environments/app/sub/notes.md', 'changed');
    expect(changedInputs(before.inputs, web(SHORT).build!.inputs)).toEqual(['keep.tmp', 'sub/notes.md']);
  });

  it('.containerignore wins over .dockerignore, as in Podman', () => {
    write('environments/app/.containerignore', 'index.html\n');
    write('environments/app/.dockerignore', 'sub\n');
    const before = web(SHORT).build!.digest;
    write('environments/app/index.html', 'changed');
    expect(web(SHORT).build!.digest).toBe(before);
    write('environments/app/sub/deep.txt', 'changed');
    expect(web(SHORT).build!.digest).not.toBe(before);
  });

  it('args (map and list, a bare KEY from the variables), target and labels enter the digest', () => {
    const compose = (extra: string): string => `services:\n  web:\n    image: my/web:2\n    build:\n      context: ./app\n${extra}`;
    const plain = web(compose(''));
    expect(plain.spec.image).toBe('localhost/my/web:2');
    const withArgs = web(compose('      args:\n        A: "1"\n        FROM_ENV:\n'), { FROM_ENV: 'x' });
    expect(withArgs.build!.args).toEqual({ A: '1', FROM_ENV: 'x' });
    expect(withArgs.build!.digest).not.toBe(plain.build!.digest);
    const list = web(compose('      args: [A=1, FROM_ENV]\n'), { FROM_ENV: 'x' });
    expect(list.build!.digest).toBe(withArgs.build!.digest);
    const unset = web(compose('      args: [A=1, FROM_ENV]\n'));
    expect(unset.build!.args).toEqual({ A: '1' });
    const target = web(compose('      target: prod\n'));
    expect(changedInputs(plain.build!.inputs, target.build!.inputs)).toEqual(['(target)']);
  });

  it('reads the long form: dockerfile, inline Dockerfile, network, extra_hosts, shm_size, cache_from, no_cache, tags', () => {
    write('environments/app/other.Dockerfile', 'FROM localhost/phoenix-demo/busybox:1\n');
    const long = web(
      'services:\n  web:\n    build:\n      context: app\n      dockerfile: other.Dockerfile\n      network: host\n      extra_hosts: ["db:10.0.0.2"]\n      shm_size: 64m\n      cache_from: [localhost/cache]\n      no_cache: true\n      tags: [localhost/web:extra]\n      labels: {a: b}\n      x-note: fine\n',
    ).build!;
    expect(long).toMatchObject({ dockerfile: { kind: 'file', path: path.join(root, 'environments/app/other.Dockerfile') }, network: 'host', extraHosts: ['db:10.0.0.2'], shmSizeBytes: 64 * 1024 * 1024, cacheFrom: ['localhost/cache'], noCache: true, tags: ['localhost/web:extra'], labels: { a: 'b' } });
    const inline = web('services:\n  web:\n    build:\n      context: app\n      dockerfile_inline: |\n        FROM localhost/phoenix-demo/busybox:1\n').build!;
    expect(inline.dockerfile).toEqual({ kind: 'inline', text: 'FROM localhost/phoenix-demo/busybox:1\n' });
    expect(inline.inputs['(dockerfile_inline)']).toBeDefined();
  });

  it('an overlay merges build key by key', () => {
    write('environments/over.yaml', 'services:\n  web:\n    build:\n      args: {B: "2"}\n');
    write('environments/test.yaml', 'project: app\ncompose: [compose.yaml, over.yaml]\n');
    write('environments/compose.yaml', 'services:\n  web:\n    build:\n      context: ./app\n      args: {A: "1"}\n');
    const result = loadEnvironment({ environmentsDir: path.join(root, 'environments'), name: 'test', reader: nodeReader, contextReader: nodeContextReader, processEnv: {}, cwd: root, homeDir: root, digester: new SecretDigester(new Uint8Array(32)), requireSecretValues: true });
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    const build = result.desired.services[0]!.build!;
    expect(build.context).toBe(path.join(root, 'environments/app'));
    expect(build.args).toEqual({ A: '1', B: '2' });
  });

  it('does not change the config hash of a service without build (no mass recreate on upgrade)', () => {
    const compose = 'services:\n  web:\n    image: nginx:1.27\n';
    const service = desiredFrom(compose).services[0]!;
    expect(service.build).toBeUndefined();
    expect(service.pullPolicy).toBeUndefined();
    // The hash of this spec before builds existed (main at 19e22c3).
    expect(service.configHash).toBe(PRE_BUILD_HASH);
  });
});

/** Computed by main before this change for `image: nginx:1.27` and nothing else. */
const PRE_BUILD_HASH = '2e62be2c4a7c729357769583a8ff2ab726de0c5993efc7c493adb524c9cbf6c5';

describe('bad build input', () => {
  it('a missing context folder is PHX-BUILD-CONTEXT-MISSING at the context value', () => {
    const result = load('services:\n  web:\n    build:\n      context: ./missing\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map(formatIssue)).toEqual([expect.stringMatching(/^environments\/compose\.yaml:4:16 error PHX-BUILD-CONTEXT-MISSING services\.web\.build: the build context environments\/missing .*not a folder/)]);
  });

  it('a missing Dockerfile is PHX-BUILD-DOCKERFILE-MISSING at the dockerfile value', () => {
    write('environments/app/index.html', 'x');
    const result = load('services:\n  web:\n    build:\n      context: ./app\n      dockerfile: Nope.Dockerfile\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map(formatIssue)).toEqual([expect.stringMatching(/^environments\/compose\.yaml:5:19 error PHX-BUILD-DOCKERFILE-MISSING services\.web\.build: .*Nope\.Dockerfile, which does not exist/)]);
  });

  it('a context with neither Dockerfile nor Containerfile is reported at build:', () => {
    write('environments/app/index.html', 'x');
    const result = load(SHORT);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map(formatIssue)).toEqual([expect.stringMatching(/^environments\/compose\.yaml:3:12 error PHX-BUILD-DOCKERFILE-MISSING .*Dockerfile or .*Containerfile/)]);
  });

  it.each([
    ['ssh', 'ssh: [default]'],
    ['secrets', 'secrets: [token]'],
    ['additional_contexts', 'additional_contexts: {a: ../a}'],
    ['platforms', 'platforms: [linux/arm64]'],
  ])('build.%s is refused with a reason, at the key', (key, text) => {
    write('environments/app/Dockerfile', 'FROM scratch\n');
    const result = load(`services:\n  web:\n    build:\n      context: ./app\n      ${text}\n`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map(formatIssue)).toEqual([expect.stringMatching(new RegExp(`^environments/compose\\.yaml:5:\\d+ error PHX-BUILD-UNSUPPORTED services\\.web\\.build\\.${key}: build\\.${key} is refused: `))]);
  });

  it('a URL context is refused', () => {
    const issues = loadFixture('services:\n  web:\n    build: https://github.com/a/b.git\n');
    expect(issues.ok).toBe(false);
    if (!issues.ok) expect(issues.issues.map((i) => i.code)).toContain('PHX-BUILD-UNSUPPORTED');
  });

  it('a service with neither image nor build says to add one of them', () => {
    const result = loadFixture('services:\n  web:\n    command: x\n');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.find((i) => i.code === 'PHX-NO-IMAGE')?.remediation).toContain('build:');
  });
});

describe('pull_policy', () => {
  it.each([
    ['always', { mode: 'always' }],
    ['missing', { mode: 'missing' }],
    ['if_not_present', { mode: 'missing' }],
    ['never', { mode: 'never' }],
    ['daily', { mode: 'every', intervalMs: 86_400_000 }],
    ['weekly', { mode: 'every', intervalMs: 604_800_000 }],
    ['every_12h', { mode: 'every', intervalMs: 43_200_000 }],
    ['every_90s', { mode: 'every', intervalMs: 90_000 }],
  ])('%s is parsed into the desired service, not into its container spec', (text, policy) => {
    const service = desiredFrom(`services:\n  web:\n    image: nginx:1.27\n    pull_policy: ${text}\n`).services[0]!;
    expect(service.pullPolicy).toEqual(policy);
    expect(service.configHash).toBe(PRE_BUILD_HASH);
  });

  it('an unknown policy is a schema error at the value', () => {
    const result = loadFixture('services:\n  web:\n    image: nginx\n    pull_policy: sometimes\n');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]).toMatchObject({ location: { line: 4, column: 18 }, path: 'services.web.pull_policy' });
  });

  it('pull_policy: build needs build:, and a pulling policy contradicts it', () => {
    const noBuild = loadFixture('services:\n  web:\n    image: nginx\n    pull_policy: build\n');
    expect(noBuild.ok).toBe(false);
    if (!noBuild.ok) expect(noBuild.issues.map((i) => `${i.location.line}:${i.location.column} ${i.code}`)).toEqual(['4:5 PHX-PULL-POLICY']);
    write('environments/app/Dockerfile', 'FROM scratch\n');
    const always = load('services:\n  web:\n    build: ./app\n    pull_policy: always\n');
    expect(always.ok).toBe(false);
    if (!always.ok) expect(always.issues.map((i) => i.code)).toEqual(['PHX-PULL-POLICY']);
  });
});

describe('localImageRef', () => {
  it.each([
    ['app-web', 'localhost/app-web:latest'],
    ['my/web:2', 'localhost/my/web:2'],
    ['localhost/x', 'localhost/x:latest'],
    ['ghcr.io/a/b:1', 'ghcr.io/a/b:1'],
    ['registry:5000/a', 'registry:5000/a:latest'],
  ])('%s is stored by Podman as %s', (input, expected) => {
    expect(localImageRef(input)).toBe(expected);
  });
});
