import { randomUUID } from 'node:crypto';
import { makeEvent } from '../events/event-bus.js';
import type { SecurityFindingData, PhoenixEvent } from '../events/event-types.js';
import type { PolicyFinding } from './spec-policy.js';

/** The event data of a finding: its code, what asks, the key and the value, never prose with secrets. */
export function findingData(finding: PolicyFinding): SecurityFindingData {
  return { code: finding.code, target: `${finding.subject.kind} ${finding.subject.name}`, key: finding.key, value: finding.value };
}

/** Where security events of one environment come from. */
export interface SecurityOrigin {
  readonly project: string;
  readonly environment: string;
  readonly correlationId?: string;
}

/**
 * The security events of a policy review: `security.denied` for each denied finding (from
 * validation or a saved plan's re-check), `security.granted` for each elevated setting the
 * policy allowed. The service, when there is one, is the event's subject.
 */
export function securityEvents(origin: SecurityOrigin, findings: readonly PolicyFinding[], denialOrigin: 'validation' | 'saved-plan', time: Date): PhoenixEvent[] {
  return findings.map((finding) => {
    const where = { ...origin, ...(finding.subject.kind === 'service' ? { service: finding.subject.name } : {}) };
    return finding.allowed
      ? makeEvent('security.granted', where, { ...findingData(finding), grantedBy: finding.grantedBy }, randomUUID(), time)
      : makeEvent('security.denied', where, { ...findingData(finding), origin: denialOrigin, message: finding.message }, randomUUID(), time);
  });
}
