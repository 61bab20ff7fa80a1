/**
 * The parts of watch's /status document that are not the verdict (tested in plan/verdict):
 * the last plan told per service with its field diff redacted, the history summary read from a
 * real history in a temporary folder (and read again only when a file changed), and the
 * containers' ports and images taken from the snapshot.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { environmentStatus } from '../../src/controller/environment-status.js';
import { HistorySummary, RECENT_REVISIONS } from '../../src/controller/history-summary.js';
import { lastPlanStatus } from '../../src/controller/plan-changes.js';
import { draftRevision } from '../../src/history/revision-draft.js';
import type { DesiredState } from '../../src/model/desired.js';
import type { ObservedState } from '../../src/model/observed.js';
import { EMPTY_OBSERVED } from '../../src/model/observed.js';
import type { Plan } from '../../src/plan/actions.js';
import { plan } from '../../src/plan/plan.js';
import { reportStatus } from '../../src/plan/status.js';
import { RevisionHistory } from '../../src/state/revision-history.js';
import { desiredFrom } from '../support/load-fixture.js';

const IMAGE = 'localhost/phoenix-demo/busybox:1';

function desired(level: string): DesiredState {
  return desiredFrom(`services:\n  web:\n    image: ${IMAGE}\n    ports: ["8080:80"]\n    environment: { LOG_LEVEL: "${level}", TOKEN: "hunter2-secret" }\n  db:\n    image: ${IMAGE}\n`);
}

function planned(state: DesiredState, observed: ObservedState): Plan {
  const result = plan(state, observed, {});
  if (!result.ok) throw new Error('fixture does not plan');
  return result.value;
}

/** Podman running every container of `state` with its config, web publishing 8080. */
function running(state: DesiredState): ObservedState {
  return {
    ...EMPTY_OBSERVED,
    images: { [IMAGE]: 'sha256:x' },
    containers: state.services.flatMap((s) =>
      s.containerNames.map((name) => ({
        id: name,
        name,
        image: s.spec.image,
        imageId: 'sha256:x',
        state: 'running' as const,
        exitCode: null,
        health: 'none' as const,
        labels: s.ownerLabels,
        startedAt: '2026-12-04T21:00:00Z',
        restartCount: 2,
        ...(s.name === 'web' ? { ports: [{ hostIp: '', hostPort: 8080, containerPort: 80, range: 1, protocol: 'tcp' }] } : {}),
      })),
    ),
  };
}

describe('the last plan, per service', () => {
  it('groups actions by service, keeps the rest apart, and shows each changed field old → new, redacted', () => {
    const before = desired('info');
    const after = desired('debug');
    const observed = { ...running(before), networks: [] };
    const recreate = planned(after, observed);
    const redact = (text: string): string => text.replaceAll('debug', '***');
    const status = lastPlanStatus(recreate, { at: '2026-12-05T00:00:00.000Z', trigger: 'manifest changed', ok: true }, redact);
    expect(status.summary).toMatch(/^Plan: /);
    const web = status.services.find((s) => s.service === 'web');
    expect(web?.actions.map((a) => a.kind)).toContain('container.recreate');
    expect(web?.changes).toEqual([{ container: before.services.find((s) => s.name === 'web')!.containerNames[0], fields: [{ field: 'environment.LOG_LEVEL', op: 'replace', before: 'info', after: '***' }] }]);
    // The network the plan creates concerns no one service.
    expect(status.other.map((a) => a.kind)).toContain('network.create');
    expect(status.services.map((s) => s.service)).not.toContain('db');
  });
});

describe('the history summary', () => {
  let stateDir = '';
  beforeEach(() => {
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'phx-status-history-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  function append(history: RevisionHistory, state: DesiredState, n: number): void {
    const draft = draftRevision({ desired: state, plans: [planned(state, EMPTY_OBSERVED)], trigger: { kind: 'watch', reason: `edit ${n}` }, at: new Date(Date.UTC(2026, 11, 5, 0, n)), gitRevision: undefined, error: null, verdict: null });
    history.append(draft, 100);
  }

  it('lists the newest revisions first, at most ten, and sees a verdict filled in later', () => {
    const history = new RevisionHistory(stateDir, 'app', 'test');
    const summary = new HistorySummary();
    expect(summary.read(history)).toEqual({ current: null, recent: [], error: null });
    for (let n = 1; n <= 12; n++) append(history, desired('info'), n);
    const first = summary.read(history);
    expect(first.current).toBe(12);
    expect(first.recent.map((r) => r.seq)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
    expect(first.recent).toHaveLength(RECENT_REVISIONS);
    expect(first.recent[0]).toMatchObject({ trigger: 'watch: edit 12', triggerKind: 'watch', result: 'succeeded', verdict: null, gitRevision: null, rolledBack: null });
    history.update(12, { verdict: { verdict: 'converged', waited: true, services: [] }, rolledBack: { by: 13, to: 10 } });
    const second = summary.read(history);
    expect(second.recent[0]).toMatchObject({ seq: 12, verdict: 'converged', rolledBack: { by: 13, to: 10 } });
  });

  it('reports a damaged file instead of throwing', () => {
    const history = new RevisionHistory(stateDir, 'app', 'test');
    append(history, desired('info'), 1);
    // Cut short, as a full disk would leave it.
    writeFileSync(path.join(history.dir, 'rev-000001.json'), '{"formatVer');
    const read = new HistorySummary().read(history);
    expect(read.recent).toEqual([]);
    expect(read.error).toMatch(/PHX-HISTORY-CORRUPT|cannot be read/);
  });
});

describe('an environment status', () => {
  it('carries each container\'s ports, image, start time and restarts, and the last reconcile', () => {
    const state = desired('info');
    const observed = running(state);
    const status = environmentStatus({
      environment: 'test',
      project: state.project,
      revision: null,
      report: reportStatus(state, observed),
      observed,
      last: { result: { ok: true, desired: state, observed, plan: null, manifestInvalid: false, durationMs: 12, error: null }, at: '2026-12-05T00:00:00.000Z', trigger: 'resync' },
      lastPlan: null,
      history: { current: null, recent: [], error: null },
      health: () => [],
      restarts: (service) => (service === 'web' ? [{ service, container: state.services.find((s) => s.name === 'web')!.containerNames[0]!, crashLooping: false, restartsInWindow: 1, nextRestartAt: null, lastError: '' }] : []),
      thresholds: () => [],
    });
    const web = status.services.find((s) => s.service === 'web')!;
    expect(web.containers[0]).toMatchObject({ state: 'running', image: IMAGE, startedAt: '2026-12-04T21:00:00Z', restarts: 3, ports: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] });
    expect(status.services.find((s) => s.service === 'db')!.containers[0]!.ports).toEqual([]);
    expect(status.lastReconcile).toEqual({ at: '2026-12-05T00:00:00.000Z', trigger: 'resync', ok: true, manifestInvalid: false, durationMs: 12, actions: 0, error: null });
    expect(status.verdict).toBe('converged');
  });
});
