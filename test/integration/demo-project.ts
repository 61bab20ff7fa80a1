/**
 * The repository's demo environment (environments/demo.yaml and compose/demo.yaml) copied into
 * a test project: same services, secret and policy, under the project's unique name as
 * environment `it`, with web published on a free port.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { TestProject } from './support.js';
import { ENV, REPO, freePort } from './support.js';

/** The demo's services, in the manifest's order. */
export const DEMO_SERVICES = ['web', 'migrate', 'worker'] as const;

/** The demo's dummy secret value (it must never reach any output). */
export function demoTokenValue(): string {
  return readFileSync(path.join(REPO, 'environments/secrets/demo/demo_token.txt'), 'utf8').trim();
}

/** Writes the demo into the project's environments folder; returns web's host port. */
export async function useDemo(project: TestProject): Promise<number> {
  const source = path.join(REPO, 'environments');
  const port = await freePort();
  const environment = parse(readFileSync(path.join(source, 'demo.yaml'), 'utf8')) as Record<string, unknown>;
  environment.project = project.name;
  environment.variables = { ...(environment.variables as Record<string, unknown>), DEMO_WEB_PORT: port };
  writeFileSync(path.join(project.envDir, `${ENV}.yaml`), stringify(environment));
  for (const file of ['compose/demo.yaml', 'secrets/demo/demo_token.txt']) {
    mkdirSync(path.dirname(path.join(project.envDir, file)), { recursive: true });
    copyFileSync(path.join(source, file), path.join(project.envDir, file));
  }
  return port;
}
