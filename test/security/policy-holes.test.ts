/**
 * The holes a security probe found in the policy (issue 11), each closed with its own code and
 * its own switch. Loaded from real files on disk (nodeReader), so that symbolic links are real.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../src/manifest/load.js';
import type { LoadResult } from '../../src/manifest/load.js';
import { nodeReader } from '../../src/manifest/node-reader.js';
import { digestOf, SecretDigester } from '../../src/model/hash.js';
import { formatIssue } from '../../src/model/issue.js';

let root = '';
let envDir = '';

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'phx-policy-'));
  envDir = path.join(root, 'environments');
  mkdirSync(path.join(envDir, 'data'), { recursive: true });
  writeFileSync(path.join(envDir, 'token.txt'), 'inside\n');
  // A link inside the environment's folder that leads to the host's root.
  symlinkSync('/', path.join(envDir, 'data', 'rootlink'));
  symlinkSync('/etc/hostname', path.join(envDir, 'hostname-link'));
  // A build context outside the environment's folder, and a link to it inside.
  mkdirSync(path.join(root, 'outside-src'), { recursive: true });
  writeFileSync(path.join(root, 'outside-src', 'Dockerfile'), 'FROM busybox\nCOPY . /src\n');
  symlinkSync(path.join(root, 'outside-src'), path.join(envDir, 'src-link'));
  mkdirSync(path.join(envDir, 'app'), { recursive: true });
  writeFileSync(path.join(envDir, 'app', 'Dockerfile'), 'FROM busybox\n');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

function load(compose: string, security = ''): LoadResult {
  writeFileSync(path.join(envDir, 'compose.yaml'), compose);
  writeFileSync(path.join(envDir, 'dev.yaml'), `project: app\ncompose: [compose.yaml]\n${security === '' ? '' : `policy:\n  security:\n${security}`}`);
  return loadEnvironment({ environmentsDir: envDir, name: 'dev', reader: nodeReader, processEnv: {}, cwd: root, homeDir: '/home/test', digester: new SecretDigester(new Uint8Array(32)), requireSecretValues: false });
}

function errors(result: LoadResult): string[] {
  return result.ok ? [] : result.issues.filter((i) => i.severity === 'error').map(formatIssue);
}

const service = (lines: string): string => `services:\n  web:\n    image: busybox\n${lines}`;

/** Each hole: the compose text, the one error it must now give, and the switch that opens it. */
const holes: { what: string; compose: string; expected: string; open: string }[] = [
  {
    what: 'a named volume binding / through driver_opts',
    compose: `${service('    volumes: [root:/host]\n')}volumes:\n  root:\n    driver_opts: {type: none, o: bind, device: /}\n`,
    expected: 'environments/compose.yaml:6:3 error PHX-POLICY-HOST-PATH volumes.root.driver_opts: volume "root" bind-mounts the host path /',
    // The host's / holds the runtime sockets too.
    open: '    allowed_host_paths: [/]\n    allow_runtime_socket: true\n',
  },
  {
    what: 'a symlink to / inside the environment folder',
    compose: service('    volumes: [./data/rootlink:/host]\n'),
    expected: `error PHX-POLICY-HOST-PATH services.web.volumes: "web" bind-mounts the host path ENV/data/rootlink (which leads to /)`,
    open: '    allowed_host_paths: [/]\n    allow_runtime_socket: true\n',
  },
  {
    what: 'a secret read from /etc/shadow',
    compose: `${service('    secrets: [shadow]\n')}secrets:\n  shadow:\n    file: /etc/shadow\n`,
    expected: 'environments/compose.yaml:6:3 error PHX-POLICY-SECRET-PATH secrets.shadow.file: secret "shadow" is read from /etc/shadow',
    open: '    allowed_secret_paths: [/etc]\n',
  },
  {
    what: 'a secret through ../',
    compose: `${service('    secrets: [env]\n')}secrets:\n  env:\n    file: ../../../../../../proc/self/environ\n`,
    expected: 'error PHX-POLICY-SECRET-PATH secrets.env.file: secret "env" is read from /proc/self/environ',
    open: '    allowed_secret_paths: [/proc]\n',
  },
  {
    what: 'a config through a symlink out of the folder',
    compose: `${service('    configs: [host]\n')}configs:\n  host:\n    file: ./hostname-link\n`,
    expected: 'error PHX-POLICY-SECRET-PATH configs.host.file: config "host" is read from ENV/hostname-link (which leads to /etc/hostname)',
    open: '    allowed_secret_paths: [/etc/hostname]\n',
  },
  { what: 'seccomp=unconfined', compose: service('    security_opt: [seccomp=unconfined]\n'), expected: 'environments/compose.yaml:4:20 error PHX-POLICY-UNCONFINED services.web.security_opt: "web" asks for security_opt seccomp=unconfined, which turns seccomp off', open: '    allow_unconfined: true\n' },
  { what: 'apparmor=unconfined', compose: service('    security_opt: ["apparmor:unconfined"]\n'), expected: 'error PHX-POLICY-UNCONFINED services.web.security_opt: "web" asks for security_opt apparmor:unconfined, which turns AppArmor off', open: '    allow_unconfined: true\n' },
  { what: 'label=disable', compose: service('    security_opt: [label=disable]\n'), expected: 'error PHX-POLICY-UNCONFINED services.web.security_opt: "web" asks for security_opt label=disable, which turns SELinux labelling off', open: '    allow_unconfined: true\n' },
  { what: 'no-new-privileges:false', compose: service('    security_opt: ["no-new-privileges:false"]\n'), expected: 'error PHX-POLICY-NEW-PRIVILEGES services.web.security_opt: "web" turns no-new-privileges off', open: '    allow_new_privileges: true\n' },
  { what: 'pid: host', compose: service('    pid: host\n'), expected: 'error PHX-POLICY-HOST-NAMESPACE services.web.pid:', open: '    allow_host_namespaces: true\n' },
  { what: 'ipc: host', compose: service('    ipc: host\n'), expected: 'error PHX-POLICY-HOST-NAMESPACE services.web.ipc:', open: '    allow_host_namespaces: true\n' },
  { what: 'userns_mode: host', compose: service('    userns_mode: host\n'), expected: 'error PHX-POLICY-HOST-NAMESPACE services.web.userns_mode:', open: '    allow_host_namespaces: true\n' },
  { what: 'network_mode: host', compose: service('    network_mode: host\n'), expected: 'error PHX-POLICY-HOST-NETWORK services.web.network_mode:', open: '    allow_host_network: true\n' },
  {
    what: 'network_mode: container: of a foreign container',
    compose: service('    network_mode: "container:someone-elses-db"\n'),
    expected: 'error PHX-POLICY-FOREIGN-CONTAINER services.web.network_mode: "web" joins the container someone-elses-db (network_mode)',
    open: '    allow_foreign_containers: true\n',
  },
  { what: 'devices', compose: service('    devices: [/dev/mem]\n'), expected: 'environments/compose.yaml:4:14 error PHX-POLICY-DEVICE services.web.devices: "web" is given the host device /dev/mem', open: '    allowed_devices: [/dev/mem]\n' },
  {
    what: 'the Docker socket',
    compose: service('    volumes: [/var/run/docker.sock:/var/run/docker.sock]\n'),
    expected: 'error PHX-POLICY-RUNTIME-SOCKET services.web.volumes: "web" mounts /var/run/docker.sock',
    open: '    allow_runtime_socket: true\n    allowed_host_paths: [/var/run/docker.sock]\n',
  },
  {
    what: 'a folder holding the Podman socket',
    compose: service('    volumes: [/run/podman:/sock]\n'),
    expected: 'error PHX-POLICY-RUNTIME-SOCKET services.web.volumes: "web" mounts /run/podman',
    open: '    allow_runtime_socket: true\n    allowed_host_paths: [/run/podman]\n',
  },
  {
    what: 'a build context outside the environment folder',
    compose: service('    build: {context: ../outside-src}\n'),
    expected: 'environments/compose.yaml:4:5 error PHX-POLICY-BUILD-CONTEXT services.web.build: "web" builds its image from ROOT/outside-src (build.context)',
    open: '    allowed_build_contexts: [../outside-src]\n',
  },
  {
    what: 'a build context through a symlink out of the folder',
    compose: service('    build: {context: ./src-link}\n'),
    expected: 'error PHX-POLICY-BUILD-CONTEXT services.web.build: "web" builds its image from ENV/src-link (which leads to ROOT/outside-src) (build.context)',
    open: '    allowed_build_contexts: [ROOT/outside-src]\n',
  },
  {
    what: 'a Dockerfile outside the environment folder',
    compose: service('    build: {context: ./app, dockerfile: ../../outside-src/Dockerfile}\n'),
    expected: 'error PHX-POLICY-BUILD-CONTEXT services.web.build: "web" builds its image from ROOT/outside-src/Dockerfile (build.dockerfile)',
    open: '    allowed_build_contexts: [ROOT/outside-src]\n',
  },
];

describe('every way a container reaches the host goes through the policy', () => {
  it.each(holes)('$what: denied with its code; its switch opens it', ({ compose, expected, open }) => {
    const found = errors(load(compose)).join('\n');
    expect(found).toContain(expected.replace('ENV', envDir).replaceAll('ROOT', root));
    const opened = load(compose, open.replace('ROOT', root));
    expect(errors(opened)).toEqual([]);
    expect(opened.ok && opened.security.granted.length).toBeGreaterThan(0);
  });

  it('network_mode service:NAME of the same environment, a secret and a build context inside the folder need no switch', () => {
    const compose = `services:\n  db:\n    image: busybox\n    build: ./app\n  web:\n    image: busybox\n    network_mode: service:db\n    secrets: [token]\nsecrets:\n  token:\n    file: ./token.txt\n`;
    const result = load(compose);
    expect(errors(result)).toEqual([]);
    expect(result.ok && result.security.granted).toEqual([]);
  });
});

describe('hardening defaults for every container', () => {
  it('userns, no_new_privileges and cap_drop reach every spec; a service says otherwise; unset they leave the hash as it was', () => {
    const compose = 'services:\n  web:\n    image: busybox\n  own:\n    image: busybox\n    userns_mode: keep-id\n    cap_drop: [NET_RAW]\n';
    const plain = load(compose);
    const hardened = load(compose, '    userns: auto\n    no_new_privileges: true\n    cap_drop: [all]\n');
    if (!plain.ok || !hardened.ok) throw new Error(errors(plain).concat(errors(hardened)).join('\n'));
    const spec = (result: typeof plain, name: string) => result.desired.services.find((s) => s.name === name)!;
    expect(spec(hardened, 'web').spec).toMatchObject({ usernsMode: 'auto', securityOpt: ['no-new-privileges'], capDrop: ['ALL'] });
    expect(spec(hardened, 'own').spec).toMatchObject({ usernsMode: 'keep-id', capDrop: ['ALL', 'NET_RAW'] });
    expect(spec(hardened, 'web').configHash).not.toBe(spec(plain, 'web').configHash);
    // Without the policy keys the spec has no trace of them: the hash is the one of the spec as before.
    expect(spec(plain, 'web').spec).toMatchObject({ usernsMode: null, securityOpt: [], capDrop: [] });
    expect(spec(plain, 'web').configHash).toBe(digestOf(spec(plain, 'web').spec));
  });
});
