/**
 * The JSON document `GET /status` of `phoenix watch` answers: everything the status page shows,
 * in one shape that a script, an editor extension and the page (src/page/, which imports these
 * types) all read. Types only, so that a browser bundle takes them without pulling in Node code.
 * docs/status-page.md describes every field; a change here is a change there.
 *
 * Cheap by construction: it is made from what watch already keeps (the last reconcile's
 * snapshot, the health monitor, the restart driver, the last plan, the newest revisions), so a
 * request costs no Podman call, whatever the number of containers.
 */

/** The version of this document's shape; bumped only when a field changes meaning or goes. */
export const STATUS_FORMAT_VERSION = 1;

/** plan/verdict.ts's verdicts, worst last. */
export type StatusVerdict = 'converged' | 'progressing' | 'degraded' | 'failed';

/** Why a service is not converged (plan/verdict.ts). */
export type StatusVerdictReason = 'missing' | 'drifted' | 'starting' | 'unhealthy' | 'crash-looping' | 'held' | 'exited' | 'dead';

/** The whole document. */
export interface StatusDocument {
  readonly formatVersion: typeof STATUS_FORMAT_VERSION;
  /** When this document was made (RFC 3339). */
  readonly generatedAt: string;
  /** Podman runs rootless (an unprivileged user) or rootful (root): ports below 1024, limits and volume owners differ. */
  readonly podman: 'rootless' | 'rootful';
  /** Watch's work queue: environments waiting, backing off after a failure, reconciling now. */
  readonly queue: { readonly queued: number; readonly backingOff: number; readonly running: number };
  /** Every watched environment, in the order given to `phoenix watch --env`. */
  readonly environments: readonly EnvironmentStatus[];
}

/** One watched environment. */
export interface EnvironmentStatus {
  readonly environment: string;
  /** The Compose project; null until the manifests first validated. */
  readonly project: string | null;
  /** The environment's verdict (the worst of its services'); null before the first reconcile observed Podman. */
  readonly verdict: StatusVerdict | null;
  /** The git commit applied (watch --git); null outside git mode. */
  readonly revision: string | null;
  /** The history of revisions (`phoenix history`): the newest one and the few before it. */
  readonly history: RevisionHistoryStatus;
  /** The last reconcile, whatever it did (most do nothing); null before the first finished. */
  readonly lastReconcile: LastReconcileStatus | null;
  /** The last plan that had actions: what changed (or was to change, when it failed), per service; null when none since watch started. */
  readonly lastPlan: LastPlanStatus | null;
  readonly services: readonly ServiceStatus[];
}

/** The newest revisions of an environment. */
export interface RevisionHistoryStatus {
  /** The newest revision's sequence number (what `phoenix history` lists last); null for an empty history. */
  readonly current: number | null;
  /** Up to ten revisions, newest first. */
  readonly recent: readonly RevisionStatus[];
  /** Why the history could not be read (a damaged file: PHX-HISTORY-CORRUPT); null when it could. */
  readonly error: string | null;
}

/** One revision, as `phoenix history` lists it. */
export interface RevisionStatus {
  readonly seq: number;
  /** When its apply started (RFC 3339). */
  readonly at: string;
  /** Who or what asked, in a few words: `watch: manifest changed: …`, `apply by alice`, `auto-rollback to 3 (4 failed)`. */
  readonly trigger: string;
  readonly triggerKind: 'apply' | 'watch' | 'git' | 'rollback' | 'auto-rollback';
  /** The git commit its desired state was read from; null outside git mode. */
  readonly gitRevision: string | null;
  /** How its actions went. */
  readonly result: 'succeeded' | 'failed';
  /** The first failure's code and sentence; null when it succeeded. */
  readonly error: { readonly code: string; readonly message: string } | null;
  /** Its rollout's health verdict; null while not judged. */
  readonly verdict: StatusVerdict | null;
  /** The plan's summary line. */
  readonly summary: string;
  readonly actions: number;
  /** The services its actions touched. */
  readonly services: readonly string[];
  /** Set when auto-rollback undid it: the revision that did, and the one it went back to. */
  readonly rolledBack: { readonly by: number; readonly to: number } | null;
}

/** The last reconcile. */
export interface LastReconcileStatus {
  /** When it finished (RFC 3339). */
  readonly at: string;
  /** Why it ran: `start`, `manifest changed: …`, `podman event: …`, `resync`, … (joined when several). */
  readonly trigger: string;
  readonly ok: boolean;
  /** The manifests did not validate; the last good version stayed in force. */
  readonly manifestInvalid: boolean;
  readonly durationMs: number;
  /** Actions its plan had (0: Podman already matched). */
  readonly actions: number;
  readonly error: { readonly code: string; readonly message: string; readonly remediation: string } | null;
}

/** The last plan with actions, as a field diff per service. */
export interface LastPlanStatus {
  /** When its reconcile finished (RFC 3339). */
  readonly at: string;
  readonly trigger: string;
  /** Whether every action succeeded. */
  readonly ok: boolean;
  /** `Plan: 1 to create, 1 to recreate, …`. */
  readonly summary: string;
  /** Per service touched, in the manifests' order. */
  readonly services: readonly ServicePlanStatus[];
  /** Actions on no one service: networks, volumes, secrets, image pulls. */
  readonly other: readonly PlanActionStatus[];
}

/** What a plan did to one service. */
export interface ServicePlanStatus {
  readonly service: string;
  readonly actions: readonly PlanActionStatus[];
  /** Per recreated container, the fields that changed, old → new (secrets by name only, values redacted). */
  readonly changes: readonly ContainerChangeStatus[];
}

/** One action of a plan. */
export interface PlanActionStatus {
  readonly id: number;
  /** `container.create`, `container.recreate`, `container.start`, `network.create`, … */
  readonly kind: string;
  /** The container, network, volume, secret or image it acts on. */
  readonly resource: string;
  /** Why, in the words of the dry-run report. */
  readonly cause: string;
}

/** The changed fields of one recreated container. */
export interface ContainerChangeStatus {
  readonly container: string;
  readonly fields: readonly FieldChangeStatus[];
}

/** One changed field (plan/change-notes.ts's ChangeNote). */
export interface FieldChangeStatus {
  /** Dotted spec path (`environment.LOG_LEVEL`, `ports[0]`), or `secrets` for a secret. */
  readonly field: string;
  readonly op: 'add' | 'remove' | 'replace';
  /** The old value, short, redacted; absent for an add or a secret. */
  readonly before?: string;
  /** The new value, short, redacted; absent for a remove or a secret. */
  readonly after?: string;
  /** The secret's name, for a secret mount that changed (never its value or digest). */
  readonly secret?: string;
}

/** One service: its verdict, containers, health, restarts and thresholds. */
export interface ServiceStatus {
  readonly service: string;
  readonly verdict: StatusVerdict;
  /** Null when converged. */
  readonly reason: StatusVerdictReason | null;
  /** One line for a person ('' when converged). */
  readonly detail: string;
  readonly desiredReplicas: number;
  readonly runningReplicas: number;
  /** When it was stopped with `phoenix stop` (RFC 3339); absent while it is not. */
  readonly stoppedSince?: string;
  readonly containers: readonly ContainerStatus[];
  /** What the health monitor knows of each container. */
  readonly health: readonly ContainerHealthStatus[];
  /** The restart policy's view of each container. */
  readonly restarts: readonly ContainerRestartStatus[];
  /** CPU/memory thresholds (policy.thresholds) of each container. */
  readonly thresholds: readonly ContainerThresholdStatus[];
}

/** One container of a service, as the last reconcile observed it (health freshened by watch's own checks). */
export interface ContainerStatus {
  readonly name: string;
  /** 1-based replica number. */
  readonly replica: number;
  /** Podman's state (`running`, `exited`, …), or `missing` when the container does not exist. */
  readonly state: string;
  readonly exitCode: number | null;
  readonly health: 'healthy' | 'unhealthy' | 'starting' | 'none';
  /** Its config hash matches the manifests. */
  readonly inSync: boolean;
  /** Podman's restarts of it plus Phoenix's within the restart policy's window. */
  readonly restarts: number;
  /** When it last started (RFC 3339, Podman's): its uptime; null when it never ran or is missing. */
  readonly startedAt: string | null;
  /** The git commit it was created from (watch --git); null otherwise. */
  readonly revision: string | null;
  /** The image reference it runs; null when missing. */
  readonly image: string | null;
  /** The ports it publishes on the host. */
  readonly ports: readonly PublishedPortStatus[];
}

/** A published port (what `podman ps` shows under PORTS). */
export interface PublishedPortStatus {
  /** Host address it is bound to, '' for all. */
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerPort: number;
  /** Consecutive ports from hostPort/containerPort (1 for one). */
  readonly range: number;
  readonly protocol: string;
}

/** The health monitor's knowledge of one container. */
export interface ContainerHealthStatus {
  readonly service: string;
  readonly container: string;
  readonly condition: 'unknown' | 'starting' | 'healthy' | 'unhealthy' | 'running' | 'not-running' | 'missing';
  readonly hasHealthCheck: boolean;
  /** The last check's output (redacted); null before the first since the container started. */
  readonly output: string | null;
  /** Failed checks in a row that counted (outside the start period). */
  readonly failingStreak: number;
  /** Epoch ms of the last check; null before the first. */
  readonly lastCheckAt: number | null;
  /** Epoch ms the monitor holds the container to have started; null while it does not run. */
  readonly startedAt: number | null;
  /** Podman's state while it does not run (`exited`, `created`, `missing`, ...). */
  readonly state: string | null;
  readonly exitCode: number | null;
  /** Why the last probe could not ask Podman at all; null when it could. */
  readonly probeError: string | null;
}

/** The restart policy's view of one container. */
export interface ContainerRestartStatus {
  readonly service: string;
  readonly container: string;
  readonly crashLooping: boolean;
  /** Restarts within the policy's window. */
  readonly restartsInWindow: number;
  /** Epoch ms of the next restart due; null when none waits. */
  readonly nextRestartAt: number | null;
  readonly lastError: string;
}

/** One threshold of one container. */
export interface ContainerThresholdStatus {
  readonly service: string;
  readonly container: string;
  readonly metric: 'cpu' | 'memory';
  readonly phase: 'ok' | 'rising' | 'alerting' | 'falling';
  readonly limit: number;
  /** CPU in percent of one core, memory in bytes; null before the first sample. */
  readonly value: number | null;
  readonly alertedAt: number | null;
}

/** The body of every refused `/api/*` request (4xx, 5xx): what went wrong and what to do. */
export interface ApiErrorDocument {
  readonly error: { readonly code: string; readonly message: string; readonly remediation: string };
}

/** `GET /api/logs?environment=E&service=S&tail=N`: the last lines of a service's containers, oldest first. */
export interface LogTailDocument {
  readonly environment: string;
  readonly service: string;
  /** Lines asked for (1–1000, default 200): the newest this many over all the service's containers. */
  readonly tail: number;
  /** The containers read (those that exist; a missing replica has no log). */
  readonly containers: readonly string[];
  readonly lines: readonly LogTailLine[];
  /** Lines were left out: longer than 2,000 characters (cut, ending in …) or past 1 MiB in all (the oldest dropped). */
  readonly truncated: boolean;
}

/** One log line, redacted with the environment's secret values. */
export interface LogTailLine {
  readonly container: string;
  readonly stream: 'stdout' | 'stderr';
  /** When Podman logged it (RFC 3339, Podman's precision). */
  readonly time: string;
  readonly text: string;
}

/** `POST /api/restart` with `{"environment": E, "service": S}`: how the restart went (200 when ok, 502 when an action failed). */
export interface RestartAnswerDocument {
  readonly environment: string;
  readonly service: string;
  /** The id of the `service.restart-requested` event that recorded the request. */
  readonly requestId: string;
  readonly ok: boolean;
  /** Containers stopped and started (0: none of the service existed). */
  readonly actions: number;
  readonly durationMs: number;
  readonly error: { readonly code: string; readonly message: string; readonly remediation: string } | null;
}
