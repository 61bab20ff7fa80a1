/**
 * The history store (src/state/revision-history.ts) on a real temporary folder: sequence
 * numbers, the bound on revisions kept, a damaged file, failure marks, and that a revision
 * file never holds a secret value. Also: a stored desired state plans exactly as the loaded one.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { draftRevision } from '../../src/history/revision-draft.js';
import type { RevisionDraft } from '../../src/history/revision.js';
import type { DesiredState } from '../../src/model/desired.js';
import { EMPTY_OBSERVED } from '../../src/model/observed.js';
import { plan } from '../../src/plan/plan.js';
import { HistoryError, RevisionHistory } from '../../src/state/revision-history.js';
import { desiredFrom } from '../support/load-fixture.js';

const SECRET_VALUE = 'hunter2-correct-horse-battery';
const COMPOSE = `services:
  web:
    image: localhost/phoenix-demo/busybox:1
    environment: { LEVEL: info }
    secrets: [token]
secrets:
  token:
    file: ./token.txt
`;

function desired(level = 'info'): DesiredState {
  return desiredFrom(COMPOSE.replace('LEVEL: info', `LEVEL: ${level}`), { files: { 'token.txt': `${SECRET_VALUE}\n` } });
}

function draft(state: DesiredState = desired()): RevisionDraft {
  const planned = plan(state, EMPTY_OBSERVED, {});
  if (!planned.ok) throw new Error('the fixture does not plan');
  return draftRevision({ desired: state, plans: [planned.value], trigger: { kind: 'apply', user: 'tester' }, at: new Date('2026-12-04T21:00:00Z'), error: null, verdict: { verdict: 'converged', waited: true, services: [] } });
}

let stateDir = '';
beforeEach(() => {
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'phx-history-'));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

describe('RevisionHistory', () => {
  it('numbers revisions 1, 2, 3 per project and environment and reads them back', () => {
    const history = new RevisionHistory(stateDir, 'app', 'test');
    expect(history.list()).toEqual([]);
    expect(history.latest()).toBeNull();
    expect([history.append(draft(), 100).seq, history.append(draft(desired('debug')), 100).seq, history.append(draft(), 100).seq]).toEqual([1, 2, 3]);
    expect(history.list().map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(history.latest()!.desired.services[0]!.spec.environment.LEVEL).toBe('info');
    expect(history.get(2)!.desired.services[0]!.spec.environment.LEVEL).toBe('debug');
    expect(history.get(2)!.trigger).toEqual({ kind: 'apply', user: 'tester' });
    // Another environment of the project has a history of its own.
    expect(new RevisionHistory(stateDir, 'app', 'prod').list()).toEqual([]);
  });

  it('keeps only the newest `keep` revisions, and numbers on from the newest', () => {
    const history = new RevisionHistory(stateDir, 'app', 'test');
    for (let i = 0; i < 7; i++) history.append(draft(), 3);
    expect(history.sequenceNumbers()).toEqual([5, 6, 7]);
    expect(readdirSync(history.dir).filter((f) => f.startsWith('rev-'))).toHaveLength(3);
    expect(history.append(draft(), 3).seq).toBe(8);
    expect(history.get(4)).toBeNull();
  });

  it('fills in the verdict and the rollback of a revision', () => {
    const history = new RevisionHistory(stateDir, 'app', 'test');
    const first = history.append({ ...draft(), verdict: null }, 100);
    expect(first.verdict).toBeNull();
    history.update(first.seq, { verdict: { verdict: 'degraded', waited: true, services: [{ service: 'web', verdict: 'degraded', reason: 'exited', detail: 'x' }] }, rolledBack: { by: 2, to: 1 } });
    expect(history.get(first.seq)).toMatchObject({ verdict: { verdict: 'degraded', waited: true }, rolledBack: { by: 2, to: 1 } });
  });

  it('names a damaged file with PHX-HISTORY-CORRUPT and what to do, and still records new revisions', () => {
    const history = new RevisionHistory(stateDir, 'app', 'test');
    history.append(draft(), 100);
    const file = path.join(history.dir, 'rev-000001.json');
    writeFileSync(file, '{"formatVersion":1,"seq":1,"desi');
    let thrown: unknown;
    try {
      history.list();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(HistoryError);
    expect((thrown as HistoryError).code).toBe('PHX-HISTORY-CORRUPT');
    expect((thrown as HistoryError).message).toContain(file);
    expect((thrown as HistoryError).remediation).toContain('Move the file out of the history folder');
    expect(history.append(draft(), 100).seq).toBe(2);
    writeFileSync(file, JSON.stringify({ formatVersion: 99, seq: 1 }));
    expect(() => history.get(1)).toThrow(/format version is 99, not 1/);
  });

  it('never writes a secret value: the secret appears by source and keyed digest only', () => {
    const history = new RevisionHistory(stateDir, 'app', 'test');
    const state = desired();
    history.append(draft(state), 100);
    const text = readFileSync(path.join(history.dir, 'rev-000001.json'), 'utf8');
    expect(text).not.toContain(SECRET_VALUE);
    expect(text).not.toContain('hunter2');
    const secret = state.secrets.find((s) => s.name === 'token')!;
    expect(secret.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(text).toContain(secret.digest);
    expect(text).toContain('token.txt');
  });

  it('keeps failure marks, one per key, the newest replacing an older one', () => {
    const history = new RevisionHistory(stateDir, 'app', 'test');
    expect(history.failedMark('git:abc')).toBeNull();
    history.markFailed({ key: 'git:abc', revision: 2, rolledBackTo: 1, at: '2026-12-04T21:00:00Z' });
    history.markFailed({ key: 'digest:d', revision: 4, rolledBackTo: null, at: '2026-12-04T21:01:00Z' });
    history.markFailed({ key: 'git:abc', revision: 5, rolledBackTo: 3, at: '2026-12-04T21:02:00Z' });
    expect(history.failedMark('git:abc')).toMatchObject({ revision: 5, rolledBackTo: 3 });
    expect(history.failedMark('digest:d')).toMatchObject({ revision: 4, rolledBackTo: null });
    writeFileSync(path.join(history.dir, 'failed.json'), 'not json');
    expect(() => history.failedMark('git:abc')).toThrow(HistoryError);
  });

  it('stores a desired state that plans exactly as the one loaded from the manifests', () => {
    const history = new RevisionHistory(stateDir, 'app', 'test');
    const state = desired('warn');
    history.append(draft(state), 100);
    const stored = history.get(1)!.desired;
    expect(plan(stored, EMPTY_OBSERVED, {})).toEqual(plan(state, EMPTY_OBSERVED, {}));
  });
});
