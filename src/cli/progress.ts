import type { ExecutionEvent } from '../apply/events.js';
import type { ExecutionReport } from '../apply/report.js';
import type { Action, Plan } from '../plan/actions.js';
import { resourceOf } from '../plan/actions.js';
import { VERB } from '../plan/render-text.js';

const COLOURS = { green: '\u001b[32m', red: '\u001b[31m', yellow: '\u001b[33m', dim: '\u001b[2m', reset: '\u001b[0m' } as const;

/** `1.2 s`, `340 ms`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function describe(action: Action): string {
  const resource = resourceOf(action);
  return `${VERB[action.kind]} ${resource.type} ${resource.name}`;
}

/**
 * Turns executor events into one line per action as it starts and as it ends (with its
 * duration and a progress count), in colour only when asked.
 */
export function progressPrinter(plan: Plan, write: (line: string) => void, colour: boolean): (event: ExecutionEvent) => void {
  const total = plan.actions.length;
  let done = 0;
  const paint = (name: keyof typeof COLOURS, text: string): string => (colour ? `${COLOURS[name]}${text}${COLOURS.reset}` : text);
  const counter = (): string => `[${String(done).padStart(String(total).length)}/${total}]`;
  return (event) => {
    switch (event.type) {
      case 'action.started':
        write(`${paint('dim', counter())} ${describe(event.action)} ...\n`);
        break;
      case 'action.succeeded':
        done += 1;
        write(`${counter()} ${paint('green', 'ok')} ${describe(event.action)} (${formatDuration(event.durationMs)})\n`);
        break;
      case 'action.failed':
        done += 1;
        write(`${counter()} ${paint('red', 'FAILED')} ${describe(event.action)} (${formatDuration(event.durationMs)}): ${event.error.code} ${event.error.message} ${event.error.remediation}\n`);
        break;
      case 'action.skipped':
        done += 1;
        write(`${counter()} ${paint('yellow', 'skipped')} ${describe(event.action)}: ${event.reason}\n`);
        break;
      case 'action.cancelled':
        done += 1;
        write(`${counter()} ${paint('yellow', 'cancelled')} ${describe(event.action)}: ${event.reason}\n`);
        break;
      case 'action.progress':
        // Builds and pulls run side by side: each line says whose it is.
        write(`${paint('dim', `  | ${resourceOf(event.action).name}: ${event.line}`)}\n`);
        break;
      case 'wait.waiting':
        write(`${paint('dim', counter())} ${describe(event.action)}: waiting for ${event.service} (${event.condition})\n`);
        break;
      case 'wait.warning':
        write(`${counter()} ${paint('yellow', 'warning')} ${event.service} did not meet ${event.condition} (${event.error.message}); starting anyway (required: false)\n`);
        break;
    }
  };
}

/** `3 created, 1 recreated, 2 started, 0 stopped, 1 removed, 4.2 s` plus what failed and why. */
export function renderApplySummary(plan: Plan, report: ExecutionReport): string {
  const succeeded = (suffix: string): number =>
    report.actions.filter((outcome) => outcome.status === 'succeeded' && outcome.kind.endsWith(suffix)).length;
  const images = `${succeeded('.build') > 0 ? `${succeeded('.build')} built, ` : ''}${succeeded('.pull') > 0 ? `${succeeded('.pull')} pulled, ` : ''}`;
  const lines = [
    `${images}${succeeded('.create')} created, ${succeeded('.recreate')} recreated, ${succeeded('.start')} started, ${succeeded('.stop')} stopped, ${succeeded('.remove')} removed, ${formatDuration(report.durationMs)}`,
  ];
  const failed = report.actions.filter((o) => o.status !== 'succeeded');
  if (failed.length > 0) {
    lines.push(`${report.counts.failed} failed, ${report.counts.skipped} skipped, ${report.counts.cancelled} cancelled:`);
    for (const outcome of failed) {
      const action = plan.actions.find((a) => a.id === outcome.id);
      if (action === undefined) continue;
      const why = outcome.error === undefined ? (outcome.reason ?? '') : `${outcome.error.code} ${outcome.error.message} ${outcome.error.remediation}`;
      lines.push(`  #${outcome.id} ${describe(action)}: ${outcome.status}: ${why}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
