import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../src/manifest/load.js';
import type { ManifestIssue } from '../../src/model/issue.js';
import { desiredFrom, loadFixture, ROOT } from '../support/load-fixture.js';

function issuesOf(result: LoadResult): readonly ManifestIssue[] {
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.issues;
}

const where = (issue: ManifestIssue): string => `${issue.location.file}:${issue.location.line}:${issue.location.column}`;

const DB = `services:
  db:
    image: postgres:\${PG_VERSION}
    volumes: ["./initdb:/docker-entrypoint-initdb.d:ro", "pgdata:/var/lib/postgresql/data"]
    networks: [back]
networks:
  back: {}
volumes:
  pgdata: {}
`;

describe('include', () => {
  it('short form: the included services, networks and volumes join the environment; its paths resolve against its own folder and its .env gives defaults', () => {
    const compose = 'include:\n  - db/compose.yaml\nservices:\n  web:\n    image: nginx:1.27\n    depends_on: [db]\n    networks: [back]\n';
    const desired = desiredFrom(compose, { files: { 'db/compose.yaml': DB, 'db/.env': 'PG_VERSION=16\n' } });
    expect(desired.services.map((s) => s.name)).toEqual(['db', 'web']);
    const db = desired.services.find((s) => s.name === 'db')!;
    expect(db.spec.image).toBe('postgres:16');
    expect(db.spec.mounts).toContainEqual(expect.objectContaining({ type: 'bind', source: `${ROOT}/environments/db/initdb`, readOnly: true }));
    expect(desired.networks.map((n) => n.name)).toContain('back');
    expect(desired.volumes.map((v) => v.name)).toEqual(['pgdata']);
  });

  it("the including environment's variables win over the included .env", () => {
    const compose = 'include:\n  - db/compose.yaml\nservices: {}\n';
    const desired = desiredFrom(compose, { files: { 'db/compose.yaml': DB, 'db/.env': 'PG_VERSION=16\n' }, processEnv: { PG_VERSION: '17' } });
    expect(desired.services[0]!.spec.image).toBe('postgres:17');
  });

  it('long form: several files merged, project_directory and env_file', () => {
    const compose = `include:
  - path: [db/compose.yaml, db/override.yaml]
    project_directory: shared
    env_file: db/versions.env
services: {}
`;
    const files = { 'db/compose.yaml': DB, 'db/override.yaml': 'services:\n  db:\n    environment:\n      POSTGRES_DB: shop\n', 'db/versions.env': 'PG_VERSION=15\n' };
    const db = desiredFrom(compose, { files }).services[0]!;
    expect(db.spec.image).toBe('postgres:15');
    expect(db.spec.environment).toMatchObject({ POSTGRES_DB: 'shop' });
    // Relative paths resolve against project_directory (relative to the including project).
    expect(db.spec.mounts).toContainEqual(expect.objectContaining({ type: 'bind', source: `${ROOT}/environments/shared/initdb` }));
  });

  it('a service defined on both sides differently is PHX-INCLUDE-CONFLICT at the include; the same definition is fine', () => {
    const conflicting = 'include:\n  - db/compose.yaml\nservices:\n  db:\n    image: postgres:16\n';
    const issues = issuesOf(loadFixture(conflicting, { files: { 'db/compose.yaml': DB, 'db/.env': 'PG_VERSION=16\n' } }));
    expect(issues.map((i) => i.code)).toEqual(['PHX-INCLUDE-CONFLICT']);
    expect(where(issues[0]!)).toBe('environments/compose.yaml:2:5');
    expect(issues[0]!.message).toBe('the included environments/db/compose.yaml defines service "db", which is already defined at environments/compose.yaml:4:3 differently.');

    const sameNetwork = 'include:\n  - db/compose.yaml\nservices: {}\nnetworks:\n  back: {}\n';
    expect(loadFixture(sameNetwork, { files: { 'db/compose.yaml': DB, 'db/.env': 'PG_VERSION=16\n' } }).ok).toBe(true);
  });

  it('a missing included file, or env_file, is PHX-FILE-NOT-FOUND at the include', () => {
    const issues = issuesOf(loadFixture('include:\n  - nope/compose.yaml\nservices: {}\n'));
    expect(issues.map((i) => `${i.code} ${where(i)} ${i.message}`)).toEqual(['PHX-FILE-NOT-FOUND environments/compose.yaml:2:5 compose file environments/nope/compose.yaml does not exist.']);
    const envFile = issuesOf(loadFixture('include:\n  - path: db/compose.yaml\n    env_file: db/missing.env\nservices: {}\n', { files: { 'db/compose.yaml': DB }, processEnv: { PG_VERSION: '1' } }));
    expect(envFile.map((i) => i.code)).toEqual(['PHX-FILE-NOT-FOUND']);
    expect(envFile[0]!.message).toBe('env_file environments/db/missing.env of this include does not exist.');
  });

  it('an include cycle is PHX-INCLUDE-CYCLE naming the files', () => {
    const issues = issuesOf(loadFixture('include: [a.yaml]\nservices: {}\n', { files: { 'a.yaml': 'include: [compose.yaml]\nservices: {}\n' } }));
    expect(issues.map((i) => i.code)).toEqual(['PHX-INCLUDE-CYCLE']);
    expect(issues[0]!.message).toBe('include forms a cycle: environments/compose.yaml -> environments/a.yaml -> environments/compose.yaml.');
    expect(where(issues[0]!)).toBe('environments/a.yaml:1:11');
  });

  it('includes apply recursively', () => {
    const desired = desiredFrom('include: [a/compose.yaml]\nservices: {}\n', {
      files: { 'a/compose.yaml': 'include: [../b/compose.yaml]\nservices:\n  a:\n    image: busybox:1\n', 'b/compose.yaml': 'services:\n  b:\n    image: busybox:1\n    env_file: [b.env]\n', 'b/b.env': 'B=1\n' },
    });
    expect(desired.services.map((s) => s.name)).toEqual(['a', 'b']);
    expect(desired.services[1]!.spec.environment).toMatchObject({ B: '1' });
  });
});
