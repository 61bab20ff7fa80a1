/**
 * Every denial and every elevated grant is a security event (issue 11): published on the bus by
 * the watch reconciler when the findings change, counted in metrics, and appended to the
 * rotated audit log of the state directory; `phoenix apply` audits its own denials. Podman is
 * the PodmanClientTestDouble (not Podman) where one is needed.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { EnvironmentReconciler } from '../../src/controller/environment-reconciler.js';
import { EventBus } from '../../src/events/event-bus.js';
import type { PhoenixEvent } from '../../src/events/event-types.js';
import type { LoadResult } from '../../src/manifest/load.js';
import { EMPTY_OBSERVED } from '../../src/model/observed.js';
import { AUDIT_LOG_FILE, AuditLog } from '../../src/security/audit-log.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { capturingIo } from '../integration/support.js';
import { loadFixture } from '../support/load-fixture.js';
import { PodmanClientTestDouble } from '../support/podman-test-double.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'phx-audit-'));
  dirs.push(dir);
  return dir;
}

function auditLines(stateDir: string): PhoenixEvent[] {
  return readFileSync(path.join(stateDir, AUDIT_LOG_FILE), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as PhoenixEvent);
}

const GRANTED = 'project: app\ncompose: [compose.yaml]\npolicy:\n  security:\n    allowed_capabilities: [NET_ADMIN]\n';
const COMPOSE = 'services:\n  web:\n    image: localhost/web:1\n    cap_add: [NET_ADMIN]\n';

describe('the watch reconciler publishes security events when the findings change', () => {
  it('granted once (not again on an unchanged resync), denied when an edit asks for more; metrics count them; the audit log holds them', async () => {
    let load: LoadResult = loadFixture(COMPOSE, { environment: GRANTED });
    const bus = new EventBus();
    const events: PhoenixEvent[] = [];
    bus.subscribe({}, (event) => events.push(event));
    const metrics = new Metrics({ environments: ['test'], processMetrics: false });
    bus.subscribe({}, (event) => metrics.observeEvent(event));
    const stateDir = tempDir();
    const audit = AuditLog.open(stateDir);
    bus.subscribe({}, (event) => audit.record(event));
    const podman = new PodmanClientTestDouble().script('observe', { run: () => Promise.resolve(EMPTY_OBSERVED) });
    const reconciler = new EnvironmentReconciler({
      environment: 'test',
      load: () => load,
      podman,
      readSecret: () => Promise.resolve(new Uint8Array()),
      bus,
      clock: { now: () => 0, sleep: () => Promise.resolve(), date: () => new Date(0) },
      newId: () => 'id',
    });
    const security = () => events.filter((e) => e.type.startsWith('io.phoenix.security.'));
    await reconciler.reconcile(['start'], new AbortController().signal);
    await reconciler.reconcile(['resync'], new AbortController().signal);
    expect(security().map((e) => [e.type, e.subject, e.data])).toEqual([
      ['io.phoenix.security.granted', 'web', { code: 'PHX-POLICY-CAPABILITY', target: 'service web', key: 'cap_add', value: 'NET_ADMIN', grantedBy: 'allowed_capabilities: [NET_ADMIN]' }],
    ]);

    load = loadFixture('services:\n  web:\n    image: localhost/web:1\n    privileged: true\n', { environment: GRANTED });
    await reconciler.reconcile(['file changed'], new AbortController().signal);
    const denied = security().at(-1)!;
    expect(denied.type).toBe('io.phoenix.security.denied');
    expect(denied.severity).toBe('high');
    expect(denied.data).toMatchObject({ code: 'PHX-POLICY-PRIVILEGED', target: 'service web', key: 'privileged', origin: 'validation' });

    const exposition = await metrics.render();
    expect(exposition).toContain('phoenix_security_events_total{environment="test",type="granted",code="PHX-POLICY-CAPABILITY"} 1');
    expect(exposition).toContain('phoenix_security_events_total{environment="test",type="denied",code="PHX-POLICY-PRIVILEGED"} 1');
    await audit.close();
    expect(auditLines(stateDir).map((e) => e.type)).toEqual(['io.phoenix.security.granted', 'io.phoenix.security.denied']);
    expect(statSync(path.join(stateDir, AUDIT_LOG_FILE)).mode & 0o777).toBe(0o600);
  });
});

describe('the audit log', () => {
  it('appends across opens, and holds security events only', async () => {
    const stateDir = tempDir();
    const event = (n: number): PhoenixEvent =>
      ({ specversion: '1.0', id: String(n), source: 'phoenix://a/b', type: 'io.phoenix.security.denied', time: new Date(0).toISOString(), datacontenttype: 'application/json', severity: 'high', project: 'a', environment: 'b', data: { code: 'PHX-POLICY-PRIVILEGED', target: 'service web', key: 'privileged', value: 'x'.repeat(4000), origin: 'validation', message: '' } }) as PhoenixEvent;
    for (let round = 0; round < 2; round++) {
      const log = AuditLog.open(stateDir);
      log.record(event(round));
      await log.close();
    }
    expect(auditLines(stateDir).map((e) => e.id)).toEqual(['0', '1']);
    // Not a security event: not audited.
    const log = AuditLog.open(stateDir);
    log.record({ ...event(9), type: 'io.phoenix.reconcile.started' } as PhoenixEvent);
    await log.close();
    expect(auditLines(stateDir)).toHaveLength(2);
  });
});

describe('phoenix apply audits its denials', () => {
  it('a manifest asking for a denied setting: exit 1, and a security.denied line in the audit log', async () => {
    const root = tempDir();
    const envDir = path.join(root, 'environments');
    mkdirSync(envDir, { recursive: true });
    writeFileSync(path.join(envDir, 'dev.yaml'), 'project: app\ncompose: [compose.yaml]\n');
    writeFileSync(path.join(envDir, 'compose.yaml'), 'services:\n  web:\n    image: localhost/web:1\n    security_opt: [seccomp=unconfined]\n');
    const stateDir = path.join(root, 'state');
    const { io, stderr } = capturingIo(root);
    const code = await main(['apply', '--env', 'dev', '--yes', '--environments', envDir, '--state-dir', stateDir], io);
    expect(code).toBe(1);
    expect(stderr()).toContain('PHX-POLICY-UNCONFINED');
    const [line] = auditLines(stateDir);
    expect(line).toMatchObject({ type: 'io.phoenix.security.denied', project: 'app', environment: 'dev', subject: 'web', data: { code: 'PHX-POLICY-UNCONFINED', value: 'seccomp=unconfined', origin: 'validation' } });
  });
});
