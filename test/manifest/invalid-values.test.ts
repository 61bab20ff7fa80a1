import { describe, expect, it } from 'vitest';
import type { IssueCode, ManifestIssue } from '../../src/model/issue.js';
import { loadFixture } from '../support/load-fixture.js';

/**
 * The invalid manifests a probe got through `validate` (issue 10): 31 that failed only at apply,
 * most after creating objects, and 23 that were applied although wrong or meaningless. Each is
 * refused at validate now, with its code at its line.
 */

const SERVICE = 'services:\n  web:\n    image: localhost/app:1\n';

interface Case {
  readonly what: string;
  /** The compose file (environments/compose.yaml). */
  readonly compose: string;
  /** The environment file, when the case is there. */
  readonly environment?: string;
  readonly code: IssueCode;
  /** `file:line` of the issue. */
  readonly at: string;
}

/** A case on line 4 of the compose file: one more key of service web. */
function key(what: string, line: string, code: IssueCode = 'PHX-INVALID-FORMAT'): Case {
  return { what, compose: `${SERVICE}    ${line}\n`, code, at: 'environments/compose.yaml:4' };
}

/** A case whose image line (line 3) is `image`. */
function image(what: string, value: string): Case {
  return { what, compose: `services:\n  web:\n    image: ${value}\n`, code: 'PHX-INVALID-FORMAT', at: 'environments/compose.yaml:3' };
}

const NETWORK = (ipam: string): string => `${SERVICE}    networks: [n]\nnetworks:\n  n:\n    ipam:\n      config:\n        - ${ipam}\n`;
const ENVIRONMENT = (lines: string): string => `project: app\ncompose: [compose.yaml]\n${lines}\n`;

const FAILED_AT_APPLY: readonly Case[] = [
  image('image 123 (a YAML number)', '123'),
  image('image with upper case', 'Localhost/App:1'),
  image('image with a newline', '"localhost/app\\n:1"'),
  image('image with a space', '"local host/app:1"'),
  image('image with an empty tag', '"localhost/app:"'),
  key('command: 5', 'command: 5'),
  key('entrypoint: true', 'entrypoint: true'),
  key('stop_signal: SIGFOO', 'stop_signal: SIGFOO'),
  key('stop_signal: 99', 'stop_signal: 99'),
  key('cap_drop: [1]', 'cap_drop: [1]'),
  key('cap_add: [NOT_A_CAP]', 'cap_add: [NOT_A_CAP]'),
  key('a bad extra_hosts IP', 'extra_hosts: ["db:999.1.1.1"]'),
  key('extra_hosts map with a bad IP', 'extra_hosts: {db: "10.0.0"}'),
  key('tmpfs: 5', 'tmpfs: 5'),
  key('a relative tmpfs', 'tmpfs: [run]'),
  key('a relative working_dir', 'working_dir: app'),
  key('userns_mode: bogus', 'userns_mode: bogus'),
  key('ports 99999', 'ports: ["99999:80"]'),
  key('container port 99999', 'ports: ["8080:99999"]'),
  key('port :0', 'ports: ["8080:0"]'),
  key('published port 0', 'ports: ["0:80"]'),
  key('a reversed published range', 'ports: ["9000-8000:80"]'),
  key('a reversed container range', 'ports: ["80:90-80"]'),
  key('mismatched ranges', 'ports: ["8080-8081:80-83"]'),
  key('a long-form target out of range', 'ports: [{target: 70000}]'),
  key('a bad host_ip', 'ports: ["300.1.1.1:8080:80"]'),
  { what: 'subnet /33', compose: NETWORK('subnet: 10.1.0.0/33'), code: 'PHX-INVALID-FORMAT', at: 'environments/compose.yaml:9' },
  { what: 'a subnet that is no address', compose: NETWORK('subnet: banana/16'), code: 'PHX-INVALID-FORMAT', at: 'environments/compose.yaml:9' },
  { what: 'a gateway that is no address', compose: NETWORK('{subnet: 10.1.0.0/16, gateway: 10.1.0}'), code: 'PHX-INVALID-FORMAT', at: 'environments/compose.yaml:9' },
  { what: 'ipv4_address without a subnet', compose: `${SERVICE}    networks:\n      n: {ipv4_address: 10.1.0.5}\nnetworks:\n  n: {}\n`, code: 'PHX-INVALID-VALUE', at: 'environments/compose.yaml:5' },
  key('an ipv4_address that is IPv6', 'networks: {default: {ipv4_address: "fd00::5"}}'),
  key('NUL in an environment value', 'environment: {A: "x\\0y"}'),
  key('retries: 1e400', 'healthcheck: {test: [CMD, "true"], retries: 1e400}'),
  key('replicas: .inf', 'deploy: {replicas: .inf}'),
  key('a dns server that is no address', 'dns: [resolver.local]'),
];

const APPLIED_THOUGH_WRONG: readonly Case[] = [
  { what: 'variables: {X: null}', compose: SERVICE, environment: ENVIRONMENT('variables: {X: null}'), code: 'PHX-INVALID-FORMAT', at: 'environments/test.yaml:3' },
  { what: 'allowed_capabilities: [NOT_A_CAP]', compose: SERVICE, environment: ENVIRONMENT('policy:\n  security:\n    allowed_capabilities: [NOT_A_CAP]'), code: 'PHX-INVALID-FORMAT', at: 'environments/test.yaml:5' },
  { what: 'telemetry port 99999', compose: SERVICE, environment: ENVIRONMENT('policy:\n  telemetry:\n    listen: "127.0.0.1:99999"'), code: 'PHX-INVALID-FORMAT', at: 'environments/test.yaml:5' },
  key('environment: [1, 2]', 'environment: [1, 2]'),
  key('an environment name starting with a digit', 'environment: ["1X=a"]'),
  key('labels: [noequals]', 'labels: [noequals]'),
  key('a label key with a space', 'labels: {"a b": c}'),
  key('hostname: "bad host name!"', 'hostname: "bad host name!"'),
  key('a hostname label of 64 characters', `hostname: ${'a'.repeat(64)}`),
  key('container_name with a space', 'container_name: "a b"'),
  { what: 'a compose file without services:', compose: 'networks:\n  n: {}\n', code: 'PHX-SCHEMA', at: 'environments/compose.yaml:1' },
  key('port ":8080"', 'ports: [":8080"]'),
  key('port with protocol sctp', 'ports: ["8080:80/sctp"]'),
  key('an unknown YAML tag !foo', 'hostname: !foo web', 'PHX-YAML-TAG'),
  { what: 'a service named __proto__', compose: 'services:\n  __proto__:\n    image: localhost/app:1\n', code: 'PHX-RESERVED-NAME', at: 'environments/compose.yaml:2' },
  key('an io.phoenix.* label on a service (map)', 'labels: {io.phoenix.config-hash: x}', 'PHX-LABEL-RESERVED'),
  key('an io.phoenix.* label on a service (list)', 'labels: ["io.phoenix.service=db"]', 'PHX-LABEL-RESERVED'),
  { what: 'an io.phoenix.* label on a network', compose: `${SERVICE}networks:\n  default:\n    labels: {io.phoenix.project: other}\n`, code: 'PHX-LABEL-RESERVED', at: 'environments/compose.yaml:6' },
  { what: 'an io.phoenix.* label on a volume', compose: `${SERVICE}volumes:\n  data:\n    labels: [io.phoenix.volume=x]\n`, code: 'PHX-LABEL-RESERVED', at: 'environments/compose.yaml:6' },
  key('replicas: 1000000000', 'deploy: {replicas: 1000000000}', 'PHX-LIMIT-EXCEEDED'),
  key('scale: 100000', 'scale: 100000', 'PHX-LIMIT-EXCEEDED'),
  key('an unknown ulimit', 'ulimits: {nofiles: 10}'),
  key('a sysctl that is no name', 'sysctls: {"net core": 1}'),
];

function describeIssues(issues: readonly ManifestIssue[]): string {
  return issues.map((i) => `${i.location.file}:${i.location.line}:${i.location.column} ${i.code} ${i.path}: ${i.message}`).join('\n');
}

describe('values the probe got through validate are refused with file:line and a remedy', () => {
  it('has the 54 cases of issue 10 and more', () => {
    expect(FAILED_AT_APPLY.length + APPLIED_THOUGH_WRONG.length).toBeGreaterThanOrEqual(54);
  });

  it.each([...FAILED_AT_APPLY, ...APPLIED_THOUGH_WRONG].map((c) => [c.what, c] as const))('%s', (_what, c) => {
    const result = loadFixture(c.compose, c.environment === undefined ? {} : { environment: c.environment });
    expect(result.ok, `accepted: ${c.what}`).toBe(false);
    if (result.ok) return;
    const errors = result.issues.filter((i) => i.severity === 'error');
    const found = errors.find((i) => i.code === c.code && `${i.location.file}:${i.location.line}` === c.at);
    expect(found, describeIssues(errors)).toBeDefined();
    expect(found!.remediation.length).toBeGreaterThan(10);
    expect(found!.location.column).toBeGreaterThan(0);
  });

  it('valid neighbours of the cases stay valid', () => {
    const valid = [
      'image: docker.io/library/nginx:1.27',
      'image: "localhost:5000/team/app-x_y.z:v1.2-rc@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"',
      'stop_signal: SIGRTMIN+3',
      'stop_signal: quit',
      'cap_drop: [net_admin, CAP_CHOWN, ALL]',
      'extra_hosts: ["db:10.0.0.5", "v6=::1", "gw:host-gateway"]',
      'ports: ["8080:80", "127.0.0.1:8000-8001:80-81", "[::1]:9000:90/udp", "3000", 4000, "8090-8092:80"]',
      'hostname: web-1.internal',
      'labels: ["com.example.owner=ops", "empty="]',
      'environment: ["LOG_LEVEL=info", "spring.profiles.active=prod", "UNSET_IN_FILE"]',
      'working_dir: /app',
      'userns_mode: keep-id',
      'deploy: {replicas: 10000}',
      'ulimits: {nofile: {soft: 1024, hard: 2048}}',
      'sysctls: {net.core.somaxconn: 1024}',
      'dns: [10.0.0.2, "::1"]',
    ];
    for (const line of valid) {
      const compose = line.startsWith('image:') ? `services:\n  web:\n    ${line}\n` : `${SERVICE}    ${line}\n`;
      const result = loadFixture(compose, { processEnv: { UNSET_IN_FILE: 'x' } });
      expect(result.ok, `${line}\n${result.ok ? '' : describeIssues(result.issues)}`).toBe(true);
    }
  });

  it('an io.phoenix.* label in a label_file is refused at its line', () => {
    const result = loadFixture(`${SERVICE}    label_file: web.labels\n`, { files: { 'web.labels': 'com.example.a=1\nio.phoenix.service=db\n' } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => `${i.code} ${i.location.file}:${i.location.line}`)).toEqual(['PHX-LABEL-RESERVED environments/web.labels:2']);
  });

  it('${constructor} is an unset variable, not the JavaScript Object constructor', () => {
    const result = loadFixture(`${SERVICE}    environment: {A: "\${constructor}"}\n`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.code)).toEqual(['PHX-VARIABLE-UNSET']);
    const set = loadFixture(`${SERVICE}    environment: {A: "\${toString}"}\n`, { environment: ENVIRONMENT('variables: {toString: "x"}') });
    expect(set.ok).toBe(true);
    if (set.ok) expect(set.desired.services[0]!.spec.environment.A).toBe('x');
    // An unknown key named like an Object method is an unknown key (its advice was Object's toString).
    const unknown = loadFixture(`${SERVICE}    toString: {}\n`);
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.issues.map((i) => [i.code, typeof i.remediation])).toEqual([['PHX-UNKNOWN-KEY', 'string']]);
  });
});
