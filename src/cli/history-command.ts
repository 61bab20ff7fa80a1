import { describeTrigger } from '../history/revision.js';
import type { Revision } from '../history/revision.js';
import type { EnvironmentOptions } from './environment-loading.js';
import { historyTarget } from './history-target.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { readHistory } from './revision-recording.js';

export interface HistoryOptions extends EnvironmentOptions {
  readonly env: string;
  readonly json?: boolean;
}

/** `2026-12-04 21:40:12` (UTC): sortable and short. */
function when(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

function resultOf(revision: Revision): string {
  if (revision.result.status === 'succeeded') return 'succeeded';
  return `failed ${revision.result.error?.code ?? ''}`.trimEnd();
}

function verdictOf(revision: Revision): string {
  if (revision.verdict === null) return 'pending';
  const rolledBack = revision.rolledBack === undefined ? '' : `, rolled back by ${revision.rolledBack.by}`;
  return `${revision.verdict.verdict}${revision.verdict.waited ? '' : ' (not waited)'}${rolledBack}`;
}

/** The table: one row a revision, oldest first (the newest, the one in force, last). */
export function renderHistoryTable(revisions: readonly Revision[]): string {
  const rows = [['SEQ', 'WHEN (UTC)', 'TRIGGER', 'SUMMARY', 'RESULT', 'VERDICT']];
  for (const r of revisions) rows.push([String(r.seq), when(r.at), describeTrigger(r.trigger), `${r.plan.actions} action${r.plan.actions === 1 ? '' : 's'}${r.plan.services.length === 0 ? '' : ` (${r.plan.services.join(', ')})`}`, resultOf(r), verdictOf(r)]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return `${rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n`;
}

/**
 * `phoenix history`: the revisions of an environment. --json prints each revision without its
 * stored desired state (the services, images and secret versions it asked for are summed up
 * under `services`; the file in the state directory has the rest).
 */
export function runHistory(options: HistoryOptions, io: CliIo): number {
  const target = historyTarget(options.env, options, io);
  if (target === null) return EXIT.failure;
  const revisions = readHistory(target, options, io);
  if (revisions === null) return EXIT.failure;
  if (options.json === true) {
    const brief = revisions.map(({ desired, ...rest }) => ({
      ...rest,
      services: desired.services.map((s) => ({ name: s.name, image: s.spec.image, replicas: s.replicas, configHash: s.configHash })),
      secrets: desired.secrets.map((s) => ({ name: s.name, version: s.digest.slice(0, 12), ...(s.config === true ? { config: true } : {}) })),
    }));
    io.stdout(`${JSON.stringify({ project: target.project, environment: target.environment, revisions: brief }, null, 2)}\n`);
    return EXIT.ok;
  }
  if (revisions.length === 0) {
    io.stdout(`No revisions of ${target.project}/${target.environment} yet: every apply that changes something records one.\n`);
    return EXIT.ok;
  }
  io.stdout(renderHistoryTable(revisions));
  return EXIT.ok;
}
