/**
 * `phoenix config`: the merged, interpolated environment as YAML or JSON, secrets as digests
 * and never as values, with or without the secret values. In-process, on real files; no Podman.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cliWorkspace, runCli } from '../support/cli-run.js';

let root: string;
let stateDir: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'phoenix-config-test-'));
  stateDir = path.join(root, 'state');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Document {
  project: string;
  environment: string;
  services: Record<string, { image: string; configHash: string; environment: Record<string, string>; secrets: { secret: string; digest: string; podmanName: string }[]; ports: { published: string }[]; restart: string }>;
  networks: Record<string, { podmanName: string }>;
  volumes: Record<string, { podmanName: string }>;
  secrets: Record<string, { digest: string; podmanName: string; source: Record<string, string> }>;
  configs: Record<string, { digest: string; source: Record<string, string> }>;
}

const ENVIRONMENT = `project: shop
compose: [compose.yaml]
variables:
  WEB_PORT: 18099
secrets:
  db_password:
    environment: SHOP_DB_PASSWORD
`;

const COMPOSE = `services:
  web:
    image: localhost/web:1
    ports: ["\${WEB_PORT}:8080"]
    environment:
      DATABASE_URL: postgres://shop:\${SHOP_DB_PASSWORD:-none}@db/shop
    secrets: [db_password]
    configs: [motd]
    restart: "no"
  db:
    image: localhost/db:1
    secrets: [db_password]
    volumes: [data:/var/lib/db]
  cache:
    image: localhost/cache:1
volumes:
  data: {}
configs:
  motd:
    content: hello from \${WEB_PORT}
`;

function shop(): string {
  return cliWorkspace(root, { 'environments/prod.yaml': ENVIRONMENT, 'environments/compose.yaml': COMPOSE });
}

describe('phoenix config', () => {
  it('prints the merged, interpolated environment as YAML, secrets as keyed digests, never their values', async () => {
    const canary = `canary-${randomBytes(12).toString('hex')}`;
    const run = await runCli(shop(), ['config', '--env', 'prod'], stateDir, { SHOP_DB_PASSWORD: canary });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const doc = parse(run.stdout) as Document;
    expect(doc.project).toBe('shop');
    expect(doc.environment).toBe('prod');
    expect(Object.keys(doc.services)).toEqual(['cache', 'db', 'web']);
    expect(doc.services.web!.ports[0]!.published).toBe('18099');
    expect(doc.services.web!.restart).toBe('no');
    expect(doc.services.web!.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.volumes.data!.podmanName).toBe('shop-prod-data');
    expect(doc.networks.default!.podmanName).toBe('shop-prod-default');
    expect(doc.secrets.db_password!.source).toEqual({ environment: 'SHOP_DB_PASSWORD' });
    expect(doc.secrets.db_password!.digest).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(doc.services.db!.secrets[0]!.digest).toBe(doc.secrets.db_password!.digest.replace('hmac-sha256:', ''));
    expect(doc.configs.motd).toMatchObject({ source: { content: 'hello from 18099' } });
    expect(doc.configs.motd!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The value interpolated into an environment variable is redacted too.
    expect(doc.services.web!.environment.DATABASE_URL).toBe('postgres://shop:[REDACTED]@db/shop');
    expect(run.stdout).not.toContain(canary);
  });

  it('prints the same document as JSON, and never the value there either, even a short one', async () => {
    const canary = `canary-${randomBytes(12).toString('hex')}`;
    const ws = shop();
    const yaml = await runCli(ws, ['config', '--env', 'prod'], stateDir, { SHOP_DB_PASSWORD: canary });
    const json = await runCli(ws, ['config', '--env', 'prod', '--format', 'json'], stateDir, { SHOP_DB_PASSWORD: canary });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(parse(yaml.stdout));
    expect(json.stdout).not.toContain(canary);
  });

  it('works without the secret value: digests and the consumers config hashes are "unknown", and it says so', async () => {
    const run = await runCli(shop(), ['config', '--env', 'prod'], stateDir);
    expect(run.code, run.stderr).toBe(0);
    const doc = parse(run.stdout) as Document;
    expect(doc.secrets.db_password).toMatchObject({ digest: 'unknown', podmanName: 'unknown' });
    expect(doc.services.db!.configHash).toBe('unknown');
    expect(doc.services.db!.secrets[0]).toMatchObject({ digest: 'unknown', podmanName: 'unknown' });
    expect(doc.services.cache!.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(run.stderr).toBe('note: secret "db_password" was not read (the variable SHOP_DB_PASSWORD is not set): its digest and Podman name, and the config hash of each service using it, are shown as "unknown".\n');
  });

  it('the config hash follows the secret value: the same value gives the same hash, a new one another', async () => {
    const ws = shop();
    const first = parse((await runCli(ws, ['config', '--env', 'prod'], stateDir, { SHOP_DB_PASSWORD: 'first-value-1234' })).stdout) as Document;
    const again = parse((await runCli(ws, ['config', '--env', 'prod'], stateDir, { SHOP_DB_PASSWORD: 'first-value-1234' })).stdout) as Document;
    const rotated = parse((await runCli(ws, ['config', '--env', 'prod'], stateDir, { SHOP_DB_PASSWORD: 'second-value-5678' })).stdout) as Document;
    expect(again.services.db!.configHash).toBe(first.services.db!.configHash);
    expect(rotated.services.db!.configHash).not.toBe(first.services.db!.configHash);
    expect(rotated.services.cache!.configHash).toBe(first.services.cache!.configHash);
  });

  it('--services lists the service names; named services limit the document', async () => {
    const ws = shop();
    const names = await runCli(ws, ['config', '--env', 'prod', '--services'], stateDir);
    expect(names.stdout).toBe('cache\ndb\nweb\n');
    const one = parse((await runCli(ws, ['config', 'db', '--env', 'prod'], stateDir)).stdout) as Document;
    expect(Object.keys(one.services)).toEqual(['db']);
    const unknown = await runCli(ws, ['config', 'nope', '--env', 'prod'], stateDir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no service nope in prod (services: cache, db, web)');
  });

  it('refuses an unknown format, and an invalid environment with its issues', async () => {
    const ws = shop();
    const xml = await runCli(ws, ['config', '--env', 'prod', '--format', 'xml'], stateDir);
    expect(xml.code).toBe(1);
    expect(xml.stderr).toContain("argument 'xml' is invalid. Allowed choices are yaml, json.");
    const broken = cliWorkspace(root, { 'environments/prod.yaml': ENVIRONMENT, 'environments/compose.yaml': 'services:\n  web:\n    image: 3\n    bogus: 1\n' });
    const invalid = await runCli(broken, ['config', '--env', 'prod'], stateDir);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/environments\/compose\.yaml:4:5 error PHX-/);
    expect(invalid.stdout).toBe('');
  });

  it('never shows the demo secret file content', async () => {
    const ws = cliWorkspace(root, {}, true);
    const token = readFileSync(path.join(ws, 'environments/secrets/demo/demo_token.txt'), 'utf8').trim();
    const run = await runCli(ws, ['config', '--env', 'demo'], stateDir);
    expect(run.code, run.stderr).toBe(0);
    const doc = parse(run.stdout) as Document;
    expect(Object.keys(doc.services)).toEqual(['migrate', 'web', 'worker']);
    expect(doc.secrets.demo_token!.digest).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(token.length).toBeGreaterThan(0);
    expect(run.stdout).not.toContain(token);
  });
});

describe('phoenix config redaction', () => {
  it('keeps YAML and JSON valid when a short secret value occurs everywhere', async () => {
    const ws = shop();
    for (const format of ['yaml', 'json']) {
      const run = await runCli(ws, ['config', '--env', 'prod', '--format', format], stateDir, { SHOP_DB_PASSWORD: 'e' });
      expect(run.code).toBe(0);
      // Keys are redacted too (`s[REDACTED]rvic[REDACTED]s`): the output must still parse.
      const doc = (format === 'json' ? JSON.parse(run.stdout) : parse(run.stdout)) as Record<string, unknown>;
      expect(Object.keys(doc)).toContain('s[REDACTED]rvic[REDACTED]s');
      expect(JSON.stringify(doc)).toContain('postgr[REDACTED]s://shop:[REDACTED]@db/shop');
    }
  });
});
