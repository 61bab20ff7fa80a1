/**
 * Redaction gaps of issue 11, each closed: a secret's spellings (trailing newline, JSON-escaped,
 * URL-encoded, base64 on its own or inside a longer base64), events on watch's bus (every
 * sink, SSE and the log take them from there), env files that are not KEY=VALUE (never
 * echoed), and the environment of spawned processes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventBus, makeEvent } from '../../src/events/event-bus.js';
import type { PhoenixEvent } from '../../src/events/event-types.js';
import { loadEnvironment } from '../../src/manifest/load.js';
import { nodeReader } from '../../src/manifest/node-reader.js';
import { SecretDigester } from '../../src/model/hash.js';
import { formatIssue } from '../../src/model/issue.js';
import { PodmanRunner, podmanEnvironment } from '../../src/podman/podman-runner.js';
import { SecretRedactor } from '../../src/telemetry/secret-redactor.js';

const SECRET = 's3cr3t-Value/with+chars & more';
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('SecretRedactor spellings', () => {
  const redactor = new SecretRedactor([`${SECRET}\n`]);
  const cases: [string, string][] = [
    ['as read from the file', `value: ${SECRET}\n`],
    ['without its trailing newline', `value: ${SECRET}.`],
    ['JSON-escaped', JSON.stringify({ output: `${SECRET}\n` })],
    ['URL-encoded', `https://x/?t=${encodeURIComponent(SECRET)}`],
    ['form-encoded', `t=${encodeURIComponent(SECRET).replace(/%20/g, '+')}`],
    ['base64 on its own', Buffer.from(SECRET).toString('base64')],
    ['base64 of the file', Buffer.from(`${SECRET}\n`).toString('base64')],
    ['inside a longer base64 (offset 1)', Buffer.from(`a${SECRET}zz`).toString('base64')],
    ['inside a longer base64 (offset 2)', Buffer.from(`ab${SECRET}z`).toString('base64')],
    ['base64url', Buffer.from(`x${SECRET}`).toString('base64url')],
  ];
  it.each(cases)('%s', (_what, text) => {
    const redacted = redactor.redact(text);
    expect(redacted).toContain('[REDACTED]');
    expect(redacted).not.toContain(SECRET);
    // The secret's base64 core (its bytes alone) is gone too.
    expect(redacted).not.toContain(Buffer.from(SECRET).toString('base64').slice(4, 24));
  });
});

describe("watch's event bus redacts before any subscriber", () => {
  it('a container.unhealthy output carrying a secret reaches every subscriber redacted', () => {
    const redactor = new SecretRedactor([`${SECRET}\n`]);
    const bus = new EventBus(undefined, (event) => redactor.redactDeep(event));
    const seen: PhoenixEvent[] = [];
    bus.subscribe({}, (event) => seen.push(event));
    bus.subscribe({ types: ['container.*'] }, (event) => seen.push(event));
    bus.publish(makeEvent('container.unhealthy', { project: 'p', environment: 'dev', service: 'web' }, { container: 'p-dev-web-1', output: `token=${SECRET}\n`, failures: 3 }, 'id', new Date(0)));
    expect(seen).toHaveLength(2);
    for (const event of seen) {
      expect(JSON.stringify(event)).not.toContain('s3cr3t');
      expect((event.data as { output: string }).output).toMatch(/^token=\[REDACTED\]\n?$/);
    }
  });
});

describe('an env file that is not KEY=VALUE is never echoed', () => {
  it('pointing env_file at a file holding a secret: the error names the line, not its text', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'phx-envfile-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'shadow'), `root:$6$${SECRET}:19000:0:99999:7:::\nplain-token-${SECRET}\n1BAD=${SECRET}\n`);
    writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  web:\n    image: busybox\n    env_file: [./shadow]\n');
    writeFileSync(path.join(dir, 'dev.yaml'), 'project: app\ncompose: [compose.yaml]\n');
    const result = loadEnvironment({ environmentsDir: dir, name: 'dev', reader: nodeReader, processEnv: {}, cwd: dir, homeDir: '/home/test', digester: new SecretDigester(new Uint8Array(32)), requireSecretValues: false });
    expect(result.ok).toBe(false);
    const text = result.ok ? '' : result.issues.map(formatIssue).join('\n');
    expect(text).toContain('shadow:1:1 error PHX-ENV-FILE-SYNTAX');
    expect(text).toContain('shadow:2:1 error PHX-ENV-FILE-SYNTAX');
    expect(text).toContain('shadow:3:1 error PHX-ENV-FILE-SYNTAX');
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('root:');
    expect(text).not.toContain('plain-token');
  });
});

describe('spawned processes get only the environment they need', () => {
  it("podman's environment keeps PATH, HOME, XDG_* and CONTAINERS_*, never a secret-carrying variable (checked in a real child process)", async () => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/root', XDG_RUNTIME_DIR: '/run/user/0', CONTAINERS_CONF: '/etc/x.conf', DB_PASSWORD: SECRET, PHOENIX_SECRET_TOKEN: SECRET };
    const chosen = podmanEnvironment(mkdtempSync(path.join(os.tmpdir(), 'phx-env-')), env);
    expect(chosen).toMatchObject({ HOME: '/root', XDG_RUNTIME_DIR: '/run/user/0', CONTAINERS_CONF: '/etc/x.conf' });
    expect(Object.values(chosen)).not.toContain(SECRET);
    // Phoenix's own environment holds the secret too: the child must not inherit it.
    process.env.PHX_TEST_LEAK = SECRET;
    try {
      const runner = new PodmanRunner({ binary: 'env', env: chosen, timeoutMs: 10_000 });
      const { stdout } = await runner.run([], {});
      expect(stdout).toContain('XDG_RUNTIME_DIR=/run/user/0');
      expect(stdout).not.toContain(SECRET);
    } finally {
      delete process.env.PHX_TEST_LEAK;
    }
  });
});
