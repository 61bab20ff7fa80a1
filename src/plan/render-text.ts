import type { Action, FieldChange, Plan } from './actions.js';
import { resourceOf } from './actions.js';

const SYMBOL: Record<Action['kind'], string> = {
  'image.build': '*',
  'image.pull': 'v',
  'network.create': '+',
  'volume.create': '+',
  'secret.create': '+',
  'container.create': '+',
  'container.recreate': '~',
  'container.start': '>',
  'container.stop': '<',
  'container.remove': '-',
  'secret.remove': '-',
  'volume.remove': '-',
  'network.remove': '-',
};

/** The verb for each action kind, as reports and progress lines show it. */
export const VERB: Readonly<Record<Action['kind'], string>> = {
  'image.build': 'build',
  'image.pull': 'pull',
  'network.create': 'create',
  'volume.create': 'create',
  'secret.create': 'create',
  'container.create': 'create',
  'container.recreate': 'recreate',
  'container.start': 'start',
  'container.stop': 'stop',
  'container.remove': 'remove',
  'secret.remove': 'remove',
  'volume.remove': 'remove',
  'network.remove': 'remove',
};

function show(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

function renderChange(change: FieldChange): string {
  if (change.sensitive) return `${change.op === 'add' ? '+' : change.op === 'remove' ? '-' : '~'} ${change.path}: (sensitive)`;
  switch (change.op) {
    case 'add':
      return `+ ${change.path}: ${show(change.after)}`;
    case 'remove':
      return `- ${change.path}: ${show(change.before)}`;
    case 'replace':
      return `~ ${change.path}: ${show(change.before)} => ${show(change.after)}`;
  }
}

function headline(action: Action): string {
  const resource = resourceOf(action);
  const base = `${SYMBOL[action.kind]} ${VERB[action.kind]} ${resource.type} ${resource.name}`;
  switch (action.kind) {
    case 'container.create':
    case 'container.recreate':
      return `${base} (service ${action.container.service}, replica ${action.container.replica}, image ${action.container.spec.image})`;
    case 'secret.create':
      // A config is not secret: its digest identifies the content shown in the JSON plan.
      return action.secret.config === true ? `${base} (config ${action.secret.name}, content sha256:${action.secret.digest.slice(0, 12)})` : `${base} (secret ${action.secret.name}, content (sensitive))`;
    case 'image.build':
      return `${base} (service ${action.service}, context ${action.build.context})`;
    case 'image.pull':
      return `${base} (services ${action.services.join(', ')}${action.tlsVerify ? '' : ', TLS verification off'})`;
    case 'volume.remove':
      return `${base} !! ITS DATA WILL BE LOST`;
    default:
      return base;
  }
}

/** One line per action in dependency order: `[1,2] -> #3 container:web recreate (cause)`. */
export function renderOrderLine(action: Action): string {
  const resource = resourceOf(action);
  const deps = action.dependsOn.length === 0 ? '' : `[${action.dependsOn.join(',')}] -> `;
  return `${deps}#${action.id} ${resource.type}:${resource.name} ${VERB[action.kind]} (${action.cause})`;
}

/** The summary line, Terraform-like. */
export function renderSummary(plan: Plan): string {
  const s = plan.summary;
  // Builds and pulls are named only when there are some, so that plans without images read as before.
  const images = `${(s.build ?? 0) > 0 ? `${s.build} to build, ` : ''}${(s.pull ?? 0) > 0 ? `${s.pull} to pull, ` : ''}`;
  return `Plan: ${images}${s.create} to create, ${s.recreate} to recreate, ${s.start} to start, ${s.stop} to stop, ${s.remove} to remove.`;
}

/**
 * The dry-run report: each action with its cause (and, for a recreate, the fields that
 * changed, secrets shown only as `(sensitive)`), the warnings, the dependency order and a
 * summary. Stable: the same plan always renders the same text.
 */
export function renderPlanText(plan: Plan): string {
  const lines: string[] = [`Phoenix plan for ${plan.project}/${plan.environment}`, ''];
  if (plan.actions.length === 0) {
    // With warnings (objects kept because prune is off, say) Podman does not match: do not claim it does.
    lines.push(plan.warnings.length === 0 ? 'No changes: Podman matches the manifests.' : 'No changes to make; see the warnings below.');
  } else {
    for (const action of plan.actions) {
      lines.push(`  ${headline(action)}`);
      lines.push(`      because ${action.cause}`);
      if (action.kind === 'container.recreate') for (const change of action.changes) lines.push(`        ${renderChange(change)}`);
      if (action.kind === 'container.start') {
        for (const wait of action.awaits) lines.push(`      waits for ${wait.service}: ${wait.condition}${wait.required ? '' : ' (optional)'}`);
      }
    }
  }
  if (plan.warnings.length > 0) {
    lines.push('', 'Warnings:');
    for (const warning of plan.warnings) lines.push(`  ! ${warning.resource.type} ${warning.resource.name}: ${warning.message}`);
  }
  if (plan.actions.length > 0) {
    lines.push('', 'Order:');
    for (const action of plan.actions) lines.push(`  ${renderOrderLine(action)}`);
  }
  lines.push('', renderSummary(plan));
  return `${lines.join('\n')}\n`;
}
