/** One line of `phoenix doctor`: what was checked, how it went, and what to do about it. */

/** ok: fine; warn: works, with a limit worth knowing; fail: blocks Phoenix (doctor exits non-zero). */
export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One check's verdict. */
export interface DoctorCheck {
  /** Stable id, e.g. `rootless.subids`. */
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  /** What was found, for a person. */
  readonly detail: string;
  /** What to do; present on every warn and fail. */
  readonly remedy?: string;
}

/** A check that passed. */
export function ok(id: string, title: string, detail: string): DoctorCheck {
  return { id, title, status: 'ok', detail };
}

/** A check that found a limit or a problem, with its remedy. */
export function problem(status: 'warn' | 'fail', id: string, title: string, detail: string, remedy: string): DoctorCheck {
  return { id, title, status, detail, remedy };
}

/** Doctor's verdict: fail when any check failed. */
export function doctorFailed(checks: readonly DoctorCheck[]): boolean {
  return checks.some((check) => check.status === 'fail');
}
