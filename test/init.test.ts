import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../src/cli/main.js';
import type { CliIo } from '../src/cli/io.js';
import { composeProjectName } from '../src/init/compose-needs.js';
import { initEnvironment } from '../src/init/init-environment.js';
import type { InitResult } from '../src/init/init-environment.js';
import { loadEnvironment } from '../src/manifest/load.js';
import { SecretDigester } from '../src/model/hash.js';
import { memoryReader } from './support/memory-reader.js';

/** `phoenix init --from`: the environment it drafts for a compose project, and the command. */

const PROJECT = '/work/My_Shop';
const ENVIRONMENTS = `${PROJECT}/environments`;

/** Needs a capability (twice), an absolute host path, privileged, the host network; ./data needs nothing. */
const COMPOSE = `services:
  web:
    image: shop:1
    volumes:
      - ./data:/data
      - /srv/shop/media:/media:ro
      - \${LOG_DIR:-/var/log/shop}:/logs
    cap_add: [NET_BIND_SERVICE]
    secrets: [db_password, api_key]
  vpn:
    image: vpn:1
    network_mode: host
    privileged: true
    cap_add: [cap_net_admin, NET_BIND_SERVICE]
    volumes:
      - type: bind
        source: ~/vpn
        target: /etc/vpn
secrets:
  db_password:
    file: ./secrets/db.txt
  api_key:
    environment: SHOP_API_KEY
`;

function init(files: Record<string, string>, extra: Partial<Parameters<typeof initEnvironment>[0]> = {}): { result: InitResult; files: Record<string, string> } {
  const result = initEnvironment({
    composeFile: `${PROJECT}/docker-compose.yml`,
    environmentsDir: ENVIRONMENTS,
    name: 'dev',
    force: false,
    reader: memoryReader(files),
    processEnv: {},
    homeDir: '/home/ann',
    display: (p) => path.relative(PROJECT, p),
    ...extra,
  });
  return { result, files };
}

describe('initEnvironment', () => {
  const files = { [`${PROJECT}/docker-compose.yml`]: COMPOSE, [`${PROJECT}/.env`]: 'LOG_DIR=/var/log/my-shop\n', [`${PROJECT}/secrets/db.txt`]: 'pw' };
  const { result } = init(files);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  const written = parse(result.text) as Record<string, unknown>;

  it('writes the project as Compose derives it, the compose file, its .env and each secret source', () => {
    expect(result.file).toBe(`${ENVIRONMENTS}/dev.yaml`);
    expect(written).toMatchObject({
      project: 'my_shop',
      compose: ['../docker-compose.yml'],
      dotenv: ['../.env'],
      secrets: { db_password: { file: '../secrets/db.txt' }, api_key: { environment: 'SHOP_API_KEY' } },
    });
  });

  it('opens the policy exactly as far as the file needs: ./data needs nothing, .env and ~ are resolved', () => {
    expect(written.policy).toEqual({
      security: {
        allow_privileged: true,
        allow_host_network: true,
        allowed_capabilities: ['NET_ADMIN', 'NET_BIND_SERVICE'],
        allowed_host_paths: ['/home/ann/vpn', '/srv/shop/media', '/var/log/my-shop'],
      },
    });
  });

  it('comments each opening with the services that need it and why', () => {
    const lines = result.text.split('\n');
    const before = (needle: string): string => lines[lines.findIndex((l) => l.trim() === needle) - 1]!.trim();
    expect(before('allow_privileged: true')).toBe('# needed by vpn (privileged: true)');
    expect(before('allow_host_network: true')).toBe('# needed by vpn (network_mode: host)');
    expect(before('- NET_BIND_SERVICE')).toBe('# needed by vpn (cap_add: NET_BIND_SERVICE), web (cap_add: NET_BIND_SERVICE)');
    expect(before('- NET_ADMIN')).toBe('# needed by vpn (cap_add: cap_net_admin)');
    expect(before('- /srv/shop/media')).toBe('# needed by web (volumes: /srv/shop/media:/media:ro)');
    expect(before('- /home/ann/vpn')).toBe('# needed by vpn (volumes: ~/vpn (type: bind) at /etc/vpn)');
    expect(result.text).toContain("project: my_shop # the compose project's folder name");
  });

  it('the written file validates as phoenix validate checks it', () => {
    const loaded = loadEnvironment({
      environmentsDir: ENVIRONMENTS,
      name: 'dev',
      reader: memoryReader({ ...files, [result.file]: result.text }),
      processEnv: { SHOP_API_KEY: 'k' },
      cwd: PROJECT,
      homeDir: '/home/ann',
      digester: new SecretDigester(new Uint8Array(32)),
      requireSecretValues: true,
      profiles: [],
    });
    expect(loaded.ok ? [] : loaded.issues.map((i) => `${i.code} ${i.message}`)).toEqual([]);
    // And without the openings it would not: the policy init wrote is what makes it valid.
    const closed = result.text.slice(0, result.text.indexOf('# Opened only'));
    const refused = loadEnvironment({
      environmentsDir: ENVIRONMENTS,
      name: 'dev',
      reader: memoryReader({ ...files, [result.file]: closed }),
      processEnv: { SHOP_API_KEY: 'k' },
      cwd: PROJECT,
      homeDir: '/home/ann',
      digester: new SecretDigester(new Uint8Array(32)),
      requireSecretValues: true,
      profiles: [],
    });
    expect(refused.ok ? [] : [...new Set(refused.issues.map((i) => i.code))].sort()).toEqual(['PHX-POLICY-CAPABILITY', 'PHX-POLICY-HOST-NETWORK', 'PHX-POLICY-HOST-PATH', 'PHX-POLICY-PRIVILEGED']);
  });

  it("sees what only Phoenix's loader sees: extends, and services of every profile", () => {
    const compose = `services:
  base:
    image: shop:1
    cap_add: [SYS_ADMIN]
  app:
    extends: base
  debug:
    image: shop:1
    profiles: [debug]
    privileged: true
`;
    const extended = init({ [`${PROJECT}/docker-compose.yml`]: compose }).result;
    if (!extended.ok) throw new Error(JSON.stringify(extended.issues));
    expect((parse(extended.text) as { policy: unknown }).policy).toEqual({ security: { allow_privileged: true, allowed_capabilities: ['SYS_ADMIN'] } });
    expect(extended.text).toContain('# needed by app (cap_add: SYS_ADMIN), base (cap_add: SYS_ADMIN)');
    expect(extended.text).toContain('# needed by debug (privileged: true)');
  });

  it('a compose file that needs nothing gets no policy, and its name: wins over the folder', () => {
    const plain = init({ [`${PROJECT}/docker-compose.yml`]: 'name: shop\nservices:\n  web:\n    image: shop:1\n    volumes: ["./data:/data"]\n' }).result;
    expect(plain.ok && parse(plain.text)).toEqual({ project: 'shop', compose: ['../docker-compose.yml'] });
    expect(plain.ok && plain.text).toContain('needs no opening of the security policy');
  });

  it('never overwrites an environment file (PHX-INIT-EXISTS), unless forced', () => {
    const existing = { ...files, [`${ENVIRONMENTS}/dev.yml`]: 'project: mine\n' };
    const refused = init(existing).result;
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.issues.map((i) => `${i.code} ${i.location.file}:${i.location.line}:${i.location.column}`)).toEqual(['PHX-INIT-EXISTS environments/dev.yml:1:1']);
    expect(refused.issues[0]!.remediation).toContain('--force');
    expect(init(existing, { force: true }).result.ok).toBe(true);
  });

  it('a missing compose file, a YAML mistake or an unusable project name is refused with a code', () => {
    const missing = init({}).result;
    expect(!missing.ok && missing.issues[0]!.code).toBe('PHX-INIT-NO-COMPOSE');
    const broken = init({ [`${PROJECT}/docker-compose.yml`]: 'services:\n  web:\n\timage: x\n' }).result;
    expect(!broken.ok && `${broken.issues[0]!.code} ${broken.issues[0]!.location.line}:${broken.issues[0]!.location.column}`).toBe('PHX-YAML-SYNTAX 3:1');
    const badName = init({ [`/work/___/docker-compose.yml`]: 'services: {}\n' }, { composeFile: '/work/___/docker-compose.yml' }).result;
    expect(!badName.ok && badName.issues[0]!.code).toBe('PHX-INIT-PROJECT-NAME');
    expect(init({ [`/work/___/docker-compose.yml`]: 'services: {}\n' }, { composeFile: '/work/___/docker-compose.yml', project: 'ok' }).result.ok).toBe(true);
  });
});

describe('composeProjectName', () => {
  it('lower-cases and drops what Compose drops', () => {
    expect(composeProjectName('My_Shop')).toBe('my_shop');
    expect(composeProjectName('phoenix.hydra 2')).toBe('phoenixhydra2');
    expect(composeProjectName('-_Hydra-App')).toBe('hydra-app');
    expect(composeProjectName('...')).toBe('');
  });
});

describe('phoenix init (CLI, in-process through main)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'phoenix-init-test-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  async function run(cwd: string, argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: { HOME: tmp }, cwd, interactive: false, confirm: () => Promise.resolve(false) };
    const code = await main([...argv, '--state-dir', path.join(tmp, 'state')], io);
    return { code, stdout, stderr };
  }

  it('writes environments/dev.yaml, validates it, and refuses to overwrite it', async () => {
    const project = path.join(tmp, 'Web-Shop');
    mkdirSync(project, { recursive: true });
    writeFileSync(path.join(project, 'docker-compose.yml'), 'services:\n  web:\n    image: shop:1\n    cap_add: [SYS_PTRACE]\n    volumes: ["/opt/shop:/opt/shop", "./data:/data"]\n');
    const first = await run(project, ['init', '--from', 'docker-compose.yml']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('wrote environments/dev.yaml (project web-shop, 0 secret sources; policy opened for capabilities SYS_PTRACE; host paths /opt/shop)');
    expect(first.stdout).toContain('ok dev: valid, 1 services');
    const text = readFileSync(path.join(project, 'environments', 'dev.yaml'), 'utf8');
    expect(text).toContain('# needed by web (cap_add: SYS_PTRACE)\n      - SYS_PTRACE');
    expect(text).toContain('# needed by web (volumes: /opt/shop:/opt/shop)\n      - /opt/shop');
    // The written environment validates with phoenix validate itself.
    expect((await run(project, ['validate', '--env', 'dev'])).code).toBe(0);

    writeFileSync(path.join(project, 'environments', 'dev.yaml'), 'project: edited-by-hand\ncompose: [../docker-compose.yml]\n');
    const again = await run(project, ['init', '--from', 'docker-compose.yml']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('environments/dev.yaml:1:1 error PHX-INIT-EXISTS');
    expect(again.stderr).toContain('no environment file was written');
    expect(readFileSync(path.join(project, 'environments', 'dev.yaml'), 'utf8')).toBe('project: edited-by-hand\ncompose: [../docker-compose.yml]\n');

    const named = await run(project, ['init', '--from', 'docker-compose.yml', '--env', 'staging', '--environments', 'envs']);
    expect(named.code).toBe(0);
    expect(parse(readFileSync(path.join(project, 'envs', 'staging.yaml'), 'utf8'))).toMatchObject({ project: 'web-shop', compose: ['../docker-compose.yml'] });
  });

  it("works with its own secrets: each secret or config file outside the folders is allowed as that one file, never its folder; a link out stays denied", async () => {
    const project = path.join(tmp, 'with-secrets');
    const shared = path.join(tmp, 'shared-secrets');
    mkdirSync(path.join(project, 'secrets'), { recursive: true });
    mkdirSync(shared, { recursive: true });
    writeFileSync(path.join(project, 'secrets', 'db.txt'), 'pw\n');
    writeFileSync(path.join(shared, 'api.txt'), 'token\n');
    writeFileSync(path.join(shared, 'other.txt'), 'not asked for\n');
    writeFileSync(
      path.join(project, 'docker-compose.yml'),
      `services:\n  web:\n    image: shop:1\n    secrets: [db, api]\n    configs: [motd]\nsecrets:\n  db:\n    file: ./secrets/db.txt\n  api:\n    file: ${shared}/api.txt\nconfigs:\n  motd:\n    file: ../shared-secrets/api.txt\n`,
    );
    const first = await run(project, ['init', '--from', 'docker-compose.yml']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`policy opened for secret files ${shared}/api.txt)`);
    const text = readFileSync(path.join(project, 'environments', 'dev.yaml'), 'utf8');
    expect((parse(text) as { policy: unknown }).policy).toEqual({ security: { allowed_secret_paths: [`${shared}/api.txt`] } });
    expect(text).toContain(`# needed by secret api (file: ${shared}/api.txt), config motd (file: ${shared}/api.txt)`);
    expect((await run(project, ['validate', '--env', 'dev'])).code).toBe(0);
    // Only that file: another file of the same folder is still refused.
    writeFileSync(path.join(project, 'docker-compose.yml'), `services:\n  web:\n    image: shop:1\n    secrets: [more]\nsecrets:\n  more:\n    file: ${shared}/other.txt\n`);
    const other = await run(project, ['validate', '--env', 'dev']);
    expect(other.code).toBe(1);
    expect(other.stdout).toContain('PHX-POLICY-SECRET-PATH');
    // A file inside the project folder that links out is not opened by init: validation refuses it.
    symlinkSync('/etc/hostname', path.join(project, 'secrets', 'link.txt'));
    writeFileSync(path.join(project, 'docker-compose.yml'), 'services:\n  web:\n    image: shop:1\n    secrets: [host]\nsecrets:\n  host:\n    file: ./secrets/link.txt\n');
    const linked = await run(project, ['init', '--from', 'docker-compose.yml', '--force']);
    expect(linked.code).toBe(1);
    expect(linked.stdout).toContain('policy opened for nothing');
    expect(linked.stdout).toContain('PHX-POLICY-SECRET-PATH');
  });

  it('opens allowed_build_contexts for a build context outside the project folder, and the result validates', async () => {
    const project = path.join(tmp, 'builds');
    const source = path.join(tmp, 'shop-src');
    mkdirSync(path.join(project, 'local'), { recursive: true });
    mkdirSync(source, { recursive: true });
    writeFileSync(path.join(source, 'Dockerfile'), 'FROM busybox\n');
    writeFileSync(path.join(project, 'local', 'Dockerfile'), 'FROM busybox\n');
    writeFileSync(path.join(project, 'docker-compose.yml'), 'services:\n  web:\n    image: shop:1\n    build: ../shop-src\n  local:\n    image: local:1\n    build: ./local\n');
    const result = await run(project, ['init', '--from', 'docker-compose.yml']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`policy opened for build contexts ${source})`);
    const text = readFileSync(path.join(project, 'environments', 'dev.yaml'), 'utf8');
    expect((parse(text) as { policy: unknown }).policy).toEqual({ security: { allowed_build_contexts: [source] } });
    expect(text).toContain(`# needed by web (build: ${source})`);
  });

  it('writes the file but exits 1 with the problems when the result does not validate', async () => {
    const project = path.join(tmp, 'broken');
    mkdirSync(project, { recursive: true });
    writeFileSync(path.join(project, 'compose.yaml'), 'services:\n  web:\n    image: shop:1\n    depends_on: [db]\n');
    const result = await run(project, ['init', '--from', 'compose.yaml']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('wrote environments/dev.yaml');
    expect(result.stdout).toMatch(/compose\.yaml:4:\d+ error PHX-DEPENDS-ON-MISSING/);
    expect(result.stdout).toContain('FAIL dev: 1 error');
  });
});

describe('initEnvironment and the Compose surface', () => {
  it('opens allow_host_namespaces for pid/ipc/uts/cgroup/userns_mode: host and allowed_devices for host devices', () => {
    const compose = 'services:\n  agent:\n    image: agent:1\n    pid: host\n    devices: [/dev/fuse, "nvidia.com/gpu=all"]\n';
    const files = { [`${PROJECT}/docker-compose.yml`]: compose };
    const { result } = init(files);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect((parse(result.text) as { policy: unknown }).policy).toEqual({ security: { allow_host_namespaces: true, allowed_devices: ['/dev/fuse'] } });
    expect(result.text).toContain('# needed by agent (pid: host)');
    const loaded = loadEnvironment({
      environmentsDir: ENVIRONMENTS,
      name: 'dev',
      reader: memoryReader({ ...files, [result.file]: result.text }),
      processEnv: {},
      cwd: PROJECT,
      homeDir: '/home/ann',
      digester: new SecretDigester(new Uint8Array(32)),
      requireSecretValues: true,
      profiles: [],
    });
    expect(loaded.ok ? [] : loaded.issues.map((i) => `${i.code} ${i.message}`)).toEqual([]);
  });
});
