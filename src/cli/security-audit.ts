import { randomUUID } from 'node:crypto';
import { makeEvent } from '../events/event-bus.js';
import type { PhoenixEvent } from '../events/event-types.js';
import { appendAuditEvents } from '../security/audit-log.js';
import type { SavedPlanRefusal } from '../security/saved-plan-check.js';
import { findingData, securityEvents } from '../security/security-events.js';
import type { PolicyFinding } from '../security/spec-policy.js';
import { resolveStateDir } from '../state/digest-key.js';
import type { EnvironmentOptions } from './environment-loading.js';
import type { CliIo } from './io.js';

/** Collects what a command's load and checks found, then writes it to the audit log once. */
export class CommandAudit {
  private readonly events: PhoenixEvent[] = [];

  constructor(
    private readonly options: EnvironmentOptions,
    private readonly io: CliIo,
    private readonly environment: string,
  ) {}

  /** The load's policy findings: denials and elevated grants. */
  readonly reviewed = (project: string, findings: readonly PolicyFinding[]): void => {
    this.events.push(...securityEvents({ project, environment: this.environment }, findings, 'validation', new Date()));
  };

  /** A saved plan refused as a whole: each reason a `security.denied` of origin saved-plan. */
  refusedPlan(project: string, file: string, refusals: readonly SavedPlanRefusal[]): void {
    for (const refusal of refusals) {
      const data = refusal.finding === undefined ? { code: refusal.code, target: `plan ${file}`, key: 'plan', value: '' } : { ...findingData(refusal.finding), code: `${refusal.code} ${refusal.finding.code}` };
      this.events.push(makeEvent('security.denied', { project, environment: this.environment }, { ...data, origin: 'saved-plan', message: refusal.message }, randomUUID(), new Date()));
    }
  }

  /** Writes what was collected; a failure to write is a warning, never the command's failure. */
  async flush(): Promise<void> {
    const events = this.events.splice(0);
    const stateDir = resolveStateDir(this.options.stateDir, this.io.env);
    try {
      await appendAuditEvents(stateDir, events);
    } catch (error) {
      this.io.stderr(`phoenix: warning: could not write the audit log in ${stateDir}: ${(error as Error).message}\n`);
    }
  }
}
