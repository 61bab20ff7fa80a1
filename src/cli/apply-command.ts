import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execute, systemClock } from '../apply/execute.js';
import type { ExecutionReport } from '../apply/execute.js';
import type { Action, Plan } from '../plan/actions.js';
import { PLAN_FORMAT_VERSION, resourceOf } from '../plan/actions.js';
import { observedFingerprint } from '../plan/fingerprint.js';
import { plan as makePlan } from '../plan/plan.js';
import { renderPlanText } from '../plan/render-text.js';
import { parseDurationMs } from '../manifest/units.js';
import type { EnvironmentOptions } from './environment-loading.js';
import { withEnvironmentLock } from './environment-locking.js';
import type { LockFlags } from './lock-flags.js';
import type { DesiredState } from '../model/desired.js';
import { planOptionsFrom } from './planning-flags.js';
import type { PlanningFlags } from './planning-flags.js';
import type { CliIo } from './io.js';
import { EXIT, useColour } from './io.js';
import { loadReviewedState, observeLiveState, reportFailure } from './live-plan.js';
import type { SecurityReview } from '../manifest/load.js';
import { loadOrCreatePlanKey, verifyPlanSignature } from '../security/plan-signature.js';
import { checkSavedPlan } from '../security/saved-plan-check.js';
import type { SavedPlanRefusal } from '../security/saved-plan-check.js';
import { CommandAudit } from './security-audit.js';
import { redactingIo, secretRedactorFor } from './secret-redaction.js';
import type { LiveState } from './live-plan.js';
import { connectPodman, secretReader } from './podman-wiring.js';
import { cachedSecretReader, firstUndecryptableSecret } from './secret-preflight.js';
import type { PodmanConnection } from './podman-wiring.js';
import { progressPrinter, renderApplySummary } from './progress.js';
import { resolveStateDir } from '../state/digest-key.js';
import { recordPullTime } from '../state/pull-record.js';
import { observeWithPulls } from './live-plan.js';
import { waitForRollout } from './rollout-wait.js';
import { rolloutPolicy } from '../manifest/policy.js';
import type { PlanOptions } from '../plan/plan.js';
import { ExecutionErrors, cliUser, recordIfNew, recordRevision, verdictAfter } from './revision-recording.js';

export interface ApplyOptions extends EnvironmentOptions, PlanningFlags, LockFlags {
  readonly env: string;
  readonly plan?: string;
  readonly yes?: boolean;
  readonly concurrency?: string;
  readonly waitTimeout?: string;
  /** Wait for the touched services to become healthy (rollout-wait.ts). */
  readonly wait?: boolean;
  readonly json?: boolean;
}

/**
 * Destructive steps need a person's yes: removing anything, and recreating a container that
 * mounts a named volume (its data stays, but the service restarts on it).
 */
export function destructiveSteps(plan: Plan): Action[] {
  return plan.actions.filter((a) => a.kind.endsWith('.remove') || (a.kind === 'container.recreate' && a.container.spec.mounts.some((m) => m.type === 'volume')));
}

/**
 * Reads a saved plan and checks its signature (plan-signature.ts); what is wrong otherwise, as
 * a line to print (with its code when the signature does not hold).
 */
function readSavedPlan(file: string, io: CliIo, stateDir: string | undefined): Plan | string | SavedPlanRefusal {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path.resolve(io.cwd, file), 'utf8'));
  } catch (error) {
    return `cannot read the saved plan ${file}: ${(error as Error).message}`;
  }
  const candidate = parsed as Partial<Plan> | null;
  if (candidate === null || typeof candidate !== 'object' || candidate.formatVersion !== PLAN_FORMAT_VERSION || !Array.isArray(candidate.actions) || typeof candidate.observedFingerprint !== 'string') {
    return `${file} is not a Phoenix plan of format version ${PLAN_FORMAT_VERSION}; make it with phoenix plan --out.`;
  }
  const verified = verifyPlanSignature(candidate as Record<string, unknown>, loadOrCreatePlanKey(resolveStateDir(stateDir, io.env)));
  if (!verified.ok) {
    return verified.problem === 'unsigned'
      ? { code: 'PHX-PLAN-UNSIGNED', message: `${file} carries no signature.`, remediation: 'Make it with phoenix plan --out (which signs it with the key in the state directory).' }
      : { code: 'PHX-PLAN-SIGNATURE-INVALID', message: `the signature of ${file} does not match its content (it was edited, or signed with another state directory's key).`, remediation: 'Make the plan again with phoenix plan --out.' };
  }
  return verified.plan;
}

/** Runs a plan with progress lines (or JSON) and returns the exit code. Shared by apply, down and restart. */
export async function runPlanWithProgress(
  plan: Plan,
  podman: PodmanConnection,
  io: CliIo,
  options: { concurrency?: string; waitTimeout?: string; json?: boolean; stateDir?: string; onReport?: (report: ExecutionReport) => void },
  /** With --json: takes the result object instead of printing it (apply prints one object for both of its rounds). */
  jsonSink?: (result: Record<string, unknown>) => void,
): Promise<number> {
  const concurrency = options.concurrency === undefined ? undefined : Number(options.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
    io.stderr('phoenix: --concurrency takes a whole number of at least 1.\n');
    return EXIT.failure;
  }
  const waitTimeoutMs = options.waitTimeout === undefined ? undefined : parseDurationMs(options.waitTimeout);
  if (waitTimeoutMs === null) {
    io.stderr('phoenix: --wait-timeout takes a duration such as 90s or 2m.\n');
    return EXIT.failure;
  }
  const readSecret = cachedSecretReader(secretReader(io));
  const undecryptable = await firstUndecryptableSecret(plan, readSecret);
  if (undecryptable !== null) {
    reportFailure(io, undecryptable);
    return EXIT.failure;
  }
  const print = options.json === true ? () => undefined : progressPrinter(plan, io.stdout, useColour(io));
  let report: ExecutionReport;
  try {
    report = await execute(
      plan,
      { podman: podman.client, readSecret, sleep: systemClock.sleep, now: systemClock.now, onEvent: print, recordPull: pullRecorder(options.stateDir, io) },
      {
        ...(concurrency === undefined ? {} : { concurrency }),
        ...(waitTimeoutMs === undefined ? {} : { waitTimeoutMs }),
        pollIntervalMs: 250,
        ...(io.signal === undefined ? {} : { signal: io.signal }),
      },
    );
  } catch (error) {
    reportFailure(io, error);
    return EXIT.failure;
  }
  options.onReport?.(report);
  const result = { project: plan.project, environment: plan.environment, summary: plan.summary, report };
  if (options.json === true && jsonSink !== undefined) jsonSink(result);
  else if (options.json === true) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else io.stdout(renderApplySummary(plan, report));
  return report.ok ? EXIT.ok : EXIT.failure;
}

/** Keeps the time of each pull in the state directory, for periodic pull policies; never fails a run. */
function pullRecorder(stateDir: string | undefined, io: CliIo): (image: string) => void {
  const dir = resolveStateDir(stateDir, io.env);
  return (image) => {
    try {
      recordPullTime(dir, image, Date.now());
    } catch (error) {
      io.stderr(`phoenix: warning: could not record the pull of ${image} in ${dir}: ${(error as Error).message}\n`);
    }
  };
}

/** Asks for (or insists on) confirmation of destructive steps; true when the run may go on. */
export async function confirmDestructive(plan: Plan, io: CliIo, yes: boolean): Promise<boolean> {
  const destructive = destructiveSteps(plan);
  if (destructive.length === 0 || yes) return true;
  const list = destructive.map((a) => `  ${a.kind} ${resourceOf(a).name}`).join('\n');
  if (!io.interactive) {
    io.stderr(`phoenix: the plan has destructive steps:\n${list}\nRun again with --yes to carry them out (nothing was changed).\n`);
    return false;
  }
  const confirmed = await io.confirm(`The plan has destructive steps:\n${list}\nCarry them out?`);
  if (!confirmed) io.stderr('phoenix: not confirmed; nothing was changed.\n');
  return confirmed;
}

/** `phoenix apply`: plan against live Podman (or take a saved plan) and carry it out. */
export async function runApply(options: ApplyOptions, io: CliIo): Promise<number> {
  const audit = new CommandAudit(options, io, options.env);
  const loaded = loadReviewedState(options.env, options, io, 'required', audit.reviewed);
  await audit.flush();
  if (loaded === null) return EXIT.failure;
  const { desired, security } = loaded;
  // From here on everything apply prints is redacted against the environment's secret values.
  io = redactingIo(io, await secretRedactorFor(desired, io));
  return withEnvironmentLock(desired, { command: 'apply', handOff: watchCanDo(options), ...(options.json === undefined ? {} : { json: options.json }) }, options, io, () => applyLocked(desired, security, options, io, audit));
}

/**
 * Whether a watching process can do what this apply asks: it reconciles with its policy and its
 * own --profile flags, so not with a saved plan, flags that change what the plan may do, or
 * profiles (an apply asking for others must not be answered with watch's).
 */
export function watchCanDo(options: ApplyOptions): boolean {
  // --wait watches the rollout itself: a watching process would apply and not wait.
  return options.wait !== true && options.plan === undefined && options.prune === undefined && options.adopt !== true && options.removeVolumes !== true && (options.profile ?? []).length === 0;
}

/** The apply itself, holding the environment's lock: observe, plan (or take the saved plan), carry it out. */
async function applyLocked(desired: DesiredState, security: SecurityReview, options: ApplyOptions, io: CliIo, audit: CommandAudit): Promise<number> {
  const podman = connectPodman(options, io);
  const live = await observeLiveState(desired, options, io, podman);
  if (live === null) return EXIT.failure;
  let plan: Plan;
  if (options.plan !== undefined) {
    const saved = readSavedPlan(options.plan, io, options.stateDir);
    if (typeof saved === 'string') {
      io.stderr(`phoenix: ${saved}\n`);
      return EXIT.failure;
    }
    const refuse = async (refusals: readonly SavedPlanRefusal[]): Promise<number> => {
      for (const refusal of refusals) io.stderr(`error ${refusal.code}: ${refusal.message}\n  ${refusal.remediation}\n`);
      io.stderr(`phoenix: refusing the whole plan ${options.plan}; nothing was changed.\n`);
      audit.refusedPlan(live.desired.project, options.plan!, refusals);
      await audit.flush();
      return EXIT.failure;
    };
    if ('code' in saved) return refuse([saved]);
    if (saved.project !== live.desired.project || saved.environment !== live.desired.environment) {
      io.stderr(`phoenix: ${options.plan} is a plan for ${saved.project}/${saved.environment}, not ${live.desired.project}/${live.desired.environment}.\n`);
      return EXIT.failure;
    }
    if (saved.observedFingerprint !== observedFingerprint(live.desired, live.observed)) {
      io.stderr(`phoenix: Podman changed since ${options.plan} was made; refusing to apply a stale plan. Make a new one with phoenix plan --out.\n`);
      return EXIT.failure;
    }
    const refusals = checkSavedPlan(saved, live.desired, live.observed, security.context);
    if (refusals.length > 0) return refuse(refusals);
    plan = saved;
  } else {
    const result = makePlan(live.desired, live.observed, planOptionsFrom(options, io.env));
    if (!result.ok) {
      for (const issue of result.issues) io.stderr(`error ${issue.code} ${issue.message} ${issue.remediation}\n`);
      return EXIT.failure;
    }
    plan = result.value;
  }
  if (plan.actions.length === 0) {
    recordIfNew(live.desired, plan, live.observed, { kind: 'apply', user: cliUser(io) }, options, io);
    if (options.json === true) io.stdout(`${JSON.stringify({ project: plan.project, environment: plan.environment, summary: plan.summary, report: null }, null, 2)}\n`);
    // Fix: with warnings (objects kept because prune is off, say) Podman does not match the
    // manifests; print the report with its warnings instead of claiming it matches.
    else if (plan.warnings.length > 0) io.stdout(renderPlanText(plan));
    else io.stdout(`No changes: ${plan.project}/${plan.environment} matches the manifests.\n`);
    return EXIT.ok;
  }
  if (options.json !== true) io.stdout(renderPlanText(plan));
  if (!(await confirmDestructive(plan, io, options.yes === true))) return EXIT.failure;
  // Checked before anything runs: a bad duration must change nothing.
  const waitTimeoutMs = options.waitTimeout === undefined ? undefined : parseDurationMs(options.waitTimeout);
  if (waitTimeoutMs === null) {
    io.stderr('phoenix: --wait-timeout takes a duration such as 90s or 2m.\n');
    return EXIT.failure;
  }
  const started = new Date();
  const errors = new ExecutionErrors();
  const run = await carryOut(live.desired, plan, podman, io, { ...options, onReport: errors.onReport }, planOptionsFrom(options, io.env), options.plan === undefined);
  // policy.rollout.auto_rollback judges every apply's rollout, so it waits as --wait does.
  const rollout = rolloutPolicy(live.desired.policy);
  const waited = run.code === EXIT.ok && (options.wait === true || rollout.autoRollback) ? await waitForRollout(live.desired, run.plans, waitTimeoutMs ?? live.desired.policy.rollout?.timeoutMs, podman, io, live.observed.stoppedServices) : null;
  const code = waited?.code ?? run.code;
  const revision = errors.ran
    ? recordRevision(
        { desired: live.desired, plans: run.plans, trigger: { kind: 'apply', user: cliUser(io) }, at: started, error: errors.errorFor(run.code), verdict: await verdictAfter(live.desired, waited?.failures ?? null, podman, options, io) },
        options,
        io,
      )
    : null;
  // An interrupted apply is not rolled back: the person who stopped it decides what comes next.
  if (code === EXIT.ok || !rollout.autoRollback || revision === null || io.signal?.aborted === true) return code;
  return (await import('./rollback-flow.js')).autoRollBack(revision, podman, options, io);
}

/** What carrying out a plan came to: the exit code, and every plan that ran (the first, and the one after its pulls). */
export interface CarriedOut {
  readonly code: number;
  readonly plans: readonly Plan[];
}

/**
 * Runs a plan with progress, and when it pulled images (and `afterPulls`), the second round
 * their new image ids call for. Shared by apply and rollback.
 */
export async function carryOut(
  desired: DesiredState,
  plan: Plan,
  podman: PodmanConnection,
  io: CliIo,
  options: ApplyOptions & { onReport?: (report: ExecutionReport) => void },
  planOptions: PlanOptions,
  afterPulls: boolean,
): Promise<CarriedOut> {
  const plans: Plan[] = [plan];
  const pulled = plan.actions.flatMap((a) => (a.kind === 'image.pull' ? [a.image] : []));
  if (pulled.length === 0 || !afterPulls) return { code: await runPlanWithProgress(plan, podman, io, options), plans };
  // With --json, both rounds make one object: the first round's, with the second under `afterPulls`.
  let first: Record<string, unknown> | null = null;
  let second: Record<string, unknown> | null = null;
  const exitCode = await runPlanWithProgress(plan, podman, io, options, (result) => (first = result));
  const finalCode = exitCode === EXIT.ok ? await applyAfterPulls(desired, pulled, podman, io, options, planOptions, (result) => (second = result), plans) : exitCode;
  if (options.json === true && first !== null) io.stdout(`${JSON.stringify({ ...(first as Record<string, unknown>), afterPulls: second }, null, 2)}\n`);
  return { code: finalCode, plans };
}

/**
 * A pull may move a tag: what runs on the old image is known only once the pull is done. So
 * after pulls, apply observes again and carries out what the new images call for (recreating
 * the containers whose image differs from the tag's), without pulling the same images again.
 */
async function applyAfterPulls(
  desired: LiveState['desired'],
  pulled: readonly string[],
  podman: PodmanConnection,
  io: CliIo,
  options: ApplyOptions & { onReport?: (report: ExecutionReport) => void },
  planOptions: PlanOptions,
  jsonSink: (result: Record<string, unknown>) => void,
  /** Told of the second plan, so that --wait waits for what it touched too. */
  plans: Plan[],
): Promise<number> {
  let observed;
  try {
    observed = await observeWithPulls(desired, options, io, podman);
  } catch (error) {
    reportFailure(io, error);
    return EXIT.failure;
  }
  const result = makePlan(desired, observed, { ...planOptions, pulled });
  if (!result.ok) {
    for (const issue of result.issues) io.stderr(`error ${issue.code} ${issue.message} ${issue.remediation}\n`);
    return EXIT.failure;
  }
  if (result.value.actions.length === 0) return EXIT.ok;
  plans.push(result.value);
  if (options.json !== true) io.stdout(`\nAfter the pulls:\n${renderPlanText(result.value)}`);
  if (!(await confirmDestructive(result.value, io, options.yes === true))) return EXIT.failure;
  return runPlanWithProgress(result.value, podman, io, options, jsonSink);
}
