/**
 * `phoenix run`: the container of a one-off job (a migration, a console) made from a
 * service's spec, and what must be true of the environment before it can run. Pure.
 */
import type { ContainerSpec, DesiredService, DesiredState } from '../model/desired.js';
import { LABEL } from '../model/desired.js';
import type { ObservedState } from '../model/observed.js';
import type { ContainerIntent } from './actions.js';

/** What `phoenix run` changes of the service's spec. */
export interface OneOffChoices {
  /** The container's name (distinct from every replica's). */
  readonly name: string;
  /** Replaces the service's command; null keeps it. */
  readonly command: readonly string[] | null;
  /** Added to (and over) the service's environment. */
  readonly environment: Readonly<Record<string, string>>;
  readonly user?: string;
  readonly workdir?: string;
}

/**
 * The one-off container: the spec an apply would create for the service (image, environment,
 * secrets, configs, volumes, networks, user, working directory, limits), except what would
 * clash with the running replicas or make it something else than a job: no published ports
 * (as `docker compose run` without --service-ports), no network aliases or fixed addresses
 * (the service's name must not resolve to the job), no restart policy, no health check, and
 * the terminal left to the caller. Labelled as the environment's, with `io.phoenix.one-off`
 * so that plans neither count it as drift nor prune it while it runs.
 */
export function oneOffIntent(desired: DesiredState, service: DesiredService, choices: OneOffChoices): ContainerIntent {
  const { macAddress: _mac, stdinOpen: _stdin, tty: _tty, ...kept } = service.spec;
  const spec: ContainerSpec = {
    ...kept,
    command: choices.command ?? service.spec.command,
    environment: { ...service.spec.environment, ...choices.environment },
    ports: [],
    networks: service.spec.networks.map((n) => ({ network: n.network, aliases: [], ipv4Address: null, ...(n.interfaceName === undefined ? {} : { interfaceName: n.interfaceName }) })),
    healthcheck: null,
    restart: 'no',
    restartMaxRetries: 0,
    user: choices.user ?? service.spec.user,
    workingDir: choices.workdir ?? service.spec.workingDir,
  };
  const labels = {
    [LABEL.managedBy]: service.ownerLabels[LABEL.managedBy] ?? 'phoenix',
    [LABEL.project]: desired.project,
    [LABEL.environment]: desired.environment,
    [LABEL.service]: service.name,
    [LABEL.oneOff]: service.name,
  };
  return { name: choices.name, service: service.name, replica: 0, spec, labels };
}

/** Something the environment lacks before a one-off can run, with what to do. */
export interface OneOffProblem {
  readonly code: 'PHX-RUN-NOT-APPLIED' | 'PHX-RUN-DEPENDENCY-DOWN';
  readonly message: string;
  readonly remediation: string;
}

/**
 * Why the job cannot run now: a network, volume, secret or config version it needs does not
 * exist (the environment is not applied, or not since a secret changed), or, unless
 * `noDeps`, a required dependency is not up (running, or for
 * `service_completed_successfully` exited 0). Empty when it can run.
 */
export function oneOffProblems(desired: DesiredState, service: DesiredService, observed: ObservedState, options: { readonly noDeps: boolean; readonly env: string }): OneOffProblem[] {
  const problems: OneOffProblem[] = [];
  const has = (names: readonly { name: string }[], name: string): boolean => names.some((n) => n.name === name);
  const missing = [
    ...service.spec.networks.filter((n) => !has(observed.networks, n.network)).map((n) => `network ${n.network}`),
    // Podman would make a missing named volume itself, without Phoenix's labels: the next plan would call it a conflict.
    ...service.spec.mounts.flatMap((m) => (m.type === 'volume' && !has(observed.volumes, m.source) ? [`volume ${m.source}`] : [])),
    ...[...service.spec.secrets, ...(service.spec.configs ?? [])].filter((s) => !has(observed.secrets, s.podmanName)).map((s) => `secret ${s.podmanName}`),
  ];
  if (missing.length > 0) {
    problems.push({
      code: 'PHX-RUN-NOT-APPLIED',
      message: `service "${service.name}" needs ${missing.join(', ')}, which Podman does not have: the environment is not applied as the manifests now say`,
      remediation: `Run phoenix apply --env ${options.env} first, then run the job again.`,
    });
  }
  if (options.noDeps) return problems;
  const byName = new Map(observed.containers.map((c) => [c.name, c]));
  for (const dependency of service.dependsOn.filter((d) => d.required)) {
    const names = desired.services.find((s) => s.name === dependency.service)?.containerNames ?? [];
    const up = names.some((name) => {
      const found = byName.get(name);
      if (found === undefined) return false;
      return dependency.condition === 'service_completed_successfully' ? found.state === 'exited' && found.exitCode === 0 : found.state === 'running';
    });
    if (!up) {
      const what = dependency.condition === 'service_completed_successfully' ? 'has not completed successfully' : 'is not running';
      problems.push({
        code: 'PHX-RUN-DEPENDENCY-DOWN',
        message: `service "${service.name}" depends on "${dependency.service}", which ${what}`,
        remediation: `Start it (phoenix start --env ${options.env} ${dependency.service}, or phoenix apply --env ${options.env}), or pass --no-deps to run the job without it.`,
      });
    }
  }
  return problems;
}
