/**
 * The one verdict: where each service and the whole environment stand, from the desired state,
 * what Podman reports and what Phoenix's own health checks and restart policy know. `status`,
 * watch's `/status`, its metrics and `apply --wait` all read this function, so that health is
 * judged in one place. Pure: the callers gather the evidence.
 */
import type { DesiredService, DesiredState } from '../model/desired.js';
import { LABEL } from '../model/desired.js';
import type { HealthStatus, ObservedContainer, ObservedState } from '../model/observed.js';

/** Worst last: an environment's verdict is the worst of its services'. */
export const VERDICTS = ['converged', 'progressing', 'degraded', 'failed'] as const;

/**
 * - converged: every replica runs the desired config (one-shots: exited 0), healthy where it has a check;
 *   a service stopped with `phoenix stop` is converged while its containers are down (that is what was asked);
 * - progressing: Phoenix still has work to do or a check has not decided yet (missing, drifted, starting);
 * - degraded: it runs the desired config but is not well (unhealthy, crash-looping, exited, held);
 * - failed: Podman reports a container dead: no start or restart will bring it back.
 */
export type VerdictKind = (typeof VERDICTS)[number];

/** Why a service is not converged, the first matter found (in the order of the union). */
export type VerdictReason =
  | 'missing'
  | 'drifted'
  | 'starting'
  | 'unhealthy'
  | 'crash-looping'
  | 'held'
  | 'exited'
  | 'dead';

/** Health as Phoenix's own check found it (Podman's stored status needs systemd timers to move). */
export interface CheckedHealth {
  readonly status: HealthStatus;
  /** The last check's output, for the reason's detail. */
  readonly output?: string | null;
}

/** What the restart policy holds back, per service. */
export interface ServiceHold {
  readonly reason: 'crash-looping' | 'held';
  /** e.g. the last failure, or when the next restart is due. */
  readonly detail: string;
}

/** Evidence beyond the observed snapshot; every part optional. */
export interface HealthEvidence {
  /** Per container name: overrides the health in the observed snapshot. */
  readonly containers?: Readonly<Record<string, CheckedHealth>>;
  /** Per service name: the restart policy's breaker is open, or a backoff holds it down. */
  readonly holds?: Readonly<Record<string, ServiceHold>>;
}

/** One service's verdict. */
export interface ServiceVerdict {
  readonly service: string;
  readonly verdict: VerdictKind;
  /** Null when converged. */
  readonly reason: VerdictReason | null;
  /** One line a person reads: which container, its exit code, the check's output. Empty when converged. */
  readonly detail: string;
}

/** The environment's verdict: the worst service's, with every service's. */
export interface EnvironmentVerdict {
  readonly verdict: VerdictKind;
  readonly services: readonly ServiceVerdict[];
}

const RANK: Record<VerdictKind, number> = { converged: 0, progressing: 1, degraded: 2, failed: 3 };

/** The worse of verdicts (converged for none). */
export function worstVerdict(verdicts: readonly VerdictKind[]): VerdictKind {
  return verdicts.reduce<VerdictKind>((worst, v) => (RANK[v] > RANK[worst] ? v : worst), 'converged');
}

type Finding = { readonly verdict: VerdictKind; readonly reason: VerdictReason; readonly detail: string };

/** A one-shot service is done when it exited 0; a long-running one must run. */
function isOneShot(service: DesiredService): boolean {
  return service.spec.restart === 'no' || service.spec.restart === 'on-failure';
}

/** States of a container that is not running and will not run by itself. */
const DOWN_STATES: ReadonlySet<string> = new Set(['exited', 'stopped', 'created']);

function judgeContainer(service: DesiredService, name: string, found: ObservedContainer | undefined, checked: CheckedHealth | undefined, stopped: boolean): Finding | null {
  if (found === undefined) return { verdict: 'progressing', reason: 'missing', detail: `${name} does not exist` };
  if (found.labels[LABEL.configHash] !== service.configHash) return { verdict: 'progressing', reason: 'drifted', detail: `${name} runs another config than the manifests` };
  // Stopped with phoenix stop: down is what is wanted, whatever the exit code the stop left.
  if (stopped && DOWN_STATES.has(found.state)) return null;
  const exit = found.exitCode === null ? '' : ` (exit code ${found.exitCode})`;
  if (found.state === 'dead') return { verdict: 'failed', reason: 'dead', detail: `${name} is dead${exit}` };
  if (found.state === 'exited' || found.state === 'stopped') {
    // The planner's and the restart policy's rule: only a one-shot that exited 0 is done.
    if (isOneShot(service) && found.exitCode === 0) return null;
    return { verdict: 'degraded', reason: 'exited', detail: `${name} exited unexpectedly${exit}` };
  }
  if (found.state === 'created') return { verdict: 'progressing', reason: 'starting', detail: `${name} is created, not started` };
  if (found.state !== 'running') return { verdict: 'degraded', reason: 'exited', detail: `${name} is ${found.state}${exit}` };
  if (service.spec.healthcheck === null) return null;
  const health = checked?.status ?? found.health;
  const output = checked?.output ? `: ${checked.output.replace(/\s+/g, ' ').trim().slice(0, 200)}` : '';
  if (health === 'unhealthy') return { verdict: 'degraded', reason: 'unhealthy', detail: `${name} is unhealthy${output}` };
  if (health === 'healthy') return null;
  return { verdict: 'progressing', reason: 'starting', detail: `${name}'s health check has not passed yet${output}` };
}

/** One service's verdict (see `verdict`): the worst of its containers', a hold by the restart policy counting as degraded. */
function judgeService(service: DesiredService, byName: ReadonlyMap<string, ObservedContainer>, evidence: HealthEvidence, stopped: boolean): ServiceVerdict {
  const findings: Finding[] = [];
  for (const name of service.containerNames) {
    const finding = judgeContainer(service, name, byName.get(name), evidence.containers?.[name], stopped);
    if (finding !== null) findings.push(finding);
  }
  const hold = evidence.holds?.[service.name];
  if (hold !== undefined) findings.push({ verdict: 'degraded', reason: hold.reason, detail: `${service.name} is ${hold.reason === 'crash-looping' ? 'crash-looping (restarts stopped)' : 'held by the restart policy'}${hold.detail === '' ? '' : `: ${hold.detail}`}` });
  if (findings.length === 0) return { service: service.name, verdict: 'converged', reason: null, detail: '' };
  // The worst finding names the reason; a crash-loop outranks the unhealthy check that caused it.
  const worst = findings.reduce((a, b) => (RANK[b.verdict] > RANK[a.verdict] || (RANK[b.verdict] === RANK[a.verdict] && b.reason === 'crash-looping') ? b : a));
  return { service: service.name, verdict: worst.verdict, reason: worst.reason, detail: findings.filter((f) => f.verdict === worst.verdict).map((f) => f.detail).join('; ') };
}

/** Every desired service's verdict and the environment's (the worst of them). */
export function verdict(desired: DesiredState, observed: ObservedState, evidence: HealthEvidence = {}): EnvironmentVerdict {
  const byName = new Map(observed.containers.map((c) => [c.name, c]));
  const stopped = observed.stoppedServices ?? {};
  const services = desired.services.map((service) => judgeService(service, byName, evidence, stopped[service.name] !== undefined));
  return { verdict: worstVerdict(services.map((s) => s.verdict)), services };
}
