import { describe, expect, it } from 'vitest';
import { COMPOSE_LABEL, LABEL } from '../src/model/desired.js';
import type { DesiredState } from '../src/model/desired.js';
import type { ObservedContainer, ObservedState } from '../src/model/observed.js';
import { EMPTY_OBSERVED } from '../src/model/observed.js';
import type { Action, Plan, PlanIssue } from '../src/plan/actions.js';
import { resourceOf } from '../src/plan/actions.js';
import type { PlanOptions } from '../src/plan/plan.js';
import { plan } from '../src/plan/plan.js';
import { renderPlanJson } from '../src/plan/render-json.js';
import { renderPlanText } from '../src/plan/render-text.js';
import { desiredFrom } from './support/load-fixture.js';
import { applyPlanToModel, modelImageId, observedFromDesired } from './support/observed-model.js';
import { foreignContainer } from './support/planner-arbitraries.js';

/*
 * Golden tests of the dry-run report, one per planner rule. Each test also asserts the plan's
 * shape (kinds, objects, dependencies) literally, so that regenerating the goldens with -u
 * cannot quietly accept a broken planner: a golden is only ever a second witness.
 */

/** A database with a named volume and a health check, and a web server that waits for it. */
const BASE = `
services:
  db:
    image: postgres:16
    environment:
      LOG_LEVEL: info
    volumes:
      - dbdata:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD", "pg_isready"]
      interval: 5s
  web:
    image: nginx:1.25
    depends_on:
      db:
        condition: service_healthy
    ports:
      - "8080:80"
volumes:
  dbdata:
`;

function planOf(desired: DesiredState, observed: ObservedState, options: PlanOptions = {}): Plan {
  const result = plan(desired, observed, options);
  if (!result.ok) throw new Error(`plan failed: ${result.issues.map((i) => i.message).join('; ')}`);
  return result.value;
}

/** `#id kind name <- deps`: the part of a plan a golden must never be the only witness of. */
function shape(p: Plan): string[] {
  return p.actions.map((a) => `#${a.id} ${a.kind} ${resourceOf(a).name}${a.dependsOn.length === 0 ? '' : ` <- ${a.dependsOn.join(',')}`}`);
}

function byName(p: Plan, kind: Action['kind'], name: string): Action {
  const found = p.actions.find((a) => a.kind === kind && resourceOf(a).name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in plan:\n${shape(p).join('\n')}`);
  return found;
}

function withContainer(observed: ObservedState, name: string, change: (c: ObservedContainer) => ObservedContainer | null): ObservedState {
  expect(observed.containers.some((c) => c.name === name)).toBe(true);
  return { ...observed, containers: observed.containers.flatMap((c) => (c.name === name ? [change(c)].filter((x): x is ObservedContainer => x !== null) : [c])) };
}

async function golden(name: string, p: Plan): Promise<void> {
  await expect(renderPlanText(p)).toMatchFileSnapshot(`./golden/${name}.txt`);
}

/** After applying, planning again must find nothing to do: every golden plan is a complete one. */
function expectConverges(desired: DesiredState, observed: ObservedState, p: Plan, options: PlanOptions = {}): void {
  expect(shape(planOf(desired, applyPlanToModel(observed, p), options))).toEqual([]);
}

describe('planner goldens', () => {
  it('empty observed: every resource before the containers using it, starts after their dependencies’ starts', async () => {
    const desired = desiredFrom(BASE);
    const p = planOf(desired, EMPTY_OBSERVED);
    expect(shape(p)).toEqual([
      '#1 network.create app-test-default',
      '#2 volume.create app-test-dbdata',
      '#3 container.create app-test-db-1 <- 1,2',
      '#4 container.create app-test-web-1 <- 1',
      '#5 container.start app-test-db-1 <- 3',
      '#6 container.start app-test-web-1 <- 4,5',
    ]);
    const webStart = byName(p, 'container.start', 'app-test-web-1');
    expect(webStart.kind === 'container.start' && webStart.awaits).toMatchObject([{ service: 'db', containers: ['app-test-db-1'], condition: 'service_healthy', required: true }]);
    expect(p.summary).toEqual({ create: 4, recreate: 0, start: 2, stop: 0, remove: 0 });
    expectConverges(desired, EMPTY_OBSERVED, p);
    await golden('empty-observed', p);
  });

  it('converged: no changes', async () => {
    const desired = desiredFrom(BASE);
    const p = planOf(desired, observedFromDesired(desired));
    expect(p.actions).toEqual([]);
    expect(p.warnings).toEqual([]);
    const text = renderPlanText(p);
    expect(text).toContain('No changes');
    expect(text).toContain('Plan: 0 to create, 0 to recreate, 0 to start, 0 to stop, 0 to remove.');
    await golden('no-changes', p);
  });

  it('environment change: exactly one recreate, with the field diff, then its start', async () => {
    const before = desiredFrom(BASE);
    const desired = desiredFrom(BASE.replace('LOG_LEVEL: info', 'LOG_LEVEL: debug'));
    const observed = observedFromDesired(before);
    const p = planOf(desired, observed);
    expect(shape(p)).toEqual(['#1 container.recreate app-test-db-1', '#2 container.start app-test-db-1 <- 1']);
    const recreate = p.actions[0]!;
    expect(recreate.kind === 'container.recreate' && recreate.changes).toEqual([{ op: 'replace', path: 'environment.LOG_LEVEL', before: 'info', after: 'debug', sensitive: false }]);
    expect(recreate.kind === 'container.recreate' && recreate.replaces.id).toBe(observed.containers.find((c) => c.name === 'app-test-db-1')!.id);
    expect(renderPlanText(p)).toContain('~ environment.LOG_LEVEL: "info" => "debug"');
    expectConverges(desired, observed, p);
    await golden('environment-change', p);
  });

  it('image tag change: recreate with the image diff', async () => {
    const before = desiredFrom(BASE);
    const desired = desiredFrom(BASE.replace('nginx:1.25', 'nginx:1.27'));
    const observed = observedFromDesired(before);
    const p = planOf(desired, observed);
    expect(shape(p)).toEqual(['#1 container.recreate app-test-web-1', '#2 container.start app-test-web-1 <- 1']);
    expect(renderPlanText(p)).toContain('~ image: "nginx:1.25" => "nginx:1.27"');
    expectConverges(desired, observed, p);
    await golden('image-tag-change', p);
  });

  it('image behind the tag changed: recreate, with both image ids in the cause', async () => {
    const desired = desiredFrom(BASE);
    const converged = observedFromDesired(desired);
    const pulled = modelImageId('nginx:1.25 pulled again');
    const observed = { ...converged, images: { ...converged.images, 'nginx:1.25': pulled } };
    const p = planOf(desired, observed);
    expect(shape(p)).toEqual(['#1 container.recreate app-test-web-1', '#2 container.start app-test-web-1 <- 1']);
    const recreate = p.actions[0]!;
    expect(recreate.cause).toBe(`image behind nginx:1.25 changed (${modelImageId('nginx:1.25').slice(7, 19)} -> ${pulled.slice(7, 19)})`);
    expect(recreate.kind === 'container.recreate' && recreate.changes).toEqual([]);
    expectConverges(desired, observed, p);
    await golden('image-id-changed', p);
  });

  it('stopped container with the same config: start only', async () => {
    const desired = desiredFrom(BASE);
    const observed = withContainer(observedFromDesired(desired), 'app-test-web-1', (c) => ({ ...c, state: 'exited', exitCode: 143 }));
    const p = planOf(desired, observed);
    expect(shape(p)).toEqual(['#1 container.start app-test-web-1']);
    expect(p.actions[0]!.cause).toBe('it is exited (exit code 143)');
    expectConverges(desired, observed, p);
    await golden('stopped-start', p);
  });

  const ONE_SHOT = `
services:
  migrate:
    image: app:1
    restart: "no"
    command: ["migrate", "up"]
`;

  it('a one-shot that completed (exit 0, restart no) is left alone', async () => {
    const desired = desiredFrom(ONE_SHOT);
    const observed = withContainer(observedFromDesired(desired), 'app-test-migrate-1', (c) => ({ ...c, state: 'exited', exitCode: 0 }));
    const p = planOf(desired, observed);
    expect(p.actions).toEqual([]);
    await golden('one-shot-completed', p);
  });

  it('a one-shot that crashed (exit 1) is started again', async () => {
    const desired = desiredFrom(ONE_SHOT);
    const observed = withContainer(observedFromDesired(desired), 'app-test-migrate-1', (c) => ({ ...c, state: 'exited', exitCode: 1 }));
    const p = planOf(desired, observed);
    expect(shape(p)).toEqual(['#1 container.start app-test-migrate-1']);
    expect(p.actions[0]!.cause).toBe('it is exited (exit code 1)');
    await golden('one-shot-crashed', p);
  });

  const SCALED = (replicas: number): string => `
services:
  worker:
    image: busybox:1
    command: ["sh", "-c", "sleep 3600"]
    deploy:
      replicas: ${replicas}
`;

  it('scale 1 -> 3: two replicas created and started, replica 1 untouched', async () => {
    const before = desiredFrom(SCALED(1));
    const desired = desiredFrom(SCALED(3));
    const observed = observedFromDesired(before);
    const p = planOf(desired, observed);
    expect(shape(p)).toEqual([
      '#1 container.create app-test-worker-2',
      '#2 container.create app-test-worker-3',
      '#3 container.start app-test-worker-2 <- 1',
      '#4 container.start app-test-worker-3 <- 2',
    ]);
    expect(p.actions.some((a) => resourceOf(a).name === 'app-test-worker-1')).toBe(false);
    expectConverges(desired, observed, p);
    await golden('scale-up', p);
  });

  it('scale 3 -> 1: replicas 2 and 3 removed, replica 1 untouched', async () => {
    const before = desiredFrom(SCALED(3));
    const desired = desiredFrom(SCALED(1));
    const observed = observedFromDesired(before);
    const p = planOf(desired, observed);
    expect(shape(p)).toEqual(['#1 container.remove app-test-worker-2', '#2 container.remove app-test-worker-3']);
    expect(p.actions.map((a) => a.cause)).toEqual(['replica 2 is no longer wanted (replicas: 1)', 'replica 3 is no longer wanted (replicas: 1)']);
    expectConverges(desired, observed, p);
    await golden('scale-down', p);
  });

  /** Three services; `worker` depends on `web`, which depends on `db`. */
  const THREE = `
services:
  db:
    image: postgres:16
    healthcheck:
      test: ["CMD", "pg_isready"]
  web:
    image: nginx:1.25
    depends_on:
      db:
        condition: service_healthy
  worker:
    image: busybox:1
    depends_on: [web]
`;
  const ONLY_DB = `
services:
  db:
    image: postgres:16
    healthcheck:
      test: ["CMD", "pg_isready"]
`;

  it('prune on: the containers of removed services go, dependants first', async () => {
    const observed = observedFromDesired(desiredFrom(THREE));
    const desired = desiredFrom(ONLY_DB);
    const p = planOf(desired, observed, { prune: true });
    // worker depended on web: it is removed before web.
    expect(shape(p)).toEqual(['#1 container.remove app-test-worker-1', '#2 container.remove app-test-web-1 <- 1']);
    expect(p.actions.map((a) => a.cause)).toEqual(['service "worker" is no longer in the manifests (prune)', 'service "web" is no longer in the manifests (prune)']);
    expectConverges(desired, observed, p, { prune: true });
    await golden('prune-on', p);
  });

  it('prune off: the containers of removed services are kept, with warnings', async () => {
    const observed = observedFromDesired(desiredFrom(THREE));
    const desired = desiredFrom(ONLY_DB);
    const p = planOf(desired, observed, { prune: false });
    expect(p.actions).toEqual([]);
    expect(p.warnings.map((w) => `${w.resource.type} ${w.resource.name}`)).toEqual(['container app-test-web-1', 'container app-test-worker-1']);
    // Podman does not match the manifests here: the report must not claim it does.
    expect(renderPlanText(p)).toContain('No changes to make; see the warnings below.');
    expect(renderPlanText(p)).not.toContain('matches the manifests');
    await golden('prune-off', p);
  });

  it('prune off: an old secret version still mounted by a kept container is not removed', async () => {
    const compose = `
services:
  api:
    image: app:1
    secrets: [api_key]
  legacy:
    image: app:0
    secrets: [api_key]
secrets:
  api_key:
    environment: API_KEY
`;
    const observed = observedFromDesired(desiredFrom(compose, { processEnv: { API_KEY: 'CANARY-old' } }));
    const desired = desiredFrom(compose.replace(/ {2}legacy:\n.*\n.*\n/, ''), { processEnv: { API_KEY: 'CANARY-new' } });
    const oldName = observed.secrets[0]!.name;
    const p = planOf(desired, observed, { prune: false });
    expect(shape(p)).toEqual([`#1 secret.create ${desired.secrets[0]!.podmanName}`, '#2 container.recreate app-test-api-1 <- 1', '#3 container.start app-test-api-1 <- 2']);
    expect(p.warnings.map((w) => `${w.resource.type} ${w.resource.name}`)).toEqual(['container app-test-legacy-1', `secret ${oldName}`]);
    expectConverges(desired, observed, p, { prune: false });
    // With prune, legacy goes first, then the old version.
    const pruned = planOf(desired, observed, { prune: true });
    expect(shape(pruned)).toContain(`#5 secret.remove ${oldName} <- 1,2,3`);
    expect(shape(pruned)).toContain('#3 container.remove app-test-legacy-1');
    await golden('secret-rotation-prune-off', p);
  });

  /** BASE without db and its volume: web's spec is unchanged (depends_on is not part of the hash). */
  const WEB_ONLY = 'services:\n  web:\n    image: nginx:1.25\n    ports: ["8080:80"]\n';

  it('a named volume no longer declared is kept when pruning without removeVolumes', async () => {
    const observed = observedFromDesired(desiredFrom(BASE));
    const desired = desiredFrom(WEB_ONLY);
    const p = planOf(desired, observed, { prune: true });
    expect(shape(p)).toEqual(['#1 container.remove app-test-db-1']);
    expect(p.warnings).toEqual([{ resource: { type: 'volume', name: 'app-test-dbdata' }, message: 'no longer in the manifests; kept with its data (named volumes are removed only when asked explicitly)' }]);
    expect(p.actions.some((a) => a.kind === 'volume.remove')).toBe(false);
    await golden('volume-kept', p);
  });

  it('a named volume no longer declared is removed only with removeVolumes, loudly, after its container', async () => {
    const observed = observedFromDesired(desiredFrom(BASE));
    const desired = desiredFrom(WEB_ONLY);
    const p = planOf(desired, observed, { prune: true, removeVolumes: true });
    expect(shape(p)).toEqual(['#1 container.remove app-test-db-1', '#2 volume.remove app-test-dbdata <- 1']);
    const text = renderPlanText(p);
    expect(text).toContain('- remove volume app-test-dbdata !! ITS DATA WILL BE LOST');
    expect(text).toContain('! volume app-test-dbdata: WILL BE REMOVED WITH ALL ITS DATA');
    expectConverges(desired, observed, p, { prune: true, removeVolumes: true });
    await golden('volume-removed', p);
  });

  it('an unowned container holding a wanted name fails the plan (PHX-PLAN-NAME-CONFLICT)', async () => {
    const desired = desiredFrom(BASE);
    const observed = withContainer(observedFromDesired(desired), 'app-test-web-1', (c) => foreignContainer(c.name, { 'org.example.owner': 'someone' }));
    const result = plan(desired, observed);
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues.map((i) => [i.code, i.resource])).toEqual([['PHX-PLAN-NAME-CONFLICT', { type: 'container', name: 'app-test-web-1' }]]);
    const render = (i: PlanIssue): string => `error ${i.code} ${i.resource.type} ${i.resource.name}\n  ${i.message}\n  ${i.remediation}\n`;
    await expect(issues.map(render).join('')).toMatchFileSnapshot('./golden/name-conflict.txt');
    // With adopt, the same container is taken over: replaced by one Phoenix owns.
    const adopted = planOf(desired, observed, { adopt: true });
    expect(shape(adopted)).toEqual(['#1 container.recreate app-test-web-1', '#2 container.start app-test-web-1 <- 1']);
    expectConverges(desired, observed, adopted, { adopt: true });
  });

  it('adopt podman-compose containers: ours created, theirs removed, ours started', async () => {
    const desired = desiredFrom(BASE);
    const converged = observedFromDesired(desired);
    const composeMade = (service: string): ObservedContainer =>
      foreignContainer(`app_${service}_1`, { [COMPOSE_LABEL.project]: 'app', [COMPOSE_LABEL.service]: service, [COMPOSE_LABEL.containerNumber]: '1' });
    const observed: ObservedState = { ...converged, containers: [composeMade('db'), composeMade('web')] };
    const p = planOf(desired, observed, { adopt: true });
    expect(shape(p)).toEqual([
      '#1 container.create app-test-db-1',
      '#2 container.create app-test-web-1',
      '#3 container.remove app_db_1 <- 1',
      '#4 container.remove app_web_1 <- 2',
      '#5 container.start app-test-db-1 <- 1,3',
      '#6 container.start app-test-web-1 <- 2,4,5',
    ]);
    const removal = byName(p, 'container.remove', 'app_web_1');
    expect(removal.kind === 'container.remove' && removal.containerId).toBe('foreign-app_web_1');
    // Without adopt the Compose containers are not Phoenix's business: created beside them (names differ).
    expect(planOf(desired, observed).actions.some((a) => resourceOf(a).name.startsWith('app_'))).toBe(false);
    expectConverges(desired, observed, p, { adopt: true });
    await golden('adopt-compose', p);
  });

  it('adopting a Compose container whose data sits in a Compose-named volume says so loudly', () => {
    const desired = desiredFrom(BASE);
    const composeMade = foreignContainer('app_db_1', { [COMPOSE_LABEL.project]: 'app', [COMPOSE_LABEL.service]: 'db', [COMPOSE_LABEL.containerNumber]: '1' });
    const observed: ObservedState = { ...EMPTY_OBSERVED, containers: [composeMade], volumes: [{ name: 'app_dbdata', labels: {} }] };
    const p = planOf(desired, observed, { adopt: true });
    const warning = p.warnings.find((w) => w.resource.name === 'app_dbdata');
    expect(warning?.message).toContain('set `name: app_dbdata` on volume dbdata');
    expect(renderPlanText(p)).toContain('! volume app_dbdata: holds the data of Compose');
    // Once the manifest names the Compose volume, there is nothing to warn about.
    const named = desiredFrom(`${BASE}    name: app_dbdata\n`);
    expect(planOf(named, observed, { adopt: true }).warnings.some((w) => w.resource.name === 'app_dbdata' && w.message.includes('holds the data'))).toBe(false);
  });

  it('watch mode: restart names a running container to stop and start; hold keeps a stopped service down', () => {
    const desired = desiredFrom(BASE);
    const converged = observedFromDesired(desired);
    const restarted = planOf(desired, converged, { restart: ['app-test-db-1'] });
    expect(shape(restarted)).toEqual(['#1 container.stop app-test-db-1', '#2 container.start app-test-db-1 <- 1']);
    expect(byName(restarted, 'container.start', 'app-test-db-1').cause).toBe('restarted by the health policy');
    const exited: ObservedState = { ...converged, containers: converged.containers.map((c) => (c.name === 'app-test-db-1' ? { ...c, state: 'exited' as const, exitCode: 1 } : c)) };
    expect(shape(planOf(desired, exited))).toEqual(['#1 container.start app-test-db-1']);
    const held = planOf(desired, exited, { hold: ['db'] });
    expect(held.actions).toEqual([]);
    expect(held.warnings.map((w) => w.resource.name)).toEqual(['app-test-db-1']);
    // A changed manifest is never held: the recreate goes ahead.
    const changed = desiredFrom(BASE.replace('LOG_LEVEL: info', 'LOG_LEVEL: debug'));
    expect(planOf(changed, exited, { hold: ['db'] }).actions.map((a) => a.kind)).toContain('container.recreate');
  });

  it('a container paused by hand is left paused, with a warning', () => {
    const desired = desiredFrom(BASE);
    const converged = observedFromDesired(desired);
    const observed: ObservedState = { ...converged, containers: converged.containers.map((c) => (c.name === 'app-test-web-1' ? { ...c, state: 'paused' as const } : c)) };
    const p = planOf(desired, observed);
    expect(p.actions).toEqual([]);
    expect(p.warnings.map((w) => `${w.resource.name}: ${w.message}`)).toEqual(['app-test-web-1: is paused; Phoenix leaves it paused (podman unpause it to resume)']);
  });

  const SECRETS = `
services:
  api:
    image: app:1
    secrets: [api_key]
  worker:
    image: app:1
    command: ["worker"]
    secrets:
      - source: api_key
        target: /run/secrets/key
  web:
    image: nginx:1.25
secrets:
  api_key:
    environment: API_KEY
`;

  it('secret rotation: new version created, every consumer recreated, then the old version removed', async () => {
    const before = desiredFrom(SECRETS, { processEnv: { API_KEY: 'CANARY-old-value' } });
    const desired = desiredFrom(SECRETS, { processEnv: { API_KEY: 'CANARY-new-value' } });
    const oldName = before.secrets[0]!.podmanName;
    const newName = desired.secrets[0]!.podmanName;
    expect(newName).not.toBe(oldName);
    const observed = observedFromDesired(before);
    const p = planOf(desired, observed);
    expect(shape(p)).toEqual([
      `#1 secret.create ${newName}`,
      '#2 container.recreate app-test-api-1 <- 1',
      '#3 container.recreate app-test-worker-1 <- 1',
      '#4 container.start app-test-api-1 <- 2',
      '#5 container.start app-test-worker-1 <- 3',
      `#6 secret.remove ${oldName} <- 1,2,3`,
    ]);
    const text = renderPlanText(p);
    expect(text).toContain('~ secrets[0].digest: (sensitive)');
    expect(text).not.toContain('CANARY');
    expect(text).not.toContain('app-test-web-1');
    expectConverges(desired, observed, p);
    await golden('secret-rotation', p);
  });

  /** A chain: worker waits for migrate to complete and for api to be healthy; api for db to be healthy. */
  const CHAIN = `
services:
  db:
    image: postgres:16
    healthcheck:
      test: ["CMD", "pg_isready"]
  migrate:
    image: app:1
    restart: "no"
    command: ["migrate"]
    depends_on:
      db:
        condition: service_healthy
  api:
    image: app:1
    healthcheck:
      test: ["CMD", "wget", "-q", "-O-", "localhost/health"]
    depends_on:
      db:
        condition: service_healthy
  worker:
    image: app:1
    command: ["worker"]
    depends_on:
      api:
        condition: service_healthy
      migrate:
        condition: service_completed_successfully
        required: false
`;

  it('depends_on chain: each start waits for its dependencies’ starts, with their conditions', async () => {
    const desired = desiredFrom(CHAIN);
    const p = planOf(desired, EMPTY_OBSERVED);
    expect(shape(p)).toEqual([
      '#1 network.create app-test-default',
      '#2 container.create app-test-api-1 <- 1',
      '#3 container.create app-test-db-1 <- 1',
      '#4 container.create app-test-migrate-1 <- 1',
      '#5 container.create app-test-worker-1 <- 1',
      '#6 container.start app-test-db-1 <- 3',
      '#7 container.start app-test-api-1 <- 2,6',
      '#8 container.start app-test-migrate-1 <- 4,6',
      '#9 container.start app-test-worker-1 <- 5,7,8',
    ]);
    const worker = byName(p, 'container.start', 'app-test-worker-1');
    expect(worker.kind === 'container.start' && worker.awaits).toMatchObject([
      { service: 'api', containers: ['app-test-api-1'], condition: 'service_healthy', required: true },
      { service: 'migrate', containers: ['app-test-migrate-1'], condition: 'service_completed_successfully', required: false },
    ]);
    expectConverges(desired, EMPTY_OBSERVED, p);
    await golden('depends-on-chain', p);
  });

  it('depends_on restart: true: a running dependant is stopped and started again when its dependency is recreated', async () => {
    const compose = (level: string): string => `
services:
  db:
    image: postgres:16
    environment:
      LOG_LEVEL: ${level}
  api:
    image: app:1
    depends_on:
      db:
        condition: service_started
        restart: true
  web:
    image: nginx:1.25
    depends_on: [db]
`;
    const observed = observedFromDesired(desiredFrom(compose('info')));
    const desired = desiredFrom(compose('debug'));
    const p = planOf(desired, observed);
    // api (restart: true) is restarted after db is recreated and started; web (no restart) is not touched.
    expect(shape(p)).toEqual([
      '#1 container.recreate app-test-db-1',
      '#2 container.stop app-test-api-1 <- 1',
      '#3 container.start app-test-db-1 <- 1',
      '#4 container.start app-test-api-1 <- 2,3',
    ]);
    expect(p.actions.some((a) => resourceOf(a).name === 'app-test-web-1')).toBe(false);
    expectConverges(desired, observed, p);
    await golden('depends-on-restart', p);
  });

  it('independent services share no edge', async () => {
    const desired = desiredFrom(`
services:
  api:
    image: app:1
    networks: [front]
  cache:
    image: redis:7
    networks: [back]
networks:
  front:
  back:
`);
    const p = planOf(desired, EMPTY_OBSERVED);
    expect(shape(p)).toEqual([
      '#1 network.create app-test-back',
      '#2 network.create app-test-front',
      '#3 container.create app-test-api-1 <- 2',
      '#4 container.create app-test-cache-1 <- 1',
      '#5 container.start app-test-api-1 <- 3',
      '#6 container.start app-test-cache-1 <- 4',
    ]);
    // The two services' actions form two separate components.
    const component = (id: number): Set<number> => {
      const seen = new Set<number>([id]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const a of p.actions) {
          const linked = seen.has(a.id) || a.dependsOn.some((d) => seen.has(d));
          if (linked && ![a.id, ...a.dependsOn].every((x) => seen.has(x))) {
            [a.id, ...a.dependsOn].forEach((x) => seen.add(x));
            grew = true;
          }
        }
      }
      return seen;
    };
    expect([...component(5)].sort()).toEqual([2, 3, 5]);
    expect([...component(6)].sort()).toEqual([1, 4, 6]);
    await golden('independent-services', p);
  });

  it('network config change: the network is created again, its containers removed first and created after', async () => {
    const compose = (internal: boolean): string => `
services:
  api:
    image: app:1
    networks: [default, back]
  db:
    image: postgres:16
    networks: [back]
  web:
    image: nginx:1.25
networks:
  back:
    internal: ${internal}
`;
    const observed = observedFromDesired(desiredFrom(compose(false)));
    const desired = desiredFrom(compose(true));
    const p = planOf(desired, observed);
    expect(shape(p)).toEqual([
      '#1 container.remove app-test-api-1',
      '#2 container.remove app-test-db-1',
      '#3 network.remove app-test-back <- 1,2',
      '#4 network.create app-test-back <- 3',
      '#5 container.create app-test-api-1 <- 1,4',
      '#6 container.create app-test-db-1 <- 2,4',
      '#7 container.start app-test-api-1 <- 5',
      '#8 container.start app-test-db-1 <- 6',
    ]);
    expect(p.actions.some((a) => resourceOf(a).name === 'app-test-web-1' || resourceOf(a).name === 'app-test-default')).toBe(false);
    expectConverges(desired, observed, p);
    await golden('network-change', p);

    // A scaled-down replica on the network goes before the network too.
    const scaled = planOf(desiredFrom(compose(true).replace('image: postgres:16', 'image: postgres:16\n    deploy: { replicas: 1 }')), observedFromDesired(desiredFrom(compose(false).replace('image: postgres:16', 'image: postgres:16\n    deploy: { replicas: 2 }'))));
    const removal = byName(scaled, 'network.remove', 'app-test-back');
    expect(removal.dependsOn).toContain(byName(scaled, 'container.remove', 'app-test-db-2').id);

    // A dependant with restart: true follows a dependency created again with its network.
    const withRestart = (internal: boolean): string => compose(internal).replace('  web:\n    image: nginx:1.25\n', '  web:\n    image: nginx:1.25\n    depends_on:\n      db:\n        condition: service_started\n        restart: true\n');
    const before = observedFromDesired(desiredFrom(withRestart(false)));
    const restarted = planOf(desiredFrom(withRestart(true)), before);
    expect(byName(restarted, 'container.stop', 'app-test-web-1').dependsOn).toEqual([byName(restarted, 'container.create', 'app-test-db-1').id]);
    expect(byName(restarted, 'container.start', 'app-test-web-1').dependsOn).toContain(byName(restarted, 'container.start', 'app-test-db-1').id);
    expectConverges(desiredFrom(withRestart(true)), before, restarted);
  });

  it('network config change while a container kept by prune off uses it: the network is left, with a warning', async () => {
    const compose = (internal: boolean, legacy: boolean): string => `
services:
  api:
    image: app:1
    networks: [back]
${legacy ? '  legacy:\n    image: app:0\n    networks: [back]\n' : ''}networks:
  back:
    internal: ${internal}
`;
    const observed = observedFromDesired(desiredFrom(compose(false, true)));
    const desired = desiredFrom(compose(true, false));
    const p = planOf(desired, observed, { prune: false });
    // Removing api and then failing on `podman network rm` would be worse than doing nothing.
    expect(p.actions).toEqual([]);
    expect(p.warnings.map((w) => `${w.resource.type} ${w.resource.name}`)).toEqual(['network app-test-back', 'container app-test-legacy-1']);
    // With prune, legacy is removed before the network is.
    const pruned = planOf(desired, observed, { prune: true });
    expect(byName(pruned, 'network.remove', 'app-test-back').dependsOn).toContain(byName(pruned, 'container.remove', 'app-test-legacy-1').id);
    expectConverges(desired, observed, pruned, { prune: true });
    await golden('network-change-blocked', p);
  });

  it('JSON form: formatVersion 1 first, and no secret value in text or JSON', () => {
    const canary = 'CANARY-7f3a9c-do-not-print';
    const before = desiredFrom(SECRETS, { processEnv: { API_KEY: 'CANARY-previous-do-not-print' } });
    const desired = desiredFrom(SECRETS, { processEnv: { API_KEY: canary } });
    for (const observed of [EMPTY_OBSERVED, observedFromDesired(before)]) {
      const p = planOf(desired, observed);
      const json = renderPlanJson(p);
      const parsed = JSON.parse(json) as Record<string, unknown>;
      expect(Object.keys(parsed)[0]).toBe('formatVersion');
      expect(parsed.formatVersion).toBe(1);
      expect(parsed).toEqual(JSON.parse(JSON.stringify(p)));
      for (const text of [json, renderPlanText(p)]) {
        expect(text).not.toContain('CANARY');
        expect(text).toContain(desired.secrets[0]!.podmanName);
      }
      // The digest stands for the value in labels and the plan: keyed, so it reveals nothing.
      expect(json).toContain(desired.secrets[0]!.digest);
      expect(json).not.toContain(LABEL.secretDigest + '":"' + canary);
    }
  });
});
