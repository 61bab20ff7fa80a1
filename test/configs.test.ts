import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LABEL } from '../src/model/desired.js';
import type { DesiredService, DesiredState } from '../src/model/desired.js';
import type { IssueCode, ManifestIssue } from '../src/model/issue.js';
import type { LoadResult } from '../src/manifest/load.js';
import { resourceOf } from '../src/plan/actions.js';
import type { Plan } from '../src/plan/actions.js';
import { plan } from '../src/plan/plan.js';
import { renderPlanText } from '../src/plan/render-text.js';
import { containerCreateArgs } from '../src/podman/create-args.js';
import { desiredFrom, loadFixture } from './support/load-fixture.js';
import { applyPlanToModel, observedFromDesired } from './support/observed-model.js';

/** Compose `configs`: loaded, normalised, kept as versioned Podman secrets, planned like secrets. */

const COMPOSE = 'environments/compose.yaml';

function service(desired: DesiredState, name: string): DesiredService {
  const found = desired.services.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no service ${name}`);
  return found;
}

function soleError(result: LoadResult, code: IssueCode): ManifestIssue {
  expect(result.ok).toBe(false);
  const issues = result.ok ? result.warnings : result.issues;
  expect(issues.map((i) => `${i.code} ${i.location.file}:${i.location.line}:${i.location.column} ${i.message}`)).toHaveLength(1);
  expect(issues[0]!.code).toBe(code);
  return issues[0]!;
}

function where(issue: ManifestIssue): string {
  return `${issue.location.file}:${issue.location.line}:${issue.location.column}`;
}

function planOf(desired: DesiredState, observed: ReturnType<typeof observedFromDesired>): Plan {
  const result = plan(desired, observed);
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('; '));
  return result.value;
}

function shape(p: Plan): string[] {
  return p.actions.map((a) => `#${a.id} ${a.kind} ${resourceOf(a).name}${a.dependsOn.length === 0 ? '' : ` <- ${a.dependsOn.join(',')}`}`);
}

const STACK = `services:
  web:
    image: nginx
    configs:
      - site
      - source: site
        target: etc/nginx/conf.d/site.conf
        uid: "101"
        gid: 101
        mode: "0440"
  worker:
    image: app
    configs: [motd]
  other:
    image: app
configs:
  site:
    file: ./site.conf
  motd:
    content: "hello \${WHO}"
`;

describe('configs in the desired state', () => {
  const desired = desiredFrom(STACK, { files: { 'site.conf': 'server {}\n' }, processEnv: { WHO: 'world' } });

  it('short form mounts at /<source>; long form takes target (relative from /), uid, gid and mode', () => {
    const site = desired.secrets.find((s) => s.config === true && s.name === 'site')!;
    expect(service(desired, 'web').spec.configs).toEqual([
      { config: 'site', podmanName: site.podmanName, digest: site.digest, target: '/etc/nginx/conf.d/site.conf', uid: '101', gid: '101', mode: 0o440 },
      { config: 'site', podmanName: site.podmanName, digest: site.digest, target: '/site', uid: '0', gid: '0', mode: 0o444 },
    ]);
  });

  it('each config is a versioned Podman secret with a plain SHA-256 digest, labelled as a config', () => {
    const site = desired.secrets.find((s) => s.name === 'site')!;
    expect(site.config).toBe(true);
    expect(site.digest).toBe(createHash('sha256').update('server {}\n').digest('hex'));
    expect(site.podmanName).toBe(`app-test-config-site-${site.digest.slice(0, 12)}`);
    expect(site.labels[LABEL.config]).toBe('site');
    expect(site.labels[LABEL.secret]).toBeUndefined();
    expect(site.source).toEqual({ kind: 'file', path: '/fixture/environments/site.conf' });
  });

  it('inline content is interpolated; an environment: config takes the variable through the same lookup', () => {
    const motd = desired.secrets.find((s) => s.name === 'motd')!;
    expect(motd.source).toEqual({ kind: 'content', text: 'hello world' });
    const fromVariable = desiredFrom('services:\n  a:\n    image: app\n    configs: [c]\nconfigs:\n  c:\n    environment: GREETING\n', { environment: 'project: app\ncompose: [compose.yaml]\nvariables:\n  GREETING: hi\n' });
    expect(fromVariable.secrets[0]!.source).toEqual({ kind: 'content', text: 'hi' });
  });

  it('is given to podman create as a mounted secret', () => {
    const args = containerCreateArgs({ name: 'x', service: 'web', replica: 1, spec: service(desired, 'web').spec, labels: {} });
    const site = desired.secrets.find((s) => s.name === 'site')!;
    expect(args).toContain(`${site.podmanName},type=mount,target=/site,uid=0,gid=0,mode=0444`);
    expect(args).toContain(`${site.podmanName},type=mount,target=/etc/nginx/conf.d/site.conf,uid=101,gid=101,mode=0440`);
  });

  it('a service without configs has no configs field, so its config hash is what it was before configs existed', () => {
    const spec = service(desired, 'other').spec;
    expect('configs' in spec).toBe(false);
    // Pinned from the release before configs: a service with a secret and no config.
    const before = desiredFrom('services:\n  web:\n    image: nginx\n    secrets: [tok]\nsecrets:\n  tok:\n    file: tok.txt\n', { files: { 'tok.txt': 'x' } });
    expect(before.services[0]!.configHash).toBe('2c5fdd0d6920a645e1d6a200da18491915b25e791c82534d333a2a589fc8052c');
  });

  it('a config and a secret may share a name', () => {
    const both = desiredFrom('services:\n  a:\n    image: app\n    configs: [x]\n    secrets: [x]\nconfigs:\n  x:\n    content: c\nsecrets:\n  x:\n    file: x.txt\n', { files: { 'x.txt': 's' } });
    expect(both.secrets.map((s) => `${s.config === true ? 'config' : 'secret'} ${s.name}`)).toEqual(['secret x', 'config x']);
    expect(new Set(both.secrets.map((s) => s.podmanName)).size).toBe(2);
  });

  it('an external config names an existing Podman secret', () => {
    const ext = desiredFrom('services:\n  a:\n    image: app\n    configs: [x]\nconfigs:\n  x:\n    external: true\n    name: shared-conf\n');
    expect(ext.secrets).toEqual([{ name: 'x', podmanName: 'shared-conf', external: true, source: null, digest: '', labels: {}, config: true }]);
    expect(service(ext, 'a').spec.configs?.[0]?.podmanName).toBe('shared-conf');
  });
});

describe('bad configs: file:line:col, code and remediation', () => {
  it('a missing file', () => {
    const issue = soleError(loadFixture('services:\n  a:\n    image: app\n    configs: [c]\nconfigs:\n  c:\n    file: ./nope.conf\n'), 'PHX-CONFIG-SOURCE-MISSING');
    expect(where(issue)).toBe(`${COMPOSE}:6:3`);
    expect(issue.message).toContain('environments/nope.conf');
    expect(issue.remediation).toContain('Create the file');
  });

  it('an undeclared config', () => {
    const issue = soleError(loadFixture('services:\n  a:\n    image: app\n    configs:\n      - nginx_conf\n'), 'PHX-CONFIG-UNDECLARED');
    expect(where(issue)).toBe(`${COMPOSE}:5:9`);
    expect(issue.path).toBe('services.a.configs');
    expect(issue.remediation).toContain('top-level `configs:`');
  });

  it('a bad mode', () => {
    const issue = soleError(loadFixture('services:\n  a:\n    image: app\n    configs:\n      - source: c\n        mode: "0999"\nconfigs:\n  c:\n    content: x\n'), 'PHX-SCHEMA');
    expect(where(issue)).toBe(`${COMPOSE}:6:15`);
    expect(issue.path).toBe('services.a.configs[0].mode');
    const tooWide = soleError(loadFixture('services:\n  a:\n    image: app\n    configs:\n      - source: c\n        mode: 4000\nconfigs:\n  c:\n    content: x\n'), 'PHX-INVALID-VALUE');
    expect(where(tooWide)).toBe(`${COMPOSE}:6:15`);
    expect(tooWide.message).toContain('not a file mode');
  });

  it('no source, or two', () => {
    expect(where(soleError(loadFixture('services:\n  a:\n    image: app\nconfigs:\n  c: {}\n'), 'PHX-CONFIG-SOURCE-MISSING'))).toBe(`${COMPOSE}:5:3`);
    expect(soleError(loadFixture('services:\n  a:\n    image: app\nconfigs:\n  c:\n    content: x\n    environment: Y\n'), 'PHX-CONFIG-SOURCE-MISSING').message).toContain('more than one source');
  });

  it('a refused key (template_driver) or an unknown one in a config', () => {
    const refused = soleError(loadFixture('services:\n  a:\n    image: app\nconfigs:\n  c:\n    content: x\n    template_driver: golang\n'), 'PHX-UNSUPPORTED-KEY');
    expect(where(refused)).toBe(`${COMPOSE}:7:5`);
    expect(refused.message).toContain('does not template config contents');
    const unknown = soleError(loadFixture('services:\n  a:\n    image: app\nconfigs:\n  c:\n    content: x\n    contents: y\n'), 'PHX-UNKNOWN-KEY');
    expect(where(unknown)).toBe(`${COMPOSE}:7:5`);
  });

  it('an environment: config whose variable is unset', () => {
    const issue = soleError(loadFixture('services:\n  a:\n    image: app\n    configs: [c]\nconfigs:\n  c:\n    environment: MISSING_VAR\n'), 'PHX-CONFIG-SOURCE-MISSING');
    expect(issue.message).toContain('MISSING_VAR');
  });
});

describe('planning configs', () => {
  const two = (site: string): string => `services:
  web:
    image: nginx
    configs: [site]
  api:
    image: app
    configs:
      - source: site
        target: /etc/app.conf
  worker:
    image: app
    configs: [motd]
configs:
  site:
    content: "${site}"
  motd:
    content: "hi"
`;

  it('a content change: new version, exactly its consumers recreated, old version removed after them', () => {
    const before = desiredFrom(two('v1'));
    const desired = desiredFrom(two('v2'));
    const oldName = before.secrets.find((s) => s.name === 'site')!.podmanName;
    const newName = desired.secrets.find((s) => s.name === 'site')!.podmanName;
    expect(newName).not.toBe(oldName);
    const observed = observedFromDesired(before);
    const p = planOf(desired, observed);
    expect(shape(p)).toEqual([
      `#1 secret.create ${newName}`,
      '#2 container.recreate app-test-api-1 <- 1',
      '#3 container.recreate app-test-web-1 <- 1',
      '#4 container.start app-test-api-1 <- 2',
      '#5 container.start app-test-web-1 <- 3',
      `#6 secret.remove ${oldName} <- 1,2,3`,
    ]);
    const text = renderPlanText(p);
    expect(text).toContain('new version of config "site": its content changed');
    expect(text).toContain(`(config site, content sha256:${desired.secrets.find((s) => s.name === 'site')!.digest.slice(0, 12)})`);
    // Not secret: the diff shows the digests instead of "(sensitive)".
    expect(text).toMatch(/configs\[0\]\.digest: "[0-9a-f]{64}" => "[0-9a-f]{64}"/);
    expect(text).toContain(`old version of config "site", replaced by ${newName}`);
    expect(shape(planOf(desired, applyPlanToModel(observed, p)))).toEqual([]);
  });

  it('an unchanged re-apply touches nothing', () => {
    const desired = desiredFrom(two('v1'));
    expect(shape(planOf(desired, observedFromDesired(desired)))).toEqual([]);
  });
});
