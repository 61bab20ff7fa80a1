/**
 * The editor schemas in a real editor's language server: the `yaml-language-server` npm package
 * (what VS Code's YAML extension runs) is spawned and spoken to over stdio with LSP, exactly as
 * an editor does. The repository's own files (through their modelines), every valid file of the
 * compose corpus and every YAML example of the docs (through `yaml.schemas`, as the settings
 * `phoenix editor vscode` writes) get no diagnostic; a typo does, on its line; completion and
 * hover come from the schema.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EDITOR_CUSTOM_TAGS } from '../../src/editor/editor-schema.js';
import { BROKEN_UPSTREAM, CORPUS } from '../corpus/corpus-cases.js';
import { completeEnvironmentExample, docYamlExamples } from '../support/doc-yaml-examples.js';
import type { LspDiagnostic } from '../support/yaml-language-client.js';
import { YamlLanguageClient } from '../support/yaml-language-client.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const COMPOSE_SCHEMA = pathToFileURL(path.join(ROOT, 'schemas/editor/compose.schema.json')).href;
const ENVIRONMENT_SCHEMA = pathToFileURL(path.join(ROOT, 'schemas/editor/environment.schema.json')).href;
/** Starting the server and compiling the schemas once takes a few seconds on a loaded machine. */
const SLOW = 300_000;

/** The corpus files that are valid YAML (the one that is not cannot be clean in any editor). */
const CORPUS_FILES = CORPUS.filter((entry) => BROKEN_UPSTREAM[entry.name]?.phoenixCode !== 'PHX-YAML-SYNTAX').map((entry) =>
  path.join(ROOT, 'test/fixtures/compose', entry.folder, entry.file),
);

/** Every YAML file under environments/: each names its editor schema in its modeline. */
function repositoryManifests(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry.name)) out.push(full);
    }
  };
  walk(path.join(ROOT, 'environments'));
  return out.sort();
}

/** Every ```yaml block of the README and docs/*.md (docs/manifest.md has a section of environment-file examples). */
const DOC_EXAMPLES = [
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .flatMap((name) => docYamlExamples(path.join(ROOT, 'docs', name), name === 'manifest.md' ? 'The environment file' : undefined)),
  ...docYamlExamples(path.join(ROOT, 'README.md')),
];

function shown(diagnostics: readonly LspDiagnostic[]): string[] {
  return diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`);
}

let scratch = '';
let client: YamlLanguageClient;
const docFiles: { example: (typeof DOC_EXAMPLES)[number]; file: string }[] = [];

beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'phoenix-lsp-'));
  mkdirSync(path.join(scratch, 'docs'));
  for (const example of DOC_EXAMPLES) {
    const file = path.join(scratch, 'docs', `${path.basename(example.file, '.md')}-${example.line}.${example.kind}.yaml`);
    // A modeline in an example is relative to where the example says the file lives; here the
    // settings associate the schema instead, so the line is blanked (line numbers stay).
    const text = example.text.replace(/^# yaml-language-server:.*$/m, '#');
    writeFileSync(file, example.kind === 'environment' ? completeEnvironmentExample(text) : text);
    docFiles.push({ example, file });
  }
  const glob = (kind: string): string[] => docFiles.filter((d) => d.example.kind === kind).map((d) => pathToFileURL(d.file).href);
  client = await YamlLanguageClient.start(ROOT, {
    schemas: {
      [COMPOSE_SCHEMA]: [...CORPUS_FILES.map((file) => pathToFileURL(file).href), ...glob('compose'), `${pathToFileURL(scratch).href}/*.compose.yaml`],
      [ENVIRONMENT_SCHEMA]: [...glob('environment'), `${pathToFileURL(scratch).href}/*.environment.yaml`],
    },
    customTags: EDITOR_CUSTOM_TAGS,
  });
}, SLOW);

afterAll(async () => {
  await client?.stop();
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
});

describe('yaml-language-server with the editor schemas', () => {
  it('finds the repository manifests (a guard against an empty list)', () => {
    expect(repositoryManifests().map((file) => path.relative(ROOT, file))).toEqual(
      expect.arrayContaining(['environments/demo.yaml', 'environments/compose/phoenix-hydra.yaml', 'environments/overlays/prod.yaml']),
    );
    expect(CORPUS_FILES.length).toBeGreaterThan(35);
    expect(DOC_EXAMPLES.length).toBeGreaterThan(50);
  });

  it('gives no diagnostic on the repository manifests (through their modelines)', async () => {
    // Opened together: the server validates each after a short delay of its own.
    const files = repositoryManifests();
    const diagnostics = await Promise.all(files.map((file) => client.open(file)));
    files.forEach((file, i) => expect(shown(diagnostics[i]!), path.relative(ROOT, file)).toEqual([]));
  }, SLOW);

  it('gives no diagnostic on any valid file of the compose corpus', async () => {
    const diagnostics = await Promise.all(CORPUS_FILES.map((file) => client.open(file)));
    CORPUS_FILES.forEach((file, i) => expect(shown(diagnostics[i]!), path.relative(ROOT, file)).toEqual([]));
  }, SLOW);

  it('gives no diagnostic on the YAML examples of the docs', async () => {
    const diagnostics = await Promise.all(docFiles.map(({ file }) => client.open(file)));
    docFiles.forEach(({ example }, i) => expect(shown(diagnostics[i]!), `${path.relative(ROOT, example.file)}:${example.line} (${example.kind})`).toEqual([]));
    // The examples are really checked: an unknown key in one of each kind is flagged.
    for (const kind of ['compose', 'environment'] as const) {
      const { file } = docFiles.find((d) => d.example.kind === kind)!;
      await client.close(file);
      const flagged = await client.open(file, `${readFileSync(file, 'utf8')}bogus_key: 1\n`);
      expect(shown(flagged), kind).toEqual([expect.stringMatching(/bogus_key/)]);
      await client.close(file);
    }
  }, SLOW);

  it('accepts interpolations where Compose allows them, and still flags a wrong literal', async () => {
    const file = path.join(scratch, 'interpolated.compose.yaml');
    const text = [
      'services:',
      '  web:',
      '    image: nginx:${NGINX_TAG:-1.27}',
      '    read_only: ${WEB_READ_ONLY:-true}',
      '    ports: ["${WEB_PORT:-8080}:80", "${BIND:-127.0.0.1}:8443:443"]',
      '    deploy:',
      '      replicas: ${WEB_REPLICAS:-1}',
      '    healthcheck:',
      '      retries: "3"',
      '      interval: $INTERVAL',
      '    restart: ${RESTART:-always}',
      'networks:',
      '  app:',
      '    ipam:',
      '      config:',
      '        - subnet: ${SUBNET:-10.89.0.0/24}',
      '',
    ].join('\n');
    expect(shown(await client.open(file, text))).toEqual([]);
    await client.close(file);
    const wrong = text.replace('retries: "3"', 'retries: lots').replace('restart: ${RESTART:-always}', 'restart: sometimes');
    const diagnostics = await client.open(file, wrong);
    expect(diagnostics.map((d) => d.range.start.line).sort((a, b) => a - b)).toEqual([8, 10]);
    await client.close(file);
  }, SLOW);

  it('flags a misspelt key on its line', async () => {
    const file = path.join(ROOT, 'environments/compose/phoenix-hydra.yaml');
    const original = readFileSync(file, 'utf8');
    const lines = original.split('\n');
    const imageLine = lines.findIndex((line) => /^ {4}image: /.test(line));
    expect(imageLine).toBeGreaterThan(0);
    lines[imageLine] = lines[imageLine]!.replace('image:', 'imgae:');
    const diagnostics = await client.open(file, lines.join('\n'));
    await client.close(file);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.range.start.line).toBe(imageLine);
    expect(diagnostics[0]!.message).toMatch(/imgae/);
  }, SLOW);

  it('offers every service key in completion at a service', async () => {
    const file = path.join(scratch, 'completion.compose.yaml');
    await client.open(file, 'services:\n  web:\n    \n');
    const labels = await client.completionLabels(file, { line: 2, character: 4 });
    await client.close(file);
    const schema = JSON.parse(readFileSync(path.join(ROOT, 'schemas/compose.schema.json'), 'utf8')) as { definitions: { service: { properties: object } } };
    const serviceKeys = Object.keys(schema.definitions.service.properties);
    expect(serviceKeys.length).toBeGreaterThan(30);
    expect(serviceKeys.filter((key) => !labels.includes(key))).toEqual([]);
  }, SLOW);

  it('offers the environment file keys at its top level', async () => {
    const file = path.join(scratch, 'completion.environment.yaml');
    await client.open(file, 'project: demo\ncompose: [c.yaml]\n\n');
    const labels = await client.completionLabels(file, { line: 2, character: 0 });
    await client.close(file);
    expect(labels).toEqual(expect.arrayContaining(['policy', 'secrets', 'variables', 'dotenv', 'profiles']));
  }, SLOW);

  it('shows the schema description on hover', async () => {
    const file = path.join(scratch, 'hover.compose.yaml');
    await client.open(file, 'services:\n  web:\n    image: nginx\n    read_only: true\n');
    const image = await client.hover(file, { line: 2, character: 6 });
    const readOnly = await client.hover(file, { line: 3, character: 6 });
    await client.close(file);
    expect(image).toContain('The image to run');
    expect(readOnly).toContain("root filesystem read-only");
  }, SLOW);
});

describe('yaml.customTags', () => {
  it('is what makes !reset and !override known to the server', async () => {
    const overlay = path.join(ROOT, 'environments/overlays/prod.yaml');
    const text = `${readFileSync(overlay, 'utf8')}\n  extra:\n    image: nginx\n    command: !override [sh, -c, "true"]\n    labels: !reset {}\n`;
    expect(shown(await client.open(overlay, text))).toEqual([]);
    await client.close(overlay);
    const bare = await YamlLanguageClient.start(ROOT, { schemas: {}, customTags: [] });
    try {
      const unknown = await bare.open(overlay, text);
      expect(unknown.map((d) => d.message).join('\n')).toMatch(/Unresolved tag: !reset/);
      expect(unknown.map((d) => d.message).join('\n')).toMatch(/Unresolved tag: !override/);
    } finally {
      await bare.stop();
    }
  }, SLOW);
});
