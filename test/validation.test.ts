import { describe, expect, it } from 'vitest';
import { listEnvironments, loadEnvironment } from '../src/manifest/load.js';
import type { LoadResult } from '../src/manifest/load.js';
import { SecretDigester } from '../src/model/hash.js';
import type { DesiredService, DesiredState } from '../src/model/desired.js';
import type { IssueCode, ManifestIssue } from '../src/model/issue.js';
import { formatIssue } from '../src/model/issue.js';
import { desiredFrom, loadFixture, ROOT, TEST_DIGEST_KEY } from './support/load-fixture.js';
import { memoryReader } from './support/memory-reader.js';

/**
 * One test per kind of manifest problem: each asserts the code, a meaningful part of the
 * message, and the exact file:line:column and key path the user is sent to.
 */

const ENV = 'project: app\ncompose: [compose.yaml]\n';
const COMPOSE = 'environments/compose.yaml';
const ENV_FILE = 'environments/test.yaml';

function issuesOf(result: LoadResult): readonly ManifestIssue[] {
  return result.ok ? result.warnings : result.issues;
}

function where(issue: ManifestIssue): string {
  return `${issue.location.file}:${issue.location.line}:${issue.location.column}`;
}

/** The result must have failed with exactly this one issue; returns it. */
function soleError(result: LoadResult, code: IssueCode): ManifestIssue {
  expect(result.ok, `expected the load to fail with ${code}`).toBe(false);
  const issues = issuesOf(result);
  expect(issues.map((i) => `${i.code} ${where(i)} ${i.message}`)).toHaveLength(1);
  const issue = issues[0]!;
  expect(issue.code).toBe(code);
  expect(issue.severity).toBe('error');
  return issue;
}

function service(desired: DesiredState, name: string): DesiredService {
  const found = desired.services.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no service ${name} in ${desired.services.map((s) => s.name).join(', ')}`);
  return found;
}

describe('YAML syntax errors', () => {
  it('in the environment file: reported at the offending position', () => {
    const issue = soleError(loadFixture('services: {}\n', { environment: 'project: app\ncompose: x: y\n' }), 'PHX-YAML-SYNTAX');
    expect(where(issue)).toBe(`${ENV_FILE}:2:10`);
    expect(issue.message).toContain('Nested mappings are not allowed');
  });

  it('in a compose file: reported at the offending position', () => {
    const issue = soleError(loadFixture('services:\n  web:\n\timage: nginx\n'), 'PHX-YAML-SYNTAX');
    expect(where(issue)).toBe(`${COMPOSE}:3:1`);
    expect(issue.message).toContain('Tabs are not allowed as indentation');
  });

  it('a duplicate key: one error at the second occurrence, in a map of any size', () => {
    const issue = soleError(loadFixture('services:\n  web:\n    image: nginx\n    user: "1000"\n    image: redis\n'), 'PHX-YAML-SYNTAX');
    expect(where(issue)).toBe(`${COMPOSE}:5:5`);
    expect(issue.message).toContain('duplicate key "image"');
  });

  it('repeated << merge keys are merged, not duplicates', () => {
    const compose = 'x-a: &a {user: "1"}\nx-b: &b {working_dir: /w}\nservices:\n  web:\n    <<: *a\n    <<: *b\n    image: nginx\n';
    const result = loadFixture(compose);
    expect(result.ok).toBe(true);
  });
});

describe('schema and unknown keys', () => {
  it('a value of the wrong type (retries: lots) is a schema violation at the value', () => {
    const compose = 'services:\n  web:\n    image: nginx\n    healthcheck:\n      test: [CMD, "true"]\n      retries: lots\n';
    const issue = soleError(loadFixture(compose), 'PHX-SCHEMA');
    expect(where(issue)).toBe(`${COMPOSE}:6:16`);
    expect(issue.path).toBe('services.web.healthcheck.retries');
    expect(issue.message).toContain('must be integer');
  });

  it('build: with a context folder that does not exist is PHX-BUILD-CONTEXT-MISSING at the value', () => {
    const issue = soleError(loadFixture('services:\n  web:\n    image: nginx\n    build: ./nope\n'), 'PHX-BUILD-CONTEXT-MISSING');
    expect(where(issue)).toBe(`${COMPOSE}:4:12`);
    expect(issue.path).toBe('services.web.build');
    expect(issue.message).toContain('nope');
  });

  it('an unknown top-level compose key is reported at the key', () => {
    const issue = soleError(loadFixture('services:\n  web:\n    image: nginx\nbogus: true\n'), 'PHX-UNKNOWN-KEY');
    expect(where(issue)).toBe(`${COMPOSE}:4:1`);
    expect(issue.path).toBe('bogus');
    expect(issue.message).toContain('"bogus"');
  });

  it('an unknown key in the environment file is reported at the key', () => {
    const issue = soleError(loadFixture('services:\n  web:\n    image: nginx\n', { environment: `${ENV}varibles:\n  A: 1\n` }), 'PHX-UNKNOWN-KEY');
    expect(where(issue)).toBe(`${ENV_FILE}:3:1`);
    expect(issue.path).toBe('varibles');
    expect(issue.message).toContain('"varibles"');
  });
});

describe('interpolation', () => {
  it('an unset ${NOPE} is an error at the value that uses it', () => {
    const issue = soleError(loadFixture('services:\n  web:\n    image: nginx\n    environment:\n      A: ${NOPE}\n'), 'PHX-VARIABLE-UNSET');
    expect(where(issue)).toBe(`${COMPOSE}:5:10`);
    expect(issue.path).toBe('services.web.environment.A');
    expect(issue.message).toContain('"NOPE" is not set');
  });

  it('${X:?msg} with X unset is an error carrying the author\'s message', () => {
    const issue = soleError(loadFixture('services:\n  web:\n    image: "nginx:${X:?set the nginx tag}"\n'), 'PHX-VARIABLE-REQUIRED');
    expect(where(issue)).toBe(`${COMPOSE}:3:12`);
    expect(issue.path).toBe('services.web.image');
    expect(issue.message).toContain('set the nginx tag');
  });

  it('an unclosed ${ is an interpolation syntax error', () => {
    const issue = soleError(loadFixture('services:\n  web:\n    image: nginx\n    command: echo ${oops\n'), 'PHX-INTERPOLATION-SYNTAX');
    expect(where(issue)).toBe(`${COMPOSE}:4:14`);
    expect(issue.path).toBe('services.web.command');
    expect(issue.message).toContain('unclosed "${"');
  });
});

describe('dependencies', () => {
  it('depends_on naming a missing service', () => {
    const issue = soleError(loadFixture('services:\n  web:\n    image: nginx\n    depends_on:\n      - db\n'), 'PHX-DEPENDS-ON-MISSING');
    expect(where(issue)).toBe(`${COMPOSE}:5:9`);
    expect(issue.path).toBe('services.web.depends_on.db');
    expect(issue.message).toContain('"db", which is not defined');
  });

  it('a dependency cycle is reported once and the message names the cycle', () => {
    const compose = 'services:\n  a:\n    image: nginx\n    depends_on: [b]\n  b:\n    image: nginx\n    depends_on: [a]\n';
    const issue = soleError(loadFixture(compose), 'PHX-DEPENDENCY-CYCLE');
    expect(issue.message).toContain('a -> b -> a');
    expect(where(issue)).toBe(`${COMPOSE}:7:18`);
    expect(issue.path).toBe('services.b.depends_on.a');
  });
});

describe('ports', () => {
  it('two services publishing the same host port', () => {
    const compose = 'services:\n  a:\n    image: nginx\n    ports: ["8080:80"]\n  b:\n    image: nginx\n    ports:\n      - "8080:81"\n';
    const issue = soleError(loadFixture(compose), 'PHX-PORT-CONFLICT');
    expect(where(issue)).toBe(`${COMPOSE}:8:9`);
    expect(issue.path).toBe('services.b.ports');
    expect(issue.message).toContain('host port 8080/tcp is published by both "a" and "b"');
  });

  it('a replicated service publishing a fixed host port', () => {
    const compose = 'services:\n  a:\n    image: nginx\n    deploy:\n      replicas: 2\n    ports:\n      - "8080:80"\n';
    const issue = soleError(loadFixture(compose), 'PHX-PORT-CONFLICT');
    expect(where(issue)).toBe(`${COMPOSE}:7:9`);
    expect(issue.path).toBe('services.a.ports');
    expect(issue.message).toContain('2 replicas but publishes the fixed host port 8080');
  });
});

describe('secrets', () => {
  it('a secret used but not declared', () => {
    const issue = soleError(loadFixture('services:\n  a:\n    image: nginx\n    secrets:\n      - tok\n'), 'PHX-SECRET-UNDECLARED');
    expect(where(issue)).toBe(`${COMPOSE}:5:9`);
    expect(issue.path).toBe('services.a.secrets');
    expect(issue.message).toContain('secret "tok" is used but not declared');
  });

  it('a secret source file that does not exist is reported at its file: entry', () => {
    const result = loadFixture('services:\n  a:\n    image: nginx\n    secrets: [tok]\n', { environment: `${ENV}secrets:\n  tok:\n    file: secrets/tok.txt\n` });
    const issue = soleError(result, 'PHX-SECRET-SOURCE-MISSING');
    expect(where(issue)).toBe(`${ENV_FILE}:5:11`);
    expect(issue.path).toBe('secrets.tok');
    expect(issue.message).toContain('environments/secrets/tok.txt, which does not exist');
  });

  it('an inline secret value in the environment file is refused, at the value: key', () => {
    const result = loadFixture('services:\n  a:\n    image: nginx\n', { environment: `${ENV}secrets:\n  tok:\n    value: hunter2\n` });
    const issue = soleError(result, 'PHX-SECRET-INLINE');
    expect(where(issue)).toBe(`${ENV_FILE}:5:5`);
    expect(issue.path).toBe('secrets.tok.value');
    expect(issue.message).toContain('gives its value inline');
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  const unsetSecret = { environment: `${ENV}secrets:\n  tok:\n    environment: TOK\n` } as const;
  const usesSecret = 'services:\n  a:\n    image: nginx\n    secrets: [tok]\n';

  it('a secret whose environment variable is unset is an error when values are required (plan)', () => {
    const issue = soleError(loadFixture(usesSecret, { ...unsetSecret, requireSecretValues: true }), 'PHX-SECRET-SOURCE-MISSING');
    expect(where(issue)).toBe(`${ENV_FILE}:5:18`);
    expect(issue.message).toContain('environment variable TOK, which is not set');
  });

  it('... and only a warning when they are not (validate)', () => {
    const result = loadFixture(usesSecret, { ...unsetSecret, requireSecretValues: false });
    expect(result.ok).toBe(true);
    const warnings = issuesOf(result);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.code).toBe('PHX-SECRET-SOURCE-MISSING');
    expect(warnings[0]!.severity).toBe('warning');
    expect(where(warnings[0]!)).toBe(`${ENV_FILE}:5:18`);
  });

  it('with the variable set, neither error nor warning', () => {
    const result = loadFixture(usesSecret, { ...unsetSecret, requireSecretValues: true, processEnv: { TOK: 'x' } });
    expect(result.ok).toBe(true);
    expect(issuesOf(result)).toEqual([]);
  });
});

describe('networks, volumes, env_file', () => {
  it('an undeclared network', () => {
    const issue = soleError(loadFixture('services:\n  a:\n    image: nginx\n    networks:\n      - back\n'), 'PHX-NETWORK-UNDECLARED');
    expect(where(issue)).toBe(`${COMPOSE}:5:9`);
    expect(issue.path).toBe('services.a.networks');
    expect(issue.message).toContain('network "back" is not declared');
  });

  it('an undeclared named volume', () => {
    const issue = soleError(loadFixture('services:\n  a:\n    image: nginx\n    volumes:\n      - data:/data\n'), 'PHX-VOLUME-UNDECLARED');
    expect(where(issue)).toBe(`${COMPOSE}:5:9`);
    expect(issue.path).toBe('services.a.volumes');
    expect(issue.message).toContain('volume "data" is not declared');
  });

  it('a missing env_file', () => {
    const issue = soleError(loadFixture('services:\n  a:\n    image: nginx\n    env_file:\n      - missing.env\n'), 'PHX-ENV-FILE-MISSING');
    expect(where(issue)).toBe(`${COMPOSE}:5:9`);
    expect(issue.path).toBe('services.a.env_file');
    expect(issue.message).toContain('environments/missing.env does not exist');
  });

  it('a missing env_file marked required: false is fine', () => {
    const result = loadFixture('services:\n  a:\n    image: nginx\n    env_file:\n      - path: missing.env\n        required: false\n');
    expect(result.ok).toBe(true);
  });

  it('an env_file syntax error points at the line inside the env file', () => {
    const result = loadFixture('services:\n  a:\n    image: nginx\n    env_file: app.env\n', { files: { 'app.env': '# settings\nA=1\nthis is not an assignment\n' } });
    const issue = soleError(result, 'PHX-ENV-FILE-SYNTAX');
    expect(where(issue)).toBe('environments/app.env:3:1');
    expect(issue.message).toContain('expected KEY=VALUE');
  });
});

describe('security policy', () => {
  const withPolicy = (security: string): { environment: string } => ({ environment: `${ENV}policy:\n  security:\n${security}` });

  it('privileged without allow_privileged', () => {
    const compose = 'services:\n  a:\n    image: nginx\n    privileged: true\n';
    const issue = soleError(loadFixture(compose), 'PHX-POLICY-PRIVILEGED');
    expect(where(issue)).toBe(`${COMPOSE}:4:5`);
    expect(issue.path).toBe('services.a.privileged');
    expect(issue.message).toContain('privileged container');
    expect(loadFixture(compose, withPolicy('    allow_privileged: true\n')).ok).toBe(true);
  });

  it('network_mode: host without allow_host_network', () => {
    const compose = 'services:\n  a:\n    image: nginx\n    network_mode: host\n';
    const issue = soleError(loadFixture(compose), 'PHX-POLICY-HOST-NETWORK');
    expect(where(issue)).toBe(`${COMPOSE}:4:5`);
    expect(issue.path).toBe('services.a.network_mode');
    expect(issue.message).toContain('host network');
    const allowed = loadFixture(compose, withPolicy('    allow_host_network: true\n'));
    expect(allowed.ok).toBe(true);
    if (allowed.ok) expect(service(allowed.desired, 'a').spec.networkMode).toBe('host');
  });

  it('cap_add of a capability the policy does not list', () => {
    const compose = 'services:\n  a:\n    image: nginx\n    cap_add:\n      - NET_BIND_SERVICE\n      - cap_net_admin\n';
    const result = loadFixture(compose, withPolicy('    allowed_capabilities: [NET_BIND_SERVICE]\n'));
    const issue = soleError(result, 'PHX-POLICY-CAPABILITY');
    expect(where(issue)).toBe(`${COMPOSE}:6:9`);
    expect(issue.path).toBe('services.a.cap_add');
    expect(issue.message).toContain('NET_ADMIN');
    expect(loadFixture(compose, withPolicy('    allowed_capabilities: [NET_BIND_SERVICE, NET_ADMIN]\n')).ok).toBe(true);
    expect(loadFixture(compose, withPolicy('    allowed_capabilities: [ALL]\n')).ok).toBe(true);
  });

  it('a bind mount outside allowed_host_paths (paths below an allowed one are fine)', () => {
    const compose = 'services:\n  a:\n    image: nginx\n    volumes:\n      - /srv/data/sub:/data\n      - /etc:/host-etc:ro\n';
    const issue = soleError(loadFixture(compose, withPolicy('    allowed_host_paths: [/srv/data]\n')), 'PHX-POLICY-HOST-PATH');
    expect(where(issue)).toBe(`${COMPOSE}:6:9`);
    expect(issue.path).toBe('services.a.volumes');
    expect(issue.message).toContain('/etc');
    expect(issue.remediation).toContain('allowed_host_paths: [/etc]');
    // With no policy at all, both absolute paths are refused.
    const none = loadFixture(compose);
    expect(issuesOf(none).map((i) => i.code)).toEqual(['PHX-POLICY-HOST-PATH', 'PHX-POLICY-HOST-PATH']);
    expect(loadFixture(compose, withPolicy('    allowed_host_paths: [/srv/data, /etc]\n')).ok).toBe(true);
  });

  it('a relative bind mount inside the environment folder needs no policy (./data:/data)', () => {
    const compose = 'services:\n  a:\n    image: nginx\n    volumes:\n      - ./data:/data\n      - .:/src:ro\n      - type: bind\n        source: ./cache/..hidden\n        target: /cache\n';
    const desired = desiredFrom(compose);
    expect(service(desired, 'a').spec.mounts.filter((m) => m.type === 'bind').map((m) => (m.type === 'bind' ? m.source : ''))).toEqual([`${ROOT}/environments/cache/..hidden`, `${ROOT}/environments/data`, `${ROOT}/environments`]);
  });

  it('a relative bind mount that escapes the environment folder with ../ still needs the policy', () => {
    const compose = 'services:\n  a:\n    image: nginx\n    volumes:\n      - ./data/../../outside:/data\n';
    const issue = soleError(loadFixture(compose), 'PHX-POLICY-HOST-PATH');
    expect(where(issue)).toBe(`${COMPOSE}:5:9`);
    expect(issue.message).toContain(`${ROOT}/outside`);
    expect(loadFixture(compose, withPolicy('    allowed_host_paths: [../outside]\n')).ok).toBe(true);
  });

  it('compose files in a subfolder of the environments folder: their ./data lies in the tree', () => {
    const environment = 'project: app\ncompose: [compose/stack.yaml]\n';
    const stack = 'services:\n  a:\n    image: nginx\n    volumes:\n      - ./data:/data\n      - ../../etc:/host-etc\n';
    const result = loadFixture('services: {}\n', { environment, files: { 'compose/stack.yaml': stack } });
    const issue = soleError(result, 'PHX-POLICY-HOST-PATH');
    expect(where(issue)).toBe('environments/compose/stack.yaml:6:9');
    expect(issue.message).toContain(`${ROOT}/etc`);
  });

  it("a compose file beside the environments folder (phoenix init's layout): the project folder is in the tree", () => {
    const environment = 'project: app\ncompose: [../docker-compose.yml]\n';
    const files = { '../docker-compose.yml': 'services:\n  a:\n    image: nginx\n    volumes:\n      - ./data:/data\n      - ~/backups:/backups\n' };
    const issue = soleError(loadFixture('services: {}\n', { environment, files }), 'PHX-POLICY-HOST-PATH');
    expect(where(issue)).toBe('docker-compose.yml:6:9');
    // `~` is checked after it is expanded, as Podman will see it.
    expect(issue.message).toContain('/home/test/backups');
    expect(loadFixture('services: {}\n', { environment: `${environment}policy:\n  security:\n    allowed_host_paths: [/home/test]\n`, files }).ok).toBe(true);
  });

  it('containment is by path segments: /srv/data/..cache is inside /srv/data, /srv/database is not', () => {
    const mount = (source: string): string => `services:\n  a:\n    image: nginx\n    volumes:\n      - ${source}:/data\n`;
    const policy = withPolicy('    allowed_host_paths: [/srv/data]\n');
    expect(loadFixture(mount('/srv/data/..cache'), policy).ok).toBe(true);
    expect(loadFixture(mount('/srv/data'), policy).ok).toBe(true);
    expect(loadFixture(mount('/srv/data/./x/../y'), policy).ok).toBe(true);
    expect(soleError(loadFixture(mount('/srv/database'), policy), 'PHX-POLICY-HOST-PATH').message).toContain('/srv/database');
    expect(soleError(loadFixture(mount('/srv/data/../etc'), policy), 'PHX-POLICY-HOST-PATH').message).toContain('/srv/etc');
    expect(soleError(loadFixture(mount('/srv'), policy), 'PHX-POLICY-HOST-PATH').message).toContain('/srv');
  });
});

describe('input found by the fuzz tests (no crash: an error at a place)', () => {
  it('an environment file that is only `!reset`', () => {
    const result = loadFixture('services: {}\n', { environment: '!reset\n' });
    expect(result.ok).toBe(false);
    expect(issuesOf(result).map((i) => `${i.code} ${where(i)} ${i.message}`)).toEqual([`PHX-SCHEMA ${ENV_FILE}:1:7 the document must be object.`]);
  });

  it('an unknown key named like an Object.prototype member (valueOf)', () => {
    const issue = soleError(loadFixture('services: {}\nvolumes:\n  data:\n    valueOf: 0\n'), 'PHX-UNKNOWN-KEY');
    expect(where(issue)).toBe(`${COMPOSE}:4:5`);
    expect(typeof issue.remediation).toBe('string');
    expect(issue.remediation).toContain('correct its spelling');
  });

  it('a scale no host can run (more than 10000 containers)', () => {
    const issue = soleError(loadFixture('services:\n  web:\n    image: nginx\n    scale: 3537358699302346\n'), 'PHX-LIMIT-EXCEEDED');
    expect(where(issue)).toBe(`${COMPOSE}:4:12`);
    expect(issue.message).toContain('10000');
    expect(soleError(loadFixture('services:\n  web:\n    image: nginx\n    deploy:\n      replicas: 20000\n'), 'PHX-LIMIT-EXCEEDED').path).toBe('services.web.deploy.replicas');
  });
});

describe('other checks', () => {
  it('container_name with more than one replica', () => {
    const issue = soleError(loadFixture('services:\n  a:\n    image: nginx\n    container_name: fixed\n    scale: 3\n'), 'PHX-CONTAINER-NAME-REPLICAS');
    expect(where(issue)).toBe(`${COMPOSE}:4:5`);
    expect(issue.path).toBe('services.a.container_name');
    expect(issue.message).toContain('3 replicas');
  });

  it('a missing compose file is reported at its entry in the environment file', () => {
    const result = loadFixture('services:\n  a:\n    image: nginx\n', { environment: 'project: app\ncompose:\n  - compose.yaml\n  - overlays/missing.yaml\n' });
    const issue = soleError(result, 'PHX-FILE-NOT-FOUND');
    expect(where(issue)).toBe(`${ENV_FILE}:4:5`);
    expect(issue.message).toContain('environments/overlays/missing.yaml does not exist');
  });

  it('an unknown environment name lists the known ones', () => {
    const files = {
      [`${ROOT}/environments/dev.yaml`]: ENV,
      [`${ROOT}/environments/prod.yaml`]: ENV,
      [`${ROOT}/environments/compose.yml`]: 'services: {}\n',
    };
    const result = loadEnvironment({
      environmentsDir: `${ROOT}/environments`,
      name: 'staging',
      reader: memoryReader(files),
      processEnv: {},
      cwd: ROOT,
      homeDir: '/home/test',
      digester: new SecretDigester(TEST_DIGEST_KEY),
      requireSecretValues: false,
    });
    const issue = soleError(result, 'PHX-FILE-NOT-FOUND');
    expect(where(issue)).toBe('environments/staging.yaml:1:1');
    expect(issue.message).toContain('environment "staging"');
    expect(formatIssue(issue)).toContain('Known environments: compose, dev, prod.');
  });

  it('!reset in a place Compose does not support it', () => {
    const issue = soleError(loadFixture('services:\n  web:\n    image: nginx\n    environment:\n      A: !reset x\n'), 'PHX-INVALID-VALUE');
    expect(where(issue)).toBe(`${COMPOSE}:5:17`);
    expect(issue.path).toBe('services.web.environment.A');
    expect(issue.message).toContain('!reset is not supported here');
  });
});

describe('environment files named .yml (bug fix)', () => {
  const load = (files: Record<string, string>, name: string): LoadResult =>
    loadEnvironment({
      environmentsDir: `${ROOT}/environments`,
      name,
      reader: memoryReader(files),
      processEnv: {},
      cwd: ROOT,
      homeDir: '/home/test',
      digester: new SecretDigester(TEST_DIGEST_KEY),
      requireSecretValues: true,
    });
  const compose = { [`${ROOT}/environments/compose/app.yaml`]: 'services:\n  web:\n    image: nginx\n' };

  it('an environment listed from <name>.yml also loads from it', () => {
    const files = { ...compose, [`${ROOT}/environments/dev.yml`]: 'project: app\ncompose: [compose/app.yaml]\n' };
    expect(listEnvironments(memoryReader(files), `${ROOT}/environments`)).toEqual(['dev']);
    const result = load(files, 'dev');
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.desired.services[0]!.containerNames).toEqual(['app-dev-web-1']);
  });

  it('<name>.yaml and <name>.yml are one environment, and .yaml wins', () => {
    const files = {
      ...compose,
      [`${ROOT}/environments/dev.yaml`]: 'project: fromyaml\ncompose: [compose/app.yaml]\n',
      [`${ROOT}/environments/dev.yml`]: 'project: fromyml\ncompose: [compose/app.yaml]\n',
    };
    expect(listEnvironments(memoryReader(files), `${ROOT}/environments`)).toEqual(['dev']);
    const result = load(files, 'dev');
    expect(result.ok && result.desired.project).toBe('fromyaml');
  });
});

describe('every problem is reported at once', () => {
  it('structural problems in the environment\'s dotenv file and in two compose files', () => {
    const result = loadFixture('services:\n  a:\n    image: nginx\n    frobnicate: .\n', {
      environment: 'project: app\ncompose:\n  - compose.yaml\n  - overlay.yaml\n',
      files: { 'overlay.yaml': 'services:\n  a:\n    healthcheck:\n      retries: lots\n', '.env': 'OK=1\nnot valid\n' },
    });
    expect(result.ok).toBe(false);
    expect(issuesOf(result).map((i) => `${i.code} ${where(i)}`)).toEqual([
      'PHX-ENV-FILE-SYNTAX environments/.env:2:1',
      'PHX-UNKNOWN-KEY environments/compose.yaml:4:5',
      'PHX-SCHEMA environments/overlay.yaml:4:16',
    ]);
  });

  it('problems found while building (env_file, dependencies, policy, secrets) in several files', () => {
    const compose = 'services:\n  a:\n    image: nginx\n    depends_on: [zz]\n    env_file: app.env\n    privileged: true\n    secrets: [tok]\n';
    const result = loadFixture(compose, {
      environment: `${ENV}secrets:\n  tok:\n    file: missing.txt\n`,
      files: { 'app.env': 'bad line\n' },
    });
    expect(result.ok).toBe(false);
    expect(issuesOf(result).map((i) => `${i.code} ${where(i)}`)).toEqual([
      'PHX-ENV-FILE-SYNTAX environments/app.env:1:1',
      'PHX-DEPENDS-ON-MISSING environments/compose.yaml:4:18',
      'PHX-POLICY-PRIVILEGED environments/compose.yaml:6:5',
      'PHX-SECRET-SOURCE-MISSING environments/test.yaml:5:11',
    ]);
  });

  it('a broken manifest yields ok:false and no desired state', () => {
    const result = loadFixture('services:\n  a:\n    image: nginx\n    privileged: true\n');
    expect(result.ok).toBe(false);
    expect(result).not.toHaveProperty('desired');
    // The denied findings travel along (for security.denied events), never a desired state.
    expect(Object.keys(result).sort()).toEqual(['issues', 'ok', 'policyDenied']);
  });

  it('a warning alone does not fail the load', () => {
    const result = loadFixture('version: "3.8"\nservices:\n  a:\n    image: nginx\n');
    expect(result.ok).toBe(true);
    const [warning] = issuesOf(result);
    expect(warning?.code).toBe('PHX-OBSOLETE-KEY');
    expect(warning?.severity).toBe('warning');
    expect(where(warning!)).toBe(`${COMPOSE}:1:1`);
  });
});

describe('overlays merge like Compose', () => {
  const twoFiles = 'project: app\ncompose:\n  - compose.yaml\n  - overlay.yaml\n';
  const base = `services:
  web:
    image: nginx:1
    command: ["nginx", "-g", "daemon off;"]
    environment:
      A: "1"
      B: "2"
    ports:
      - "8080:80"
      - "8443:443"
    healthcheck:
      test: ["CMD", "true"]
      interval: 5s
      retries: 4
`;
  const merged = (overlay: string): DesiredService => service(desiredFrom(base, { environment: twoFiles, files: { 'overlay.yaml': overlay } }), 'web');

  it('environment merges as a map, ports stay unique, command is replaced, healthcheck.test replaced and other healthcheck keys merged', () => {
    const web = merged(`services:
  web:
    image: nginx:2
    command: ["nginx", "-T"]
    environment:
      - B=two
      - C=3
    ports:
      - "8080:80"
      - "9090:90"
    healthcheck:
      test: ["CMD", "false"]
      timeout: 7s
`);
    expect(web.spec.image).toBe('nginx:2');
    expect(web.spec.environment).toEqual({ A: '1', B: 'two', C: '3' });
    expect(web.spec.command).toEqual(['nginx', '-T']);
    expect(web.spec.ports.map((p) => `${p.published}:${p.target}`).sort()).toEqual(['8080:80', '8443:443', '9090:90']);
    expect(web.spec.healthcheck).toEqual({ test: ['CMD', 'false'], intervalMs: 5000, timeoutMs: 7000, retries: 4, startPeriodMs: 0, startIntervalMs: 5000 });
  });

  it('!reset removes the ports earlier files set; !override replaces environment instead of merging', () => {
    const web = merged('services:\n  web:\n    ports: !reset []\n    environment: !override\n      ONLY: x\n');
    expect(web.spec.ports).toEqual([]);
    expect(web.spec.environment).toEqual({ ONLY: 'x' });
    // Untouched keys keep the base's values.
    expect(web.spec.command).toEqual(['nginx', '-g', 'daemon off;']);
  });

  it('an overlay can add a service', () => {
    const desired = desiredFrom(base, { environment: twoFiles, files: { 'overlay.yaml': 'services:\n  db:\n    image: postgres:16\n' } });
    expect(desired.services.map((s) => s.name)).toEqual(['db', 'web']);
  });
});

describe('interpolation precedence: process env > variables > dotenv', () => {
  const compose = 'services:\n  web:\n    image: "nginx:${TAG}"\n';
  const imageOf = (options: Parameters<typeof desiredFrom>[1]): string => service(desiredFrom(compose, options), 'web').spec.image;
  const withVariables = `${ENV}variables:\n  TAG: from-variables\n`;

  it('the default .env next to the environment file is read', () => {
    expect(imageOf({ files: { '.env': 'TAG=from-dotenv\n' } })).toBe('nginx:from-dotenv');
  });

  it('variables: beat the dotenv file', () => {
    expect(imageOf({ environment: withVariables, files: { '.env': 'TAG=from-dotenv\n' } })).toBe('nginx:from-variables');
  });

  it('the process environment beats variables: and dotenv', () => {
    expect(imageOf({ environment: withVariables, files: { '.env': 'TAG=from-dotenv\n' }, processEnv: { TAG: 'from-process' } })).toBe('nginx:from-process');
  });

  it('an explicit dotenv: list replaces the default .env, and a later file beats an earlier one', () => {
    const environment = `${ENV}dotenv:\n  - first.env\n  - second.env\n`;
    const files = { '.env': 'TAG=default\nONLY_DEFAULT=1\n', 'first.env': 'TAG=first\n', 'second.env': 'TAG=second\n' };
    expect(imageOf({ environment, files })).toBe('nginx:second');
    const onlyDefault = loadFixture('services:\n  web:\n    image: "nginx:${ONLY_DEFAULT}"\n', { environment, files });
    expect(issuesOf(onlyDefault).map((i) => i.code)).toEqual(['PHX-VARIABLE-UNSET']);
  });

  it('a dotenv file named but missing is reported at its entry', () => {
    const result = loadFixture(compose, { environment: `${ENV}dotenv:\n  - missing.env\n`, processEnv: { TAG: '1' } });
    const issue = soleError(result, 'PHX-FILE-NOT-FOUND');
    expect(where(issue)).toBe(`${ENV_FILE}:4:5`);
    expect(issue.message).toContain('missing.env');
  });
});
