/** `policy.rollout` in an environment file: defaults, values, and a bad value reported at its place. */
import { describe, expect, it } from 'vitest';
import { ROLLOUT_DEFAULTS, rolloutPolicy } from '../../src/manifest/policy.js';
import { desiredFrom, loadFixture } from '../support/load-fixture.js';

const COMPOSE = 'services:\n  web:\n    image: busybox\n';

describe('policy.rollout', () => {
  it('is absent when not written (the policy resolves as before), and then the defaults apply', () => {
    const desired = desiredFrom(COMPOSE);
    expect(desired.policy.rollout).toBeUndefined();
    expect(rolloutPolicy(desired.policy)).toEqual({ timeoutMs: 120_000, autoRollback: false, keepRevisions: 100 });
    expect(ROLLOUT_DEFAULTS.autoRollback).toBe(false);
  });

  it('takes timeout, auto_rollback and keep_revisions', () => {
    const desired = desiredFrom(COMPOSE, { environment: 'project: app\ncompose: [compose.yaml]\npolicy:\n  rollout:\n    timeout: 45s\n    auto_rollback: true\n    keep_revisions: 20\n' });
    expect(rolloutPolicy(desired.policy)).toEqual({ timeoutMs: 45_000, autoRollback: true, keepRevisions: 20 });
    const partial = desiredFrom(COMPOSE, { environment: 'project: app\ncompose: [compose.yaml]\npolicy:\n  rollout:\n    auto_rollback: true\n' });
    expect(rolloutPolicy(partial.policy)).toEqual({ ...ROLLOUT_DEFAULTS, autoRollback: true });
  });

  it('reports a misspelt key and a bad value at their line and column', () => {
    const result = loadFixture(COMPOSE, { environment: 'project: app\ncompose: [compose.yaml]\npolicy:\n  rollout:\n    auto_rollbak: true\n    keep_revisions: 1\n' });
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues.map((i) => `${i.location.line}:${i.location.column} ${i.code}`);
    expect(issues).toContain('5:5 PHX-UNKNOWN-KEY');
    expect(issues.some((i) => i.startsWith('6:') && i.endsWith('PHX-SCHEMA'))).toBe(true);
  });
});
