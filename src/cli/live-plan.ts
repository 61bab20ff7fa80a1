import { ExecutionError } from '../apply/execution-error.js';
import type { DesiredState } from '../model/desired.js';
import { SecretDecryptError } from '../secrets/decrypt.js';
import { formatIssue } from '../model/issue.js';
import type { ObservedState } from '../model/observed.js';
import { isPodmanError } from '../podman/podman-error.js';
import { loadFromDisk } from './environment-loading.js';
import type { EnvironmentOptions, SecretValues } from './environment-loading.js';
import { takeObservedSecretVersions } from '../plan/secret-versions.js';
import type { UnknownSecretVersion } from '../plan/secret-versions.js';
import type { SecurityReview } from '../manifest/load.js';
import type { PolicyFinding } from '../security/spec-policy.js';
import type { CliIo } from './io.js';
import type { PodmanConnection } from './podman-wiring.js';
import { resolveStateDir } from '../state/digest-key.js';
import { readPullTimes } from '../state/pull-record.js';
import { readStoppedServices } from '../state/stopped-services.js';

/** The environment as the manifests want it and as Podman runs it, or null after reporting why not. */
export interface LiveState {
  readonly desired: DesiredState;
  readonly observed: ObservedState;
  /** Secrets whose value this command could not read and the version each was taken as (see SecretValues 'if-available'); absent when none. */
  readonly unknownSecrets?: readonly UnknownSecretVersion[];
}

/** Prints a Podman or other failure with its code and remediation. */
export function reportFailure(io: CliIo, error: unknown): void {
  if (isPodmanError(error) || error instanceof SecretDecryptError || error instanceof ExecutionError) io.stderr(`error ${error.code}: ${error.message}\n  ${error.remediation}\n`);
  else io.stderr(`phoenix: ${(error as Error).message}\n`);
}

/**
 * One Podman snapshot of the environment's objects and images, with when Phoenix last pulled
 * each image and which services an operator stopped with `phoenix stop` (both from the state directory).
 */
export async function observeWithPulls(desired: DesiredState, options: EnvironmentOptions, io: CliIo, podman: PodmanConnection, restartCounts = false): Promise<ObservedState> {
  const refs = [...new Set(desired.services.map((s) => s.spec.image))];
  const observed = await podman.client.observe(desired.project, refs, { ...(io.signal === undefined ? {} : { signal: io.signal }), ...(restartCounts ? { restartCounts } : {}) });
  const stateDir = resolveStateDir(options.stateDir, io.env);
  const stopped = readStoppedServices(stateDir, desired.project, desired.environment);
  return { ...observed, imagePulledAt: readPullTimes(stateDir), ...(Object.keys(stopped).length === 0 ? {} : { stoppedServices: stopped }) };
}

/**
 * Loads the environment without touching Podman, reading secret values as `secretValues` says
 * (every one must be readable by default; read-only and removal commands pass 'if-available').
 * Reports problems itself and returns null when the command cannot go on.
 */
export function loadDesiredState(name: string, options: EnvironmentOptions, io: CliIo, secretValues: SecretValues = 'required'): DesiredState | null {
  return loadReviewedState(name, options, io, secretValues)?.desired ?? null;
}

/** {@link loadDesiredState}, with what the security policy made of it (its context and the settings it granted). */
export function loadReviewedState(
  name: string,
  options: EnvironmentOptions,
  io: CliIo,
  secretValues: SecretValues = 'required',
  /** Told of the policy's findings (denied or granted) and the project, for the audit log. */
  reviewed?: (project: string, findings: readonly PolicyFinding[]) => void,
): { readonly desired: DesiredState; readonly security: SecurityReview } | null {
  const loaded = loadFromDisk(name, options, io, secretValues);
  if (!loaded.ok && loaded.policyDenied !== undefined) reviewed?.(loaded.policyDenied.project, loaded.policyDenied.findings);
  if (loaded.ok) reviewed?.(loaded.desired.project, loaded.security.granted);
  if (!loaded.ok) {
    for (const issue of loaded.issues) io.stderr(`${formatIssue(issue)}\n`);
    io.stderr(`phoenix: environment ${name} is not valid; nothing was done.\n`);
    return null;
  }
  for (const warning of loaded.warnings) io.stderr(`${formatIssue(warning)}\n`);
  return { desired: loaded.desired, security: loaded.security };
}

/**
 * Takes one Podman snapshot for a loaded environment (with Podman's restart counts when asked);
 * a secret whose value was not read (`valueUnknown`) is taken as the version Podman runs.
 * Reports a failure itself and returns null.
 */
export async function observeLiveState(desired: DesiredState, options: EnvironmentOptions, io: CliIo, podman: PodmanConnection, restartCounts = false): Promise<LiveState | null> {
  try {
    const observed = await observeWithPulls(desired, options, io, podman, restartCounts);
    const taken = takeObservedSecretVersions(desired, observed);
    return { desired: taken.desired, observed, ...(taken.unknown.length === 0 ? {} : { unknownSecrets: taken.unknown }) };
  } catch (error) {
    reportFailure(io, error);
    return null;
  }
}

/**
 * Loads the environment (every secret readable unless `secretValues` says otherwise) and takes
 * one Podman snapshot. Reports problems itself and returns null when the command cannot go on.
 */
export async function loadLiveState(name: string, options: EnvironmentOptions, io: CliIo, podman: PodmanConnection, restartCounts = false, secretValues: SecretValues = 'required'): Promise<LiveState | null> {
  const desired = loadDesiredState(name, options, io, secretValues);
  return desired === null ? null : observeLiveState(desired, options, io, podman, restartCounts);
}
