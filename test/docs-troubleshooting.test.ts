/**
 * docs/troubleshooting.md cannot drift: every console example in it is run for real (the built
 * CLI on its fixture under test/fixtures/troubleshooting/, Podman examples against the real
 * Podman) and must print what the page shows; every code docs/errors.md lists has a section.
 * `UPDATE_DOCS=1 npx vitest run test/docs-troubleshooting.test.ts` rewrites the blocks from
 * what the commands print now (read the diff before committing it).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/cli-run.js';
import { type ConsoleExample, consoleExamples, renderSteps, rewriteExamples } from './support/console-examples.js';
import { inParallel, runConsoleExample, type StepResult } from './support/console-example-runner.js';
import { requirePodman } from './support/podman-host.js';

const PAGE = path.join(REPO_ROOT, 'docs', 'troubleshooting.md');
const ERRORS = path.join(REPO_ROOT, 'docs', 'errors.md');
const examples = consoleExamples(PAGE);
/** Two cores in CI: a few commands at once keep both busy while Podman waits on its locks. */
const CONCURRENCY = 4;

/** Every code docs/errors.md explains. */
function documentedCodes(): string[] {
  const codes = readFileSync(ERRORS, 'utf8').matchAll(/`((?:PHX|PODMAN)-[A-Z0-9]+(?:-[A-Z0-9]+)*)`/g);
  return [...new Set([...codes].map((match) => match[1]!))].sort();
}

/** The page cut into one section per `### \`CODE\`` heading (a heading may name several codes). */
function codeSections(text: string): Map<string, string> {
  const sections = new Map<string, string>();
  const parts = text.split(/^(?=#{2,3} )/m);
  for (const part of parts) {
    const heading = /^### (.*)$/m.exec(part);
    if (heading === null || !part.startsWith('### ')) continue;
    for (const match of heading[1]!.matchAll(/`((?:PHX|PODMAN)-[A-Z0-9-]+)`/g)) sections.set(match[1]!, part);
  }
  return sections;
}

/** An example's block body as the page holds it. */
function blockText(example: ConsoleExample): string {
  return example.steps.map((step) => (step.expected === '' ? `$ ${step.command}` : `$ ${step.command}\n${step.expected}`)).join('\n');
}

let results: PromiseSettledResult<StepResult[]>[] = [];

beforeAll(async () => {
  if (examples.some((example) => example.podman)) await requirePodman();
  const started = Date.now();
  results = await inParallel(
    examples.map((example) => () => runConsoleExample(example)),
    CONCURRENCY,
  );
  console.log(`docs/troubleshooting.md: ${examples.length} examples ran in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (process.env.UPDATE_DOCS === '1') {
    const bodies = results.map((result, k) => (result.status === 'fulfilled' ? renderSteps(result.value) : renderSteps(examples[k]!.steps.map((step) => ({ command: step.command, output: step.expected })))));
    writeFileSync(PAGE, rewriteExamples(readFileSync(PAGE, 'utf8'), examples, bodies));
  }
  // Generous: on a loaded 2-core machine (the whole suite at once) the examples take minutes.
}, 1_800_000);

describe('docs/troubleshooting.md', () => {
  it('has runnable examples', () => {
    expect(examples.length).toBeGreaterThan(50);
  });

  it.each(examples.map((example) => [`${example.fixture} (line ${example.line})`, example] as const))('example %s prints what the page shows', (_name, example) => {
    const result = results[examples.indexOf(example)]!;
    if (result.status === 'rejected') throw result.reason;
    expect(renderSteps(result.value).join('\n')).toEqual(blockText(example));
  });

  it('has a section for every code docs/errors.md lists, each shown by a run example or quoting the source that reports it', () => {
    const codes = documentedCodes();
    expect(codes.length).toBeGreaterThan(100);
    const sections = codeSections(readFileSync(PAGE, 'utf8'));
    expect(codes.filter((code) => !sections.has(code))).toEqual([]);
    const unshown = codes.filter((code) => {
      const section = sections.get(code)!;
      const ran = examples.some((example) => section.includes(blockText(example)) && example.steps.some((step) => step.expected.includes(code)));
      if (ran) return false;
      // Not run (or run, but the CLI does not print the code): the section says so and names a
      // source file that really reports the code.
      if (!section.includes('*Not run*') && !section.includes('*Code not printed*')) return true;
      const sources = [...section.matchAll(/`(src\/[\w/.-]+\.ts)`/g)].map((match) => path.join(REPO_ROOT, match[1]!));
      return !sources.some((source) => existsSync(source) && readFileSync(source, 'utf8').includes(`'${code}'`));
    });
    expect(unshown).toEqual([]);
  });

  it('is linked from README.md and docs/errors.md', () => {
    expect(readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')).toContain('docs/troubleshooting.md');
    expect(readFileSync(ERRORS, 'utf8')).toContain('troubleshooting.md');
  });
});
