import { describe, expect, it } from 'vitest';
import { activeProfiles } from '../../src/manifest/profiles.js';
import type { LoadResult } from '../../src/manifest/load.js';
import { plan } from '../../src/plan/plan.js';
import { planDown } from '../../src/plan/lifecycle.js';
import { desiredFrom, loadFixture } from '../support/load-fixture.js';
import { observedFromDesired } from '../support/observed-model.js';

const COMPOSE = `services:
  web:
    image: nginx:1.27
  debug:
    image: busybox:1
    profiles: [debug]
  metrics:
    image: busybox:1
    profiles: [monitoring, prod]
`;

function serviceNames(result: LoadResult): string[] {
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.code} ${i.message}`).join('\n'));
  return result.desired.services.map((s) => s.name);
}

describe('profiles: which services are active', () => {
  it('a service without profiles is always active; one with profiles only when one is active', () => {
    expect(serviceNames(loadFixture(COMPOSE))).toEqual(['web']);
    expect(serviceNames(loadFixture(COMPOSE, { profiles: ['debug'] }))).toEqual(['debug', 'web']);
    expect(serviceNames(loadFixture(COMPOSE, { profiles: ['prod'] }))).toEqual(['metrics', 'web']);
    expect(serviceNames(loadFixture(COMPOSE, { profiles: ['*'] }))).toEqual(['debug', 'metrics', 'web']);
  });

  it('COMPOSE_PROFILES (comma-separated) applies when no --profile is given, from the process or the variables', () => {
    expect(serviceNames(loadFixture(COMPOSE, { processEnv: { COMPOSE_PROFILES: 'debug, monitoring' } }))).toEqual(['debug', 'metrics', 'web']);
    expect(serviceNames(loadFixture(COMPOSE, { environment: 'project: app\ncompose: [compose.yaml]\nvariables:\n  COMPOSE_PROFILES: debug\n' }))).toEqual(['debug', 'web']);
    // --profile replaces COMPOSE_PROFILES, as in Compose.
    expect(serviceNames(loadFixture(COMPOSE, { processEnv: { COMPOSE_PROFILES: 'debug' }, profiles: ['prod'] }))).toEqual(['metrics', 'web']);
  });

  it("the environment file's profiles: are always active and the command line adds to them", () => {
    const environment = 'project: app\ncompose: [compose.yaml]\nprofiles: [monitoring]\n';
    expect(serviceNames(loadFixture(COMPOSE, { environment }))).toEqual(['metrics', 'web']);
    expect(serviceNames(loadFixture(COMPOSE, { environment, profiles: ['debug'] }))).toEqual(['debug', 'metrics', 'web']);
  });

  it('activeProfiles trims, drops empty names and sorts', () => {
    expect(activeProfiles({ flags: [], composeProfiles: ' b,,a ', environment: ['c'] })).toEqual(['a', 'b', 'c']);
    expect(activeProfiles({ flags: ['x'], composeProfiles: 'b', environment: [] })).toEqual(['x']);
  });

  it('profiles of an overlay add to those of the base file (Compose appends sequences)', () => {
    const environment = 'project: app\ncompose: [compose.yaml, overlay.yaml]\n';
    const files = { 'overlay.yaml': 'services:\n  debug:\n    profiles: [tools]\n' };
    expect(serviceNames(loadFixture(COMPOSE, { environment, files, profiles: ['tools'] }))).toEqual(['debug', 'web']);
  });

  it('an invalid profile name is a schema error at its position', () => {
    const result = loadFixture('services:\n  web:\n    image: nginx\n    profiles: ["-bad"]\n');
    expect(result.ok).toBe(false);
    const issue = (result.ok ? [] : result.issues).find((i) => i.code === 'PHX-SCHEMA');
    expect(issue?.path).toBe('services.web.profiles[0]');
    expect(`${issue?.location.line}:${issue?.location.column}`).toBe('4:16');
  });
});

describe('profiles: dependencies on services left out', () => {
  const DEPENDS = `services:
  web:
    image: nginx:1.27
    depends_on:
      db:
        condition: service_started
  db:
    image: postgres:16
    profiles: [database]
`;

  it('an active service that depends on a left-out one is an error at the dependency', () => {
    const result = loadFixture(DEPENDS);
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues.map((i) => i.code)).toEqual(['PHX-PROFILE-DEPENDENCY']);
    expect(issues[0]!.path).toBe('services.web.depends_on.db');
    expect(`${issues[0]!.location.file}:${issues[0]!.location.line}:${issues[0]!.location.column}`).toBe('environments/compose.yaml:5:7');
    expect(issues[0]!.message).toContain('belongs to the profiles database and no profile is active');
    expect(issues[0]!.remediation).toContain('--profile database');
  });

  it('links, volumes_from and network_mode: service: on a left-out service are the same error, once each', () => {
    const compose = `services:
  db:
    image: postgres:16
    profiles: [database]
  web:
    image: nginx:1.27
    volumes_from: [db]
  sidecar:
    image: busybox:1
    network_mode: service:db
`;
    const result = loadFixture(compose);
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues.map((i) => `${i.code} ${i.path}`)).toEqual(['PHX-PROFILE-DEPENDENCY services.web.volumes_from', 'PHX-PROFILE-DEPENDENCY services.sidecar.network_mode']);
    expect(issues[0]!.message).toBe('service "web" refers to (volumes_from) "db", which is left out: it belongs to the profiles database and no profile is active.');
    expect(serviceNames(loadFixture(compose, { profiles: ['database'] }))).toEqual(['db', 'sidecar', 'web']);
  });

  it('is valid once the profile is active', () => {
    expect(serviceNames(loadFixture(DEPENDS, { profiles: ['database'] }))).toEqual(['db', 'web']);
  });

  it('a dependency marked required: false on a left-out service is dropped, not an error', () => {
    const desired = desiredFrom(DEPENDS.replace('condition: service_started', 'condition: service_started\n        required: false'));
    expect(desired.services.map((s) => s.name)).toEqual(['web']);
    expect(desired.services[0]!.dependsOn).toEqual([]);
  });
});

describe('profiles: the plan leaves out services alone, down removes them', () => {
  it('containers of a service whose profile is not active are not pruned; down removes them', () => {
    const all = desiredFrom(COMPOSE, { profiles: ['*'] });
    const observed = observedFromDesired(all);
    const withoutProfiles = desiredFrom(COMPOSE);
    expect(withoutProfiles.inactiveServices).toEqual(['debug', 'metrics']);
    const result = plan(withoutProfiles, observed, { prune: true });
    if (!result.ok) throw new Error('plan failed');
    expect(result.value.actions).toEqual([]);
    expect(result.value.warnings.map((w) => `${w.resource.name}: ${w.message}`).sort()).toEqual([
      'app-test-debug-1: service "debug" is not active (none of its profiles is); it is left as it is',
      'app-test-metrics-1: service "metrics" is not active (none of its profiles is); it is left as it is',
    ]);

    // Without the profile information (an old desired state), the same containers would be pruned: the test above is not vacuous.
    const forgetful = plan({ ...withoutProfiles, inactiveServices: [] }, observed, { prune: true });
    if (!forgetful.ok) throw new Error('plan failed');
    expect(forgetful.value.actions.filter((a) => a.kind === 'container.remove').map((a) => (a.kind === 'container.remove' ? a.service : null)).sort()).toEqual(['debug', 'metrics']);

    const down = planDown(withoutProfiles, observed, false);
    if (!down.ok) throw new Error('down failed');
    const removed = down.value.actions.flatMap((a) => (a.kind === 'container.remove' && a.service !== null ? [a.service] : []));
    expect(removed.sort()).toEqual(['debug', 'metrics', 'web']);
  });

  it('a desired state with every service active carries no inactiveServices (unchanged shape)', () => {
    expect('inactiveServices' in desiredFrom(COMPOSE, { profiles: ['*'] })).toBe(false);
  });
});
