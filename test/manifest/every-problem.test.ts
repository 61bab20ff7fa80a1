import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../src/manifest/load.js';
import type { ManifestIssue } from '../../src/model/issue.js';
import { loadFixture } from '../support/load-fixture.js';

function issuesOf(result: LoadResult): readonly ManifestIssue[] {
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.issues;
}

const line = (issue: ManifestIssue): string => `${issue.location.file}:${issue.location.line}:${issue.location.column} ${issue.code} ${issue.path}`;

/** A long compose file: `count` services, each with a few keys. */
function longCompose(count: number): string {
  let text = 'services:\n';
  for (let i = 0; i < count; i++) text += `  svc${i}:\n    image: busybox:1\n    environment:\n      A: "1"\n    ports:\n      - "${8000 + i}:80"\n    command: ["sh", "-c", "echo hi"]\n`;
  return text;
}

describe('every problem at once', () => {
  it('an unknown key does not hide the reference, port and policy checks', () => {
    const compose = `services:
  web:
    image: nginx:1.27
    bogus: 1
    ports: ["8080:80"]
    networks: [nowhere]
    privileged: true
  api:
    image: busybox:1
    restart: sometimes
    ports: ["8080:81"]
    depends_on: [ghost]
`;
    const issues = issuesOf(loadFixture(compose));
    expect(issues.map(line)).toEqual([
      'environments/compose.yaml:4:5 PHX-UNKNOWN-KEY services.web.bogus',
      'environments/compose.yaml:5:13 PHX-PORT-CONFLICT services.web.ports',
      'environments/compose.yaml:6:16 PHX-NETWORK-UNDECLARED services.web.networks',
      'environments/compose.yaml:7:5 PHX-POLICY-PRIVILEGED services.web.privileged',
      'environments/compose.yaml:10:14 PHX-SCHEMA services.api.restart',
      'environments/compose.yaml:12:18 PHX-DEPENDS-ON-MISSING services.api.depends_on.ghost',
    ]);
  });

  it('a part the schema took out is not reported again by a later check', () => {
    // image: [] is invalid; without it the service has no image, which is the same mistake.
    const issues = issuesOf(loadFixture('services:\n  web:\n    image: []\n    networks: 5\n'));
    expect(issues.map(line)).toEqual(['environments/compose.yaml:3:12 PHX-SCHEMA services.web.image', 'environments/compose.yaml:4:15 PHX-SCHEMA services.web.networks']);
  });

  it('an invalid top-level network stays declared: the services using it get no second error', () => {
    const issues = issuesOf(loadFixture('services:\n  web:\n    image: nginx\n    networks: [front]\nnetworks:\n  front: 5\n'));
    expect(issues.map((i) => i.code)).toEqual(['PHX-SCHEMA']);
  });

  it('an environment file with an unknown key still has its compose files checked', () => {
    const issues = issuesOf(loadFixture('services:\n  web:\n    image: nginx\n    restart: sometimes\n', { environment: 'project: app\ncompose: [compose.yaml]\ncolour: blue\n' }));
    expect(issues.map(line)).toEqual(['environments/compose.yaml:4:14 PHX-SCHEMA services.web.restart', 'environments/test.yaml:3:1 PHX-UNKNOWN-KEY colour']);
  });

  it('a policy with an invalid part does not make its refusals errors too', () => {
    const environment = 'project: app\ncompose: [compose.yaml]\npolicy:\n  security:\n    allow_privileged: maybe\n';
    const issues = issuesOf(loadFixture('services:\n  web:\n    image: nginx\n    privileged: true\n', { environment }));
    expect(issues.map(line)).toEqual(['environments/test.yaml:5:23 PHX-SCHEMA policy.security.allow_privileged']);
  });

  it('a value error in an anchor merged into many services is one issue with the count', () => {
    let compose = 'x-defaults: &defaults\n  image: busybox:1\n  restart: sometimes\nservices:\n';
    for (let i = 0; i < 3; i++) compose += `  svc${i}:\n    <<: *defaults\n`;
    const issues = issuesOf(loadFixture(compose));
    expect(issues.map(line)).toEqual(['environments/compose.yaml:3:12 PHX-SCHEMA services.svc0.restart']);
    expect(issues[0]!.message).toMatch(/^services\.svc0\.restart must .* Written once here and used by 3 services \(svc0, svc1, svc2\)\.$/);
  });

  it('an unknown key named like an Object method (toString) is an unknown key, not a crash', () => {
    const issues = issuesOf(loadFixture('services:\n  web:\n    image: nginx\n    toString: null\n    constructor: 1\n'));
    expect(issues.map(line)).toEqual(['environments/compose.yaml:4:5 PHX-UNKNOWN-KEY services.web.toString', 'environments/compose.yaml:5:5 PHX-UNKNOWN-KEY services.web.constructor']);
    expect(issues.every((i) => typeof i.remediation === 'string' && i.remediation.startsWith('Remove it'))).toBe(true);
  });

  it('one YAML syntax mistake in a long file is one error, at the mistake', () => {
    const good = longCompose(120);
    expect(loadFixture(good).ok).toBe(true);
    const tab = good.replace('  svc3:\n    image', '  svc3:\n\timage');
    const issues = issuesOf(loadFixture(tab));
    expect(issues.map((i) => `${line(i)} ${i.message}`)).toEqual(['environments/compose.yaml:24:1 PHX-YAML-SYNTAX  YAML syntax error: Tabs are not allowed as indentation.']);
    const dedent = good.replace('  svc7:\n    image', '  svc7:\n  image');
    expect(issuesOf(loadFixture(dedent))).toHaveLength(1);
  });

  it('a bad key in an anchor used by 48 services is reported once, at the anchor, with the count', () => {
    let compose = 'x-defaults: &defaults\n  image: busybox:1\n  restart: unless-stopped\n  stop_grace_preiod: 5s\n  privileged: true\nservices:\n';
    for (let i = 0; i < 48; i++) compose += `  svc${i}:\n    <<: *defaults\n`;
    const issues = issuesOf(loadFixture(compose));
    expect(issues.map(line)).toEqual(['environments/compose.yaml:4:3 PHX-UNKNOWN-KEY services.svc0.stop_grace_preiod', 'environments/compose.yaml:5:3 PHX-POLICY-PRIVILEGED services.svc0.privileged']);
    expect(issues[0]!.message).toBe('Phoenix does not support the key "stop_grace_preiod" here. Written once here and used by 48 services (svc0, svc1, svc2, svc3, svc4, …).');
    expect(issues[1]!.message).toContain('used by 48 services');
  });
});
