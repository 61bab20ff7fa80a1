/**
 * phoenix run without Podman: the one-off container's spec and labels, what must exist before
 * it runs, and that plans neither count it as drift nor prune it (down removes it).
 */
import { describe, expect, it } from 'vitest';
import { LABEL } from '../../src/model/desired.js';
import type { ObservedContainer, ObservedState } from '../../src/model/observed.js';
import { observedFingerprint } from '../../src/plan/fingerprint.js';
import { planDown } from '../../src/plan/lifecycle.js';
import { oneOffIntent, oneOffProblems } from '../../src/plan/one-off.js';
import { plan } from '../../src/plan/plan.js';
import { psRows } from '../../src/plan/ps-report.js';
import { execArgs, oneOffArgs } from '../../src/podman/podman-jobs.js';
import { desiredFrom } from '../support/load-fixture.js';
import { observedFromDesired } from '../support/observed-model.js';

const COMPOSE = `
services:
  db:
    image: localhost/phoenix-demo/busybox:1
    restart: unless-stopped
  web:
    image: localhost/phoenix-demo/busybox:1
    restart: unless-stopped
    depends_on: [db]
    command: ["httpd", "-f"]
    environment: { MODE: prod }
    ports: ["8080:80"]
    user: "1000"
    working_dir: /srv
    volumes: [data:/data]
    networks:
      default:
        aliases: [www]
        ipv4_address: 10.89.7.10
    healthcheck:
      test: ["CMD", "true"]
    tty: true
networks:
  default:
    ipam:
      config: [{ subnet: 10.89.7.0/24 }]
volumes:
  data: {}
`;
const desired = desiredFrom(COMPOSE);
const web = desired.services.find((s) => s.name === 'web')!;
const converged = observedFromDesired(desired);
const NAME = 'app-test-web-run-abc123';

describe('the one-off container', () => {
  const intent = oneOffIntent(desired, web, { name: NAME, command: ['sh', '-c', 'migrate'], environment: { STEP: '2', MODE: 'job' } });

  it("takes the service's spec, with the command and environment asked for", () => {
    expect(intent.spec.image).toBe(web.spec.image);
    expect(intent.spec.command).toEqual(['sh', '-c', 'migrate']);
    expect(intent.spec.environment).toEqual({ ...web.spec.environment, MODE: 'job', STEP: '2' });
    expect(intent.spec.mounts).toEqual(web.spec.mounts);
    expect(intent.spec.user).toBe('1000');
    expect(intent.spec.workingDir).toBe('/srv');
    expect(oneOffIntent(desired, web, { name: NAME, command: null, environment: {}, user: 'root', workdir: '/tmp' }).spec).toMatchObject({ command: ['httpd', '-f'], user: 'root', workingDir: '/tmp' });
  });

  it('publishes no port, takes no alias or fixed address, restarts never, runs no health check and leaves the terminal to the caller', () => {
    expect(intent.spec.ports).toEqual([]);
    expect(intent.spec.networks).toEqual([{ network: 'app-test-default', aliases: [], ipv4Address: null }]);
    expect(intent.spec).toMatchObject({ healthcheck: null, restart: 'no' });
    expect(intent.spec.tty).toBeUndefined();
  });

  it("is labelled as the environment's one-off job, without the service's config hash", () => {
    expect(intent.labels).toEqual({ [LABEL.managedBy]: 'phoenix', [LABEL.project]: 'app', [LABEL.environment]: 'test', [LABEL.service]: 'web', [LABEL.oneOff]: 'web' });
    const args = oneOffArgs({ intent, remove: true, interactive: true, tty: false });
    expect(args.slice(0, 7)).toEqual(['run', '--rm', '--interactive', '--name', NAME, '--pull', 'missing']);
    expect(args).toContain(`${LABEL.oneOff}=web`);
    expect(args).not.toContain('--publish');
    expect(args.slice(-4)).toEqual([web.spec.image, 'sh', '-c', 'migrate']);
    expect(oneOffArgs({ intent, remove: false, interactive: false, tty: false }).slice(0, 2)).toEqual(['run', '--name']);
  });
});

describe('before a one-off runs', () => {
  it('needs the networks, volumes and secrets of the service, and its dependencies up unless --no-deps', () => {
    expect(oneOffProblems(desired, web, converged, { noDeps: false, env: 'test' })).toEqual([]);
    const bare: ObservedState = { ...converged, networks: [], volumes: [] };
    expect(oneOffProblems(desired, web, bare, { noDeps: true, env: 'test' })).toEqual([
      expect.objectContaining({ code: 'PHX-RUN-NOT-APPLIED', message: expect.stringMatching(/network app-test-default, volume app-test-data/), remediation: expect.stringMatching(/phoenix apply --env test/) }),
    ]);
    const dbDown: ObservedState = { ...converged, containers: converged.containers.map((c) => (c.name === 'app-test-db-1' ? { ...c, state: 'exited', exitCode: 1 } : c)) };
    expect(oneOffProblems(desired, web, dbDown, { noDeps: false, env: 'test' })).toEqual([expect.objectContaining({ code: 'PHX-RUN-DEPENDENCY-DOWN', remediation: expect.stringMatching(/phoenix start --env test db.*--no-deps/) })]);
    expect(oneOffProblems(desired, web, dbDown, { noDeps: true, env: 'test' })).toEqual([]);
  });
});

describe('plans and a one-off job', () => {
  const job: ObservedContainer = {
    id: 'f'.repeat(64),
    name: NAME,
    labels: oneOffIntent(desired, web, { name: NAME, command: null, environment: {} }).labels,
    state: 'running',
    exitCode: null,
    image: web.spec.image,
    imageId: converged.images[web.spec.image] ?? '',
    startedAt: '2026-12-04T10:00:00.000Z',
    health: 'none',
    restartCount: 0,
  };
  const withJob: ObservedState = { ...converged, containers: [...converged.containers, job] };

  it('neither counts it as drift nor prunes it, and a saved plan stays valid while it runs', () => {
    const pruning = plan(desired, withJob, { prune: true });
    expect(pruning.ok && pruning.value.actions).toEqual([]);
    expect(observedFingerprint(desired, withJob)).toBe(observedFingerprint(desired, converged));
  });

  it('is removed by down, before the network it uses', () => {
    const down = planDown(desired, withJob, false);
    expect(down.ok).toBe(true);
    if (!down.ok) return;
    const removal = down.value.actions.find((a) => a.kind === 'container.remove' && a.name === NAME)!;
    expect(removal.cause).toMatch(/one-off job of service "web"/);
    const network = down.value.actions.find((a) => a.kind === 'network.remove')!;
    expect(network.dependsOn).toContain(removal.id);
  });

  it('is listed by ps after the replicas', () => {
    const rows = psRows(desired, withJob);
    expect(rows.map((r) => [r.container, r.replica])).toEqual([
      ['app-test-db-1', 1],
      ['app-test-web-1', 1],
      [NAME, 'one-off'],
    ]);
  });
});

describe('exec arguments', () => {
  it('passes user, working directory, environment and terminal flags before the container, the command after it', () => {
    expect(execArgs({ container: 'app-test-web-1', command: ['sh', '-c', 'echo $A'], environment: { B: '2', A: '1' }, user: 'root', workdir: '/tmp', interactive: true, tty: true })).toEqual([
      'exec', '--interactive', '--tty', '--user', 'root', '--workdir', '/tmp', '--env', 'A=1', '--env', 'B=2', 'app-test-web-1', 'sh', '-c', 'echo $A',
    ]);
    expect(execArgs({ container: 'c', command: ['true'], environment: {}, interactive: false, tty: false })).toEqual(['exec', 'c', 'true']);
  });
});
