/**
 * A value or the problems that prevented it. Validation and planning return this instead of
 * throwing, so that every problem can be reported at once (changesets' config parser does the same).
 */
export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly E[] };

/** Wraps a value as a successful result. */
export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

/** Wraps problems as a failed result. */
export function fail<E>(issues: readonly E[]): { readonly ok: false; readonly issues: readonly E[] } {
  return { ok: false, issues };
}
