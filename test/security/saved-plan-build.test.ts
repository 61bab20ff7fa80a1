/**
 * `apply --plan` judges a saved plan's image builds like validation does: a build whose context
 * (or Dockerfile) lies outside the environment's folders and its allowed_build_contexts is
 * refused (PHX-PLAN-POLICY naming PHX-POLICY-BUILD-CONTEXT), even in a correctly signed plan.
 * Pure: checkSavedPlan takes no Podman.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/manifest/policy.js';
import type { ImageBuild } from '../../src/model/desired.js';
import { EMPTY_OBSERVED } from '../../src/model/observed.js';
import { checkSavedPlan } from '../../src/security/saved-plan-check.js';
import type { PolicyContext } from '../../src/security/spec-policy.js';
import { desiredFrom } from '../support/load-fixture.js';
import { planOf } from '../apply/plan-fixtures.js';

const BUILD: ImageBuild = {
  image: 'localhost/web:1',
  tags: [],
  context: '/fixture/environments/app',
  dockerfile: { kind: 'file', path: '/fixture/environments/app/Dockerfile' },
  args: {},
  target: null,
  labels: {},
  network: null,
  extraHosts: [],
  shmSizeBytes: null,
  cacheFrom: [],
  noCache: false,
  pull: false,
  digest: 'd',
  inputs: {},
};

const desired = desiredFrom('services:\n  web:\n    image: localhost/web:1\n');
const context = (allowed?: readonly string[]): PolicyContext => ({
  security: { ...DEFAULT_POLICY.security, ...(allowed === undefined ? {} : { allowedBuildContexts: allowed }) },
  ownTrees: ['/fixture/environments'],
  ownContainers: new Set(),
  realPath: (p) => p,
  policyFile: 'environments/test.yaml',
});
const buildOf = (build: ImageBuild) => planOf([{ id: 1, cause: 'forged', dependsOn: [], kind: 'image.build', service: 'web', build }]);

describe('a saved plan that builds from host files', () => {
  it('is refused when its context lies outside the folders; its own context passes', () => {
    expect(checkSavedPlan(buildOf(BUILD), desired, EMPTY_OBSERVED, context())).toEqual([]);
    const forged = checkSavedPlan(buildOf({ ...BUILD, context: '/etc', dockerfile: { kind: 'file', path: '/etc/Dockerfile' } }), desired, EMPTY_OBSERVED, context());
    expect(forged.map((r) => [r.code, r.finding?.code])).toEqual([['PHX-PLAN-POLICY', 'PHX-POLICY-BUILD-CONTEXT']]);
    expect(forged[0]!.message).toContain('builds its image from /etc (build.context)');
  });

  it('judges a Dockerfile outside its context on its own, and honours allowed_build_contexts', () => {
    const outside = buildOf({ ...BUILD, dockerfile: { kind: 'file', path: '/root/Dockerfile' } });
    expect(checkSavedPlan(outside, desired, EMPTY_OBSERVED, context()).map((r) => r.finding?.value)).toEqual(['/root/Dockerfile']);
    expect(checkSavedPlan(outside, desired, EMPTY_OBSERVED, context(['/root']))).toEqual([]);
  });
});
