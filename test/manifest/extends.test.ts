import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../src/manifest/load.js';
import type { DesiredService } from '../../src/model/desired.js';
import type { ManifestIssue } from '../../src/model/issue.js';
import { desiredFrom, loadFixture, ROOT } from '../support/load-fixture.js';

function service(compose: string, name: string, files: Record<string, string> = {}): DesiredService {
  const found = desiredFrom(compose, { files }).services.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no service ${name}`);
  return found;
}

function issuesOf(result: LoadResult): readonly ManifestIssue[] {
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.issues;
}

const where = (issue: ManifestIssue): string => `${issue.location.file}:${issue.location.line}:${issue.location.column}`;

describe('extends within one file', () => {
  const COMPOSE = `services:
  base:
    image: busybox:1
    command: [sleep, "1"]
    environment:
      A: "1"
      B: "2"
    volumes: ["./data:/data"]
  web:
    extends: base
    environment:
      B: "3"
    ports: ["9090:90"]
  worker:
    extends:
      service: web
    command: [sleep, "2"]
    ports: !reset []
`;

  it('merges the service over the one it extends with the Compose merge rules, and chains', () => {
    const desired = desiredFrom(COMPOSE);
    expect(desired.services.map((s) => s.name)).toEqual(['base', 'web', 'worker']);
    const web = desired.services.find((s) => s.name === 'web')!;
    expect(web.spec.image).toBe('busybox:1');
    expect(web.spec.command).toEqual(['sleep', '1']);
    expect(web.spec.environment).toMatchObject({ A: '1', B: '3' });
    expect(web.spec.ports.map((p) => `${p.published}:${p.target}`)).toEqual(['9090:90']);
    expect(web.spec.mounts).toEqual([expect.objectContaining({ type: 'bind', source: `${ROOT}/environments/data`, target: '/data' })]);
    // worker extends web extends base: command replaced, environment inherited through both, ports reset.
    const worker = desired.services.find((s) => s.name === 'worker')!;
    expect(worker.spec.command).toEqual(['sleep', '2']);
    expect(worker.spec.environment).toMatchObject({ A: '1', B: '3' });
    expect(worker.spec.ports).toEqual([]);
  });

  it('sequences append (ports of the base and of the service)', () => {
    const compose = 'services:\n  web:\n    extends: {file: base.yaml, service: base}\n    ports: ["9090:90"]\n';
    const web = service(compose, 'web', { 'base.yaml': 'services:\n  base:\n    image: busybox:1\n    ports: ["127.0.0.1:8080:80"]\n' });
    expect(web.spec.ports.map((p) => `${p.hostIp}:${p.published}:${p.target}`).sort()).toEqual(['127.0.0.1:8080:80', ':9090:90']);
  });

  it('profiles are inherited like any other key', () => {
    const compose = 'services:\n  base:\n    image: busybox:1\n    profiles: [tools]\n  web:\n    extends: base\n';
    expect(desiredFrom(compose).services.map((s) => s.name)).toEqual([]);
    expect(desiredFrom(compose, { profiles: ['tools'] }).services.map((s) => s.name)).toEqual(['base', 'web']);
  });

  it('a missing service is PHX-EXTENDS-MISSING at the extends key', () => {
    const issues = issuesOf(loadFixture('services:\n  web:\n    image: busybox:1\n    extends: nope\n'));
    expect(issues.map((i) => i.code)).toEqual(['PHX-EXTENDS-MISSING']);
    expect(where(issues[0]!)).toBe('environments/compose.yaml:4:5');
    expect(issues[0]!.message).toBe('service "web" extends "nope", which this file does not define.');
  });

  it('an extends of the wrong form is a schema error, and the service is not also reported as having no image', () => {
    const issues = issuesOf(loadFixture('services:\n  base:\n    image: busybox:1\n  web:\n    extends:\n      file: other.yaml\n'));
    expect(issues.map((i) => `${i.code} ${i.path}`)).toEqual(['PHX-SCHEMA services.web.extends']);
  });

  it('a cycle is PHX-EXTENDS-CYCLE naming it, reported once', () => {
    const issues = issuesOf(loadFixture('services:\n  a:\n    image: busybox:1\n    extends: b\n  b:\n    extends: c\n  c:\n    extends: a\n'));
    expect(issues.map((i) => i.code)).toEqual(['PHX-EXTENDS-CYCLE']);
    expect(issues[0]!.message).toBe('extends forms a cycle: a -> b -> c -> a.');
    expect(where(issues[0]!)).toBe('environments/compose.yaml:4:5');
  });
});

describe('extends from another file', () => {
  const COMMON = `services:
  app:
    image: busybox:1
    env_file: [app.env]
    volumes: ["./conf:/etc/app:ro"]
    labels:
      tier: app
`;

  it('resolves the other file against this file, and its relative paths against its own folder', () => {
    const compose = 'services:\n  web:\n    extends:\n      file: common/base.yaml\n      service: app\n    labels:\n      role: web\n';
    const web = service(compose, 'web', { 'common/base.yaml': COMMON, 'common/app.env': 'FROM_ENV_FILE=yes\n' });
    expect(web.spec.mounts).toEqual([expect.objectContaining({ type: 'bind', source: `${ROOT}/environments/common/conf`, target: '/etc/app', readOnly: true })]);
    expect(web.spec.environment).toMatchObject({ FROM_ENV_FILE: 'yes' });
    expect(web.spec.labels).toMatchObject({ tier: 'app', role: 'web' });
  });

  it('a service missing there names the file; a missing file is PHX-FILE-NOT-FOUND at the extends', () => {
    const compose = 'services:\n  web:\n    extends:\n      file: common/base.yaml\n      service: nope\n';
    const missing = issuesOf(loadFixture(compose, { files: { 'common/base.yaml': COMMON } }));
    expect(missing.map((i) => i.code)).toEqual(['PHX-EXTENDS-MISSING']);
    expect(missing[0]!.message).toBe('service "web" extends "nope", which environments/common/base.yaml does not define.');
    const noFile = issuesOf(loadFixture(compose));
    expect(noFile.map((i) => i.code)).toEqual(['PHX-FILE-NOT-FOUND']);
    expect(where(noFile[0]!)).toBe('environments/compose.yaml:3:5');
    expect(noFile[0]!.message).toBe('compose file environments/common/base.yaml does not exist.');
    expect(noFile[0]!.remediation).toContain('extends.file');
  });

  it('problems inside the other file are reported at their place there', () => {
    const compose = 'services:\n  web:\n    extends:\n      file: base.yaml\n      service: app\n';
    const issues = issuesOf(loadFixture(compose, { files: { 'base.yaml': 'services:\n  app:\n    image: busybox:1\n    restart: sometimes\n' } }));
    expect(issues.map((i) => `${i.code} ${where(i)}`)).toEqual(['PHX-SCHEMA environments/base.yaml:4:14']);
  });

  it('a cycle across files names each file', () => {
    const compose = 'services:\n  web:\n    image: busybox:1\n    extends:\n      file: other.yaml\n      service: app\n';
    const other = 'services:\n  app:\n    extends:\n      file: compose.yaml\n      service: web\n';
    const issues = issuesOf(loadFixture(compose, { files: { 'other.yaml': other } }));
    expect(issues.map((i) => i.code)).toEqual(['PHX-EXTENDS-CYCLE']);
    expect(issues[0]!.message).toBe('extends forms a cycle: web -> environments/other.yaml:app -> web.');
  });
});
