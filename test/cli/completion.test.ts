/**
 * Shell completion, in real shells: the scripts `phoenix completion bash|zsh|fish` prints are
 * loaded into bash, zsh and fish, which call the built `phoenix` (on PATH) for commands,
 * options, environment names and service names. A missing shell is a failure (scripts/setup.sh
 * installs zsh and fish), never a skip.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, cliWorkspace } from '../support/cli-run.js';

let root: string;
let stateDir: string;
let binDir: string;
let workspace: string;

beforeAll(() => {
  const bundle = path.join(REPO_ROOT, 'dist', 'bundle', 'main.js');
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build\` before this test (npm test does).`);
  root = mkdtempSync(path.join(os.tmpdir(), 'phoenix-completion-test-'));
  stateDir = path.join(root, 'state');
  binDir = path.join(root, 'bin');
  mkdirSync(binDir);
  // The installed `phoenix` the scripts call: the built launcher.
  writeFileSync(path.join(binDir, 'phoenix'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(REPO_ROOT, 'bin', 'phoenix.js')}" "$@"\n`);
  chmodSync(path.join(binDir, 'phoenix'), 0o755);
  workspace = cliWorkspace(root, {
    'environments/alpha.yaml': 'project: shop\ncompose: [compose/alpha.yaml]\nsecrets:\n  token:\n    environment: SHOP_TOKEN_UNSET\n',
    'environments/compose/alpha.yaml': 'services:\n  api:\n    image: localhost/x:1\n    secrets: [token]\n  worker:\n    image: localhost/x:1\n  web:\n    image: localhost/x:1\n',
    'environments/beta.yaml': 'project: shop\ncompose: [compose/beta.yaml]\n',
    'environments/compose/beta.yaml': 'services:\n  db:\n    image: localhost/x:1\n',
  });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs a shell with `phoenix` on PATH in the workspace; fails with what to do when the shell is missing. */
function shell(program: string, args: readonly string[], env: Record<string, string> = {}): string {
  const result = spawnSync(program, [...args], {
    cwd: workspace,
    encoding: 'utf8',
    env: { PATH: `${binDir}:${process.env.PATH ?? ''}`, HOME: root, PHOENIX_STATE_DIR: stateDir, ...env },
    timeout: 60_000,
  });
  if (result.error !== undefined) throw new Error(`${program} could not run (${result.error.message}): run scripts/setup.sh, which installs zsh and fish.`);
  if (result.status !== 0) throw new Error(`${program} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

/** What bash's completion offers for the words after `phoenix` (the last one being completed). */
function bash(words: readonly string[], env: Record<string, string> = {}): string[] {
  const quoted = ['phoenix', ...words].map((w) => `'${w}'`).join(' ');
  const script = `source <(phoenix completion bash)\nCOMP_WORDS=(${quoted})\nCOMP_CWORD=${words.length}\n_phoenix_completion\nprintf '%s\\n' "\${COMPREPLY[@]}"\n`;
  return lines(shell('bash', ['--norc', '--noprofile', '-c', script], env)).sort();
}

describe('phoenix completion bash, in bash', () => {
  it('registers the completion function for phoenix', () => {
    expect(shell('bash', ['--norc', '--noprofile', '-c', 'source <(phoenix completion bash) && complete -p phoenix'])).toBe('complete -o default -F _phoenix_completion phoenix\n');
  });

  it('completes commands, options, environment and service names', () => {
    expect(bash(['stat'])).toEqual(['status']);
    expect(bash(['st'])).toEqual(['start', 'status', 'stop']);
    expect(bash([''])).toEqual(expect.arrayContaining(['apply', 'completion', 'config', 'down', 'logs', 'plan', 'restart', 'status', 'validate', 'watch']));
    expect(bash([''])).not.toContain('__complete');
    expect(bash(['status', '--e'])).toEqual(['--env', '--environments']);
    expect(bash(['status', '--env', ''])).toEqual(['alpha', 'beta']);
    expect(bash(['status', '--env', 'al'])).toEqual(['alpha']);
    expect(bash(['logs', '--env', 'alpha', ''])).toEqual(['api', 'web', 'worker']);
    expect(bash(['restart', '--env', 'alpha', 'w'])).toEqual(['web', 'worker']);
    expect(bash(['restart', '--env', 'alpha', 'web', ''])).toEqual(['api', 'worker']);
    expect(bash(['logs', '--env', 'beta', ''])).toEqual(['db']);
    expect(bash(['config', '--format', ''])).toEqual(['json', 'yaml']);
    expect(bash(['completion', ''])).toEqual(['bash', 'fish', 'zsh']);
    expect(bash(['editor', ''])).toEqual(['vscode']);
    expect(bash(['exec', '--env', 'alpha', ''])).toEqual(['api', 'web', 'worker']);
    expect(bash(['exec', '--env', 'alpha', 'api', ''])).toEqual([]);
    expect(bash(['logs', '--tail', '5', '--env', 'beta', ''])).toEqual(['db']);
    expect(bash(['nonsense', ''])).toEqual([]);
  });

  it('takes the service names of the default environment when --env is left out', () => {
    expect(bash(['logs', ''], { PHOENIX_ENV: 'beta' })).toEqual(['db']);
    expect(bash(['logs', ''])).toEqual([]);
  });

  it('creates no digest key: completing reads no secret and writes nothing', () => {
    bash(['logs', '--env', 'alpha', '']);
    expect(existsSync(stateDir)).toBe(false);
  });
});

describe('phoenix completion fish, in fish', () => {
  /** What fish offers for a command line (`complete -C`), candidates only. */
  function fish(commandLine: string, env: Record<string, string> = {}): string[] {
    const script = `phoenix completion fish | source\ncomplete -C ${JSON.stringify(commandLine)}\n`;
    return lines(shell('fish', ['--no-config', '-c', script], env)).map((l) => l.split('\t')[0]!).sort();
  }

  it('completes commands, options, environment and service names', () => {
    expect(fish('phoenix stat')).toEqual(['status']);
    expect(fish('phoenix status --env ')).toEqual(['alpha', 'beta']);
    expect(fish('phoenix logs --env alpha ')).toEqual(['api', 'web', 'worker']);
    expect(fish('phoenix logs --env alpha api w')).toEqual(['web', 'worker']);
    expect(fish('phoenix config --format ')).toEqual(['json', 'yaml']);
    expect(fish('phoenix logs ', { PHOENIX_ENV: 'beta' })).toEqual(['db']);
  });

  it('completes file names for an option that takes a folder', () => {
    expect(fish('phoenix status --environments env')).toEqual(['environments/']);
  });
});

describe('phoenix completion zsh, in zsh', () => {
  /** What zsh's completion function offers: compadd is replaced by a function that prints what it is given. */
  function zsh(words: readonly string[], env: Record<string, string> = {}): string[] {
    const quoted = ['phoenix', ...words].map((w) => `'${w}'`).join(' ');
    const script = `source <(phoenix completion zsh)\ncompadd() { [[ "$1" == -- ]] && shift; print -rl -- "$@"; }\n_files() { print -r -- '<files>'; }\nwords=(${quoted})\nCURRENT=${words.length + 1}\n_phoenix\n`;
    return lines(shell('zsh', ['-f', '-c', script], env)).sort();
  }

  it('is valid zsh that registers _phoenix for phoenix', () => {
    expect(shell('zsh', ['-f', '-c', 'source <(phoenix completion zsh) && print -r -- ${_comps[phoenix]}'])).toBe('_phoenix\n');
  });

  it('completes commands, environment and service names, and falls back to files', () => {
    expect(zsh(['stat'])).toEqual(['status']);
    expect(zsh(['status', '--env', ''])).toEqual(['alpha', 'beta']);
    expect(zsh(['logs', '--env', 'alpha', ''])).toEqual(['api', 'web', 'worker']);
    expect(zsh(['logs', ''], { PHOENIX_ENV: 'beta' })).toEqual(['db']);
    expect(zsh(['status', '--environments', ''])).toEqual(['<files>']);
  });
});

describe('phoenix completion', () => {
  it('refuses an unknown shell', () => {
    const result = spawnSync(path.join(binDir, 'phoenix'), ['completion', 'powershell'], { cwd: workspace, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: root } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("'powershell' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.");
    expect(result.stdout).toBe('');
  });
});
