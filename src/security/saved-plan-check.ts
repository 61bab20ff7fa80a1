import type { DesiredState } from '../model/desired.js';
import { COMPOSE_LABEL, LABEL } from '../model/desired.js';
import { canonicalJson, digestOf } from '../model/hash.js';
import type { ObservedState } from '../model/observed.js';
import type { Action, ContainerIntent, Plan } from '../plan/actions.js';
import type { PolicyContext, PolicyFinding } from './spec-policy.js';
import { buildPolicyFindings, containerPolicyFindings, secretPolicyFindings, volumePolicyFindings } from './spec-policy.js';

/** Why `apply --plan` refuses a saved plan as a whole; docs/errors.md explains each code. */
export interface SavedPlanRefusal {
  readonly code: 'PHX-PLAN-UNSIGNED' | 'PHX-PLAN-SIGNATURE-INVALID' | 'PHX-PLAN-POLICY' | 'PHX-PLAN-FOREIGN-OBJECT' | 'PHX-PLAN-LABELS-FORGED';
  readonly message: string;
  readonly remediation: string;
  /** For PHX-PLAN-POLICY: the denied setting, for the security event. */
  readonly finding?: PolicyFinding;
}

const MAKE_AGAIN = 'Make the plan again with phoenix plan --out, and keep plan files where only you can write.';

/**
 * Re-judges a saved plan before anything of it runs, whatever its signature says (a stolen key,
 * or a policy tightened since): every container, volume and secret it creates must pass the
 * policy exactly as validation would (spec-policy.ts); every container it creates must carry
 * this environment's labels and a config hash that is its spec's; and everything it stops,
 * replaces or removes must be this environment's own (its io.phoenix.project and
 * io.phoenix.environment labels), a Compose container of its project (adoption), or a
 * container holding a name the plan creates (adoption by name). Pure: an empty list means the
 * plan may run.
 */
export function checkSavedPlan(plan: Plan, desired: DesiredState, observed: ObservedState, ctx: PolicyContext): SavedPlanRefusal[] {
  const refusals: SavedPlanRefusal[] = [];
  const created = new Set(plan.actions.flatMap((a) => (a.kind === 'container.create' || a.kind === 'container.recreate' ? [a.container.name] : [])));
  const ownContext: PolicyContext = { ...ctx, ownContainers: new Set([...ctx.ownContainers, ...created]) };
  const owned = (labels: Readonly<Record<string, string>>): boolean => labels[LABEL.project] === desired.project && labels[LABEL.environment] === desired.environment;
  const policy = (action: Action, findings: readonly PolicyFinding[]): void => {
    for (const finding of findings.filter((f) => !f.allowed)) {
      refusals.push({ code: 'PHX-PLAN-POLICY', message: `action #${action.id} (${action.kind}) asks for what the policy denies: ${finding.message} (${finding.code})`, remediation: MAKE_AGAIN, finding });
    }
  };
  const foreign = (action: Action, what: string): void =>
    void refusals.push({ code: 'PHX-PLAN-FOREIGN-OBJECT', message: `action #${action.id} (${action.kind}) touches ${what}, which is not owned by ${desired.project}/${desired.environment}.`, remediation: MAKE_AGAIN });
  const container = (action: Action, ref: { id?: string; name: string }, mayAdoptAs?: string): void => {
    const found = observed.containers.find((c) => (ref.id === undefined ? c.name === ref.name : c.id === ref.id && c.name === ref.name));
    if (found === undefined) {
      if (ref.id === undefined && created.has(ref.name)) return;
      return foreign(action, `the container ${ref.name}${ref.id === undefined ? '' : ` (${ref.id.slice(0, 12)})`}, which Podman does not have`);
    }
    if (owned(found.labels) || found.labels[COMPOSE_LABEL.project] === desired.project || (mayAdoptAs !== undefined && found.name === mayAdoptAs)) return;
    foreign(action, `the container ${found.name}`);
  };
  const named = (action: Action, kind: 'network' | 'volume' | 'secret', name: string): void => {
    const list = kind === 'network' ? observed.networks : kind === 'volume' ? observed.volumes : observed.secrets;
    const found = list.find((item) => item.name === name);
    if (found === undefined || !owned(found.labels)) foreign(action, `the ${kind} ${name}`);
  };
  for (const action of plan.actions) {
    switch (action.kind) {
      case 'container.create':
      case 'container.recreate':
        policy(action, containerPolicyFindings(action.container.service, action.container.spec, ownContext));
        refusals.push(...labelRefusals(action, action.container, desired));
        if (action.kind === 'container.recreate') container(action, action.replaces, action.container.name);
        break;
      case 'volume.create':
        policy(action, volumePolicyFindings(action.volume, ownContext));
        break;
      case 'secret.create':
        policy(action, secretPolicyFindings(action.secret, ownContext));
        break;
      case 'container.start':
      case 'container.stop':
        container(action, { name: action.name });
        break;
      case 'container.remove':
        container(action, { id: action.containerId, name: action.name });
        break;
      case 'network.remove':
        named(action, 'network', action.name);
        break;
      case 'volume.remove':
        named(action, 'volume', action.name);
        break;
      case 'secret.remove':
        named(action, 'secret', action.name);
        break;
      case 'image.build':
        policy(action, buildPolicyFindings(action.service, action.build, ownContext));
        break;
      case 'image.pull':
      case 'network.create':
        break;
    }
  }
  return refusals;
}

/**
 * A created container's labels must say what it is: this environment's, a service of the
 * manifests, and a config hash (and applied spec) that are its spec's. Otherwise `status`
 * would call a forged container converged.
 */
function labelRefusals(action: Action, intent: ContainerIntent, desired: DesiredState): SavedPlanRefusal[] {
  const problems: string[] = [];
  if (intent.labels[LABEL.project] !== desired.project || intent.labels[LABEL.environment] !== desired.environment) problems.push('its ownership labels name another environment');
  if (!desired.services.some((s) => s.name === intent.service) || intent.labels[LABEL.service] !== intent.service) problems.push(`"${intent.service}" is not a service of the manifests`);
  if (intent.labels[LABEL.configHash] !== digestOf(intent.spec) || intent.labels[LABEL.appliedSpec] !== canonicalJson(intent.spec)) problems.push('its config hash label is not the hash of its spec');
  return problems.length === 0 ? [] : [{ code: 'PHX-PLAN-LABELS-FORGED', message: `action #${action.id} (${action.kind}) creates ${intent.name}, but ${problems.join('; ')}.`, remediation: MAKE_AGAIN }];
}
