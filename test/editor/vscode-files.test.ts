/**
 * `phoenix editor vscode` without Podman: the files it writes, how it merges into files the
 * user already has (JSON with comments, read back with jsonc-parser as VS Code reads them), the
 * validate task's problem matcher applied to real `phoenix validate` output (through a test
 * double of VS Code's matcher), and the settings driving the real yaml-language-server.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'jsonc-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoenixCommand } from '../../src/cli/editor-command.js';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import type { ProblemMatcherJson } from '../support/vscode-problem-matcher.js';
import { matchProblems } from '../support/vscode-problem-matcher.js';
import { YamlLanguageClient } from '../support/yaml-language-client.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PHOENIX = `node ${path.join(REPO, 'bin', 'phoenix.js')}`;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface TaskJson {
  readonly label: string;
  readonly command: string;
  readonly problemMatcher: ProblemMatcherJson | [];
  readonly isBackground?: boolean;
}

let tmp = '';

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'phoenix-vscode-'));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmp, 'ws-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

async function phoenix(cwd: string, args: readonly string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const env: Record<string, string | undefined> = { ...process.env, PHOENIX_STATE_DIR: path.join(tmp, 'state') };
  delete env.PHOENIX_ENVIRONMENTS;
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, cwd, interactive: false, confirm: () => Promise.resolve(false) };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

function readJsonc<T>(file: string): T {
  return parse(readFileSync(file, 'utf8'), [], { allowTrailingComma: true }) as T;
}

const VALID = {
  'environments/dev.yaml': 'project: shop\ncompose: [compose/shop.yaml]\n',
  'environments/prod.yaml': 'project: shop\ncompose: [compose/shop.yaml, overlays/prod.yaml]\n',
  'environments/compose/shop.yaml': 'services:\n  web:\n    image: nginx\n  worker:\n    image: busybox\n',
  'environments/overlays/prod.yaml': 'services:\n  web:\n    ports: !reset []\n',
};

describe('phoenix editor vscode: the files', () => {
  it('writes the tasks, inputs and settings for the environments and their services', async () => {
    const ws = workspace(VALID);
    const run = await phoenix(ws, ['editor', 'vscode', '--command', PHOENIX]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('wrote .vscode/tasks.json');
    const tasks = readJsonc<{ version: string; tasks: TaskJson[]; inputs: { id: string; options: unknown[] }[] }>(path.join(ws, '.vscode/tasks.json'));
    expect(tasks.version).toBe('2.0.0');
    expect(tasks.tasks.map((t) => t.label)).toEqual(['phoenix: validate', 'phoenix: plan', 'phoenix: apply', 'phoenix: watch', 'phoenix: status', 'phoenix: restart service', 'phoenix: logs of service']);
    const byId = new Map(tasks.inputs.map((input) => [input.id, input]));
    expect(byId.get('phoenixEnvironment')!.options).toEqual(['dev', 'prod']);
    expect(byId.get('phoenixService')!.options).toEqual([
      { label: 'dev: web', value: '--env dev web' },
      { label: 'dev: worker', value: '--env dev worker' },
      { label: 'prod: web', value: '--env prod web' },
      { label: 'prod: worker', value: '--env prod worker' },
    ]);
    expect(tasks.tasks.find((t) => t.label === 'phoenix: watch')!.command).toBe(`${PHOENIX} watch --env \${input:phoenixEnvironment}`);
    const settings = readJsonc<Record<string, unknown>>(path.join(ws, '.vscode/settings.json'));
    expect(settings['yaml.customTags']).toEqual(expect.arrayContaining(['!reset sequence', '!override mapping']));
    const schemas = settings['yaml.schemas'] as Record<string, string[]>;
    expect(schemas[path.join(REPO, 'schemas/editor/compose.schema.json')]).toEqual(['environments/compose/shop.yaml', 'environments/overlays/prod.yaml']);
    expect(schemas[path.join(REPO, 'schemas/editor/environment.schema.json')]).toEqual(['environments/*.yaml']);
    expect(readJsonc<{ recommendations: string[] }>(path.join(ws, '.vscode/extensions.json')).recommendations).toEqual(['redhat.vscode-yaml']);
  });

  it('runs Phoenix the way the workspace has it: its own install, the checkout, or PATH', async () => {
    const installed = workspace({ ...VALID, 'node_modules/.bin/phoenix': '#!/bin/sh\n' });
    await phoenix(installed, ['editor', 'vscode']);
    const commandOf = (ws: string): string => readJsonc<{ tasks: TaskJson[] }>(path.join(ws, '.vscode/tasks.json')).tasks[0]!.command;
    expect(commandOf(installed)).toBe('npx --no-install phoenix validate --all');
    const elsewhere = workspace(VALID);
    await phoenix(elsewhere, ['editor', 'vscode']);
    expect(commandOf(elsewhere)).toBe('phoenix validate --all');
    // Phoenix's own checkout: the tasks run its bin/phoenix.js.
    expect(phoenixCommand(REPO, REPO)).toBe('node bin/phoenix.js');
  });

  it('merges into existing files: the user keeps their tasks, inputs, settings and comments; Phoenix replaces only its own', async () => {
    const ws = workspace({
      ...VALID,
      '.vscode/tasks.json': [
        '// my tasks',
        '{',
        '  "version": "2.0.0",',
        '  "tasks": [',
        '    // builds the frontend',
        '    { "label": "npm: build", "type": "npm", "script": "build" },',
        '    { "label": "phoenix: plan", "type": "shell", "command": "old phoenix plan" },',
        '  ],',
        '  "inputs": [ { "id": "mine", "type": "promptString", "description": "mine" } ],',
        '}',
        '',
      ].join('\n'),
      '.vscode/settings.json': [
        '{',
        '  // keep my font',
        '  "editor.fontSize": 15,',
        '  "yaml.schemas": {',
        '    "https://json.schemastore.org/github-workflow.json": [".github/workflows/*.yml"],',
        '    "/old/place/of/phoenix/schemas/editor/compose.schema.json": ["stale.yaml"]',
        '  },',
        '  "yaml.customTags": ["!secret scalar"]',
        '}',
        '',
      ].join('\n'),
    });
    const first = await phoenix(ws, ['editor', 'vscode', '--command', PHOENIX]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('updated .vscode/tasks.json');
    const tasksText = readFileSync(path.join(ws, '.vscode/tasks.json'), 'utf8');
    expect(tasksText).toContain('// my tasks');
    expect(tasksText).toContain('// builds the frontend');
    const tasks = readJsonc<{ tasks: TaskJson[]; inputs: { id: string }[] }>(path.join(ws, '.vscode/tasks.json'));
    expect(tasks.tasks.filter((t) => t.label === 'npm: build')).toHaveLength(1);
    expect(tasks.tasks.filter((t) => t.label === 'phoenix: plan')).toEqual([expect.objectContaining({ command: `${PHOENIX} plan --env \${input:phoenixEnvironment}` })]);
    expect(tasks.tasks.map((t) => t.label)[0]).toBe('npm: build');
    expect(tasks.inputs.map((i) => i.id)).toEqual(['mine', 'phoenixEnvironment', 'phoenixService', 'phoenixConfirmApply']);
    const settingsText = readFileSync(path.join(ws, '.vscode/settings.json'), 'utf8');
    expect(settingsText).toContain('// keep my font');
    const settings = readJsonc<Record<string, unknown>>(path.join(ws, '.vscode/settings.json'));
    expect(settings['editor.fontSize']).toBe(15);
    const schemas = settings['yaml.schemas'] as Record<string, string[]>;
    expect(Object.keys(schemas).sort()).toEqual([path.join(REPO, 'schemas/editor/compose.schema.json'), path.join(REPO, 'schemas/editor/environment.schema.json'), 'https://json.schemastore.org/github-workflow.json'].sort());
    expect(settings['yaml.customTags']).toEqual(['!secret scalar', '!reset scalar', '!reset sequence', '!reset mapping', '!override scalar', '!override sequence', '!override mapping']);
    // A second run changes nothing.
    const second = await phoenix(ws, ['editor', 'vscode', '--command', PHOENIX]);
    expect(second.stdout).toContain('unchanged .vscode/tasks.json');
    expect(second.stdout).toContain('unchanged .vscode/settings.json');
    expect(readFileSync(path.join(ws, '.vscode/tasks.json'), 'utf8')).toBe(tasksText);
    expect(readFileSync(path.join(ws, '.vscode/settings.json'), 'utf8')).toBe(settingsText);
  });

  it('refuses a file it cannot read, with where and why, and writes nothing', async () => {
    const broken = '{\n  "version": "2.0.0",\n  "tasks": [ { "label": "x" ]\n}\n';
    const ws = workspace({ ...VALID, '.vscode/tasks.json': broken });
    const run = await phoenix(ws, ['editor', 'vscode']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^\.vscode\/tasks\.json:3:\d+ error PHX-EDITOR-FILE-INVALID the file is not valid JSON with comments \(.+\)\. Correct the file/);
    expect(readFileSync(path.join(ws, '.vscode/tasks.json'), 'utf8')).toBe(broken);
    expect(existsSync(path.join(ws, '.vscode/settings.json'))).toBe(false);
  });

  it('passes an environments folder other than ./environments to every task, quoted for the shell', async () => {
    const ws = workspace(Object.fromEntries(Object.entries(VALID).map(([file, text]) => [file.replace('environments/', 'my envs/'), text])));
    const run = await phoenix(ws, ['editor', 'vscode', '--command', PHOENIX, '--environments', 'my envs']);
    expect(run.code, run.stderr).toBe(0);
    const tasks = readJsonc<{ tasks: TaskJson[] }>(path.join(ws, '.vscode/tasks.json')).tasks;
    expect(tasks.find((t) => t.label === 'phoenix: validate')!.command).toBe(`${PHOENIX} validate --all --environments 'my envs'`);
    const validate = spawnSync('/bin/sh', ['-c', tasks[0]!.command], { cwd: ws, encoding: 'utf8', env: { ...process.env, PHOENIX_STATE_DIR: path.join(tmp, 'state') } });
    expect(validate.stdout).toContain('ok dev: valid, 2 services');
    expect(validate.status).toBe(0);
    const schemas = readJsonc<{ 'yaml.schemas': Record<string, string[]> }>(path.join(ws, '.vscode/settings.json'))['yaml.schemas'];
    expect(schemas[path.join(REPO, 'schemas/editor/environment.schema.json')]).toEqual(['my envs/*.yaml']);
  });

  it('says what to do when there is no environment', async () => {
    const run = await phoenix(workspace({}), ['editor', 'vscode']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no environments in environments .*phoenix init --from/);
  });
});

describe('the validate task against real `phoenix validate` output', () => {
  it('gives VS Code the file, line, column, severity, code and message of every issue', async () => {
    const ws = workspace({
      'environments/dev.yaml': 'project: shop\ncompose: [compose/shop.yaml]\nsecrets:\n  token:\n    environment: PHOENIX_EDITOR_TEST_UNSET_TOKEN\n',
      'environments/compose/shop.yaml': [
        'services:',
        '  web:',
        '    imgae: nginx',
        '    image: nginx',
        '    ports: ["99999:80"]',
        '    expose: ["8080"]',
        '    secrets: [token]',
        'secrets:',
        '  token:',
        '    environment: PHOENIX_EDITOR_TEST_UNSET_TOKEN',
        '',
      ].join('\n'),
    });
    await phoenix(ws, ['editor', 'vscode', '--command', PHOENIX]);
    const validate = readJsonc<{ tasks: TaskJson[] }>(path.join(ws, '.vscode/tasks.json')).tasks.find((t) => t.label === 'phoenix: validate')!;
    // The task's command line, run by a shell in the workspace as VS Code runs it.
    const text = spawnSync('/bin/sh', ['-c', validate.command], { cwd: ws, encoding: 'utf8', env: { ...process.env, PHOENIX_STATE_DIR: path.join(tmp, 'state') } });
    expect(text.status).toBe(1);
    const json = spawnSync('/bin/sh', ['-c', `${validate.command} --json`], { cwd: ws, encoding: 'utf8', env: { ...process.env, PHOENIX_STATE_DIR: path.join(tmp, 'state') } });
    const issues = (JSON.parse(json.stdout) as { environments: { issues: { code: string; severity: string; location: { file: string; line: number; column: number }; path: string; message: string; remediation: string }[] }[] }).environments.flatMap((e) => e.issues);
    expect(new Set(issues.map((i) => i.severity))).toEqual(new Set(['error', 'warning', 'note']));
    const problems = matchProblems(validate.problemMatcher as ProblemMatcherJson, text.stdout, ws);
    expect(problems).toEqual(
      issues.map((issue) => ({
        file: path.join(ws, issue.location.file),
        line: issue.location.line,
        column: issue.location.column,
        severity: issue.severity === 'note' ? 'info' : issue.severity,
        code: issue.code,
        message: `${issue.path === '' ? '' : `${issue.path}: `}${issue.message} ${issue.remediation}`,
      })),
    );
    expect(problems.find((p) => p.code === 'PHX-UNKNOWN-KEY')).toMatchObject({ file: path.join(ws, 'environments/compose/shop.yaml'), line: 3, column: 5, severity: 'error' });
    // Every other line is a summary: an issue never spills over two lines.
    const others = text.stdout.split('\n').filter((line) => line !== '' && !new RegExp((validate.problemMatcher as ProblemMatcherJson).pattern.regexp).test(line));
    expect(others).toEqual(['FAIL dev: 2 errors, 1 warning, 1 note']);
  });
});

describe('the settings in the real yaml-language-server', () => {
  it('associate the schemas and tags with the workspace files (no modelines needed)', async () => {
    const ws = workspace({ ...VALID, 'environments/compose/shop.yaml': 'services:\n  web:\n    image: nginx\n    ports: ["${PORT:-8080}:80"]\n  worker:\n    imgae: busybox\n' });
    await phoenix(ws, ['editor', 'vscode', '--command', PHOENIX]);
    const settings = readJsonc<{ 'yaml.schemas': Record<string, string[]>; 'yaml.customTags': string[] }>(path.join(ws, '.vscode/settings.json'));
    const client = await YamlLanguageClient.start(ws, { schemas: settings['yaml.schemas'], customTags: settings['yaml.customTags'] });
    try {
      const compose = await client.open(path.join(ws, 'environments/compose/shop.yaml'));
      expect(compose.map((d) => `${d.range.start.line + 1} ${d.message}`)).toEqual([expect.stringMatching(/^6 .*imgae/)]);
      expect(await client.open(path.join(ws, 'environments/overlays/prod.yaml'))).toEqual([]);
      const environment = await client.open(path.join(ws, 'environments/dev.yaml'), 'project: shop\ncompose: [compose/shop.yaml]\npolcy: {}\n');
      expect(environment.map((d) => `${d.range.start.line + 1} ${d.message}`)).toEqual([expect.stringMatching(/^3 .*polcy/)]);
    } finally {
      await client.stop();
    }
  }, 120_000);

  it('resolve schema paths relative to the workspace (as written when Phoenix is installed inside it)', async () => {
    const ws = workspace({ ...VALID, 'environments/compose/shop.yaml': 'services:\n  web:\n    imgae: nginx\n' });
    for (const name of ['compose', 'environment']) {
      mkdirSync(path.join(ws, 'schemas/editor'), { recursive: true });
      writeFileSync(path.join(ws, `schemas/editor/${name}.schema.json`), readFileSync(path.join(REPO, `schemas/editor/${name}.schema.json`)));
    }
    const client = await YamlLanguageClient.start(ws, { schemas: { 'schemas/editor/compose.schema.json': ['environments/compose/shop.yaml'] }, customTags: [] });
    try {
      const compose = await client.open(path.join(ws, 'environments/compose/shop.yaml'));
      expect(compose.map((d) => `${d.range.start.line + 1} ${d.message}`)).toEqual([expect.stringMatching(/^3 .*imgae/)]);
    } finally {
      await client.stop();
    }
  }, 120_000);
});
