import type { ValidationIssue } from './phoenix-run.js';

/**
 * What stops Phoenix from planning a file, one line per distinct reason: the issue's code and
 * the key it is about (the last key of its path, without list indexes), e.g.
 * `PHX-UNKNOWN-KEY shm_size` (`service` for an issue about a whole service). Sorted and without repeats, so that forty services refused for one
 * key make one line.
 */
export function refusalsOf(errors: readonly ValidationIssue[]): string[] {
  const lines = errors.map((issue) => {
    const keys = issue.path.replace(/\[\d+\]/g, '').split('.').filter((k) => k !== '');
    // `services.web` is about a whole service (e.g. PHX-NO-IMAGE): which one does not matter here.
    const key = keys.length === 2 && keys[0] === 'services' ? 'service' : (keys.at(-1) ?? '(file)');
    return `${issue.code} ${key}`;
  });
  return [...new Set(lines)].sort();
}
