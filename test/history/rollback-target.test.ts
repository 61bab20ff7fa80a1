/** Which revision a rollback goes back to (src/history/rollback-target.ts), and the refusal of a secret whose source changed (secret-versions.ts). */
import { describe, expect, it } from 'vitest';
import { chooseRollbackTarget } from '../../src/history/rollback-target.js';
import { changedSecretSource } from '../../src/history/secret-versions.js';
import type { Revision, RevisionVerdict } from '../../src/history/revision.js';
import { REVISION_FORMAT_VERSION } from '../../src/history/revision.js';
import { SecretDigester } from '../../src/model/hash.js';
import { EMPTY_OBSERVED } from '../../src/model/observed.js';
import { plan } from '../../src/plan/plan.js';
import { TEST_DIGEST_KEY, desiredFrom } from '../support/load-fixture.js';

const converged: RevisionVerdict = { verdict: 'converged', waited: true, services: [] };
const degraded: RevisionVerdict = { verdict: 'degraded', waited: true, services: [] };

/** A revision test double: only what the choice reads is meaningful. */
function revision(seq: number, digest: string, extra: Partial<Revision> = {}): Revision {
  return {
    formatVersion: REVISION_FORMAT_VERSION,
    seq,
    project: 'app',
    environment: 'test',
    at: '2026-12-04T21:00:00Z',
    trigger: { kind: 'apply', user: 'tester' },
    desiredDigest: digest,
    desired: {} as Revision['desired'],
    plan: { text: '', actions: 1, services: [] },
    result: { status: 'succeeded', error: null },
    verdict: converged,
    ...extra,
  };
}

describe('chooseRollbackTarget', () => {
  it('refuses an empty history', () => {
    expect(chooseRollbackTarget([], undefined)).toMatchObject({ ok: false, code: 'PHX-HISTORY-EMPTY' });
  });

  it('takes the newest healthy revision before the current one that asked for something else', () => {
    const history = [revision(1, 'a'), revision(2, 'b'), revision(3, 'c', { verdict: degraded }), revision(4, 'b', { result: { status: 'failed', error: { code: 'X', message: 'y' } } }), revision(5, 'd', { verdict: degraded })];
    const choice = chooseRollbackTarget(history, undefined);
    expect(choice.ok && [choice.revision.seq, choice.current.seq]).toEqual([2, 5]);
  });

  it('skips revisions with the current desired state, rolled-back ones, and degraded ones; a snapshot verdict not waited for counts', () => {
    const snapshot: RevisionVerdict = { verdict: 'progressing', waited: false, services: [] };
    const history = [revision(1, 'a', { verdict: snapshot }), revision(2, 'b', { rolledBack: { by: 3, to: 1 } }), revision(3, 'a'), revision(4, 'c')];
    const choice = chooseRollbackTarget(history, undefined);
    expect(choice.ok && choice.revision.seq).toBe(3);
    const same = [revision(1, 'a'), revision(2, 'a')];
    expect(chooseRollbackTarget(same, undefined)).toMatchObject({ ok: false, code: 'PHX-ROLLBACK-NO-TARGET' });
    const waitedProgressing = [revision(1, 'a', { verdict: { verdict: 'progressing', waited: true, services: [] } }), revision(2, 'b')];
    expect(chooseRollbackTarget(waitedProgressing, undefined)).toMatchObject({ ok: false, code: 'PHX-ROLLBACK-NO-TARGET' });
  });

  it('takes --to N as asked, and names the range of a number not in the history', () => {
    const history = [revision(4, 'a', { verdict: degraded }), revision(5, 'b'), revision(6, 'c')];
    const choice = chooseRollbackTarget(history, 4);
    expect(choice.ok && choice.revision.seq).toBe(4);
    const missing = chooseRollbackTarget(history, 2);
    expect(missing).toMatchObject({ ok: false, code: 'PHX-ROLLBACK-NO-REVISION' });
    expect(!missing.ok && missing.message).toContain('revisions 4..6');
  });
});

describe('changedSecretSource', () => {
  const compose = 'services:\n  web:\n    image: busybox\n    secrets: [token]\nsecrets:\n  token:\n    file: ./token.txt\n';
  const state = desiredFrom(compose, { files: { 'token.txt': 'old-value' } });
  const planned = plan(state, EMPTY_OBSERVED, {});
  if (!planned.ok) throw new Error('fixture does not plan');
  const digester = new SecretDigester(TEST_DIGEST_KEY);
  const reading = (value: string) => () => Promise.resolve(new TextEncoder().encode(value));

  it('lets a secret through whose source still holds the value the revision used', async () => {
    expect(await changedSecretSource(planned.value, reading('old-value'), digester, 3)).toBeNull();
  });

  it('refuses with PHX-ROLLBACK-SECRET-CHANGED when the source holds another value, naming both versions and never the values', async () => {
    const refusal = await changedSecretSource(planned.value, reading('new-value'), digester, 3);
    expect(refusal?.code).toBe('PHX-ROLLBACK-SECRET-CHANGED');
    expect(refusal?.message).toContain('revision 3 used version');
    expect(refusal?.message).toContain(state.secrets[0]!.digest.slice(0, 12));
    expect(JSON.stringify(refusal)).not.toMatch(/old-value|new-value/);
    expect(refusal?.remediation).toContain('Nothing was changed');
  });

  it('refuses with PHX-SECRET-SOURCE-MISSING when the source cannot be read', async () => {
    const refusal = await changedSecretSource(planned.value, () => Promise.reject(new Error('the file /x/token.txt does not exist')), digester, 3);
    expect(refusal?.code).toBe('PHX-SECRET-SOURCE-MISSING');
  });

  it('needs nothing when Podman still has the secret version (no secret.create in the plan)', async () => {
    const secret = state.secrets[0]!;
    const observed = { ...EMPTY_OBSERVED, secrets: [{ name: secret.podmanName, id: 'x', labels: secret.labels }] };
    const again = plan(state, observed as typeof EMPTY_OBSERVED, {});
    expect(again.ok && again.value.actions.some((a) => a.kind === 'secret.create')).toBe(false);
    expect(again.ok && (await changedSecretSource(again.value, reading('new-value'), digester, 3))).toBeNull();
  });
});
