import path from 'node:path';
import { Document, isMap, isScalar, isSeq } from 'yaml';
import type { Node, Pair } from 'yaml';
import type { ComposeNeeds, Need } from './compose-needs.js';

/** Everything the environment file `phoenix init` writes says. */
export interface EnvironmentDraft {
  /** Environment name (the file's base name). */
  readonly name: string;
  readonly project: string;
  /** Where the project name came from, for the comment on `project:`. */
  readonly projectOrigin: string;
  /** Absolute path of the compose file. */
  readonly composeFile: string;
  /** Absolute path of the compose project's `.env`, when there is one. */
  readonly dotenv: string | null;
  /** Absolute folder the environment file is written to: relative paths are relative to it. */
  readonly environmentsDir: string;
  readonly needs: ComposeNeeds;
}

/** A path as the environment file writes it: relative to its folder, with `/` separators. */
function relative(from: string, to: string): string {
  const text = path.relative(from, to).split(path.sep).join('/');
  return text === '' ? '.' : text;
}

function because(needs: readonly Need[]): string {
  return ` needed by ${needs.map((n) => `${n.service} (${n.why})`).join(', ')}`;
}

/**
 * Renders the environment file as YAML with comments (the `yaml` library's Document API): the
 * compose file and its `.env`, a source for each secret, and the security policy opened
 * exactly as far as the compose file needs, each opening commented with the services that
 * need it and the setting that asks for it. Pure.
 */
export function renderEnvironment(draft: EnvironmentDraft): string {
  const { needs } = draft;
  const dir = draft.environmentsDir;
  const security: Record<string, unknown> = {};
  if (needs.privileged.length > 0) security.allow_privileged = true;
  if (needs.hostNetwork.length > 0) security.allow_host_network = true;
  if (needs.hostNamespaces.length > 0) security.allow_host_namespaces = true;
  if (needs.capabilities.size > 0) security.allowed_capabilities = [...needs.capabilities.keys()];
  if (needs.hostPaths.size > 0) security.allowed_host_paths = [...needs.hostPaths.keys()];
  if (needs.devices.size > 0) security.allowed_devices = [...needs.devices.keys()];
  // Each file on its own, never its folder: a folder would let any file there become a secret.
  if (needs.secretPaths.size > 0) security.allowed_secret_paths = [...needs.secretPaths.keys()];
  if (needs.buildContexts.size > 0) security.allowed_build_contexts = [...needs.buildContexts.keys()];
  for (const key of needs.switches.keys()) security[key] = true;
  const secrets = Object.fromEntries(needs.secrets.map((s) => [s.name, s.kind === 'file' ? { file: relative(dir, s.path) } : { environment: s.variable }]));
  const content: Record<string, unknown> = {
    project: draft.project,
    compose: [relative(dir, draft.composeFile)],
    ...(draft.dotenv === null ? {} : { dotenv: [relative(dir, draft.dotenv)] }),
    ...(needs.secrets.length === 0 ? {} : { secrets }),
    ...(Object.keys(security).length === 0 ? {} : { policy: { security } }),
  };
  const doc = new Document(content);
  doc.commentBefore = [
    ` Environment "${draft.name}" for the Compose project in ${relative(dir, draft.composeFile)}, written by \`phoenix init\`.`,
    ' Check it with `phoenix validate`, compare with what runs now with `phoenix plan --adopt`;',
    ' docs/manifest.md describes every key, docs/migrating.md the way from podman-compose.',
    ...(Object.keys(security).length === 0 ? [' The compose file needs no opening of the security policy: the defaults apply.'] : []),
  ].join('\n');
  const project = pairOf(doc.contents, 'project').value;
  if (isScalar(project)) project.comment = ` ${draft.projectOrigin}`;
  if (draft.dotenv !== null) pairOf(doc.contents, 'dotenv').key.commentBefore = " The compose project's .env: its variables are interpolated into the compose file.";
  if (needs.secrets.length > 0) {
    pairOf(doc.contents, 'secrets').key.commentBefore = ' Where each secret comes from; replace a source per environment (keep secret files out of git).';
    const secretsNode = doc.getIn(['secrets'], true);
    for (const secret of needs.secrets) {
      if (secret.kind === 'environment') pairOf(secretsNode, secret.name).key.commentBefore = ` read from ${secret.variable} in Phoenix's environment at plan and apply`;
    }
  }
  if (Object.keys(security).length > 0) {
    pairOf(doc.contents, 'policy').key.commentBefore = ' Opened only as far as the compose file needs; each opening names the services that need it.';
    const securityNode = doc.getIn(['policy', 'security'], true);
    if (needs.privileged.length > 0) pairOf(securityNode, 'allow_privileged').key.commentBefore = because(needs.privileged);
    if (needs.hostNetwork.length > 0) pairOf(securityNode, 'allow_host_network').key.commentBefore = because(needs.hostNetwork);
    if (needs.hostNamespaces.length > 0) pairOf(securityNode, 'allow_host_namespaces').key.commentBefore = because(needs.hostNamespaces);
    commentItems(doc.getIn(['policy', 'security', 'allowed_capabilities'], true), [...needs.capabilities.values()]);
    commentItems(doc.getIn(['policy', 'security', 'allowed_host_paths'], true), [...needs.hostPaths.values()]);
    commentItems(doc.getIn(['policy', 'security', 'allowed_devices'], true), [...needs.devices.values()]);
    commentItems(doc.getIn(['policy', 'security', 'allowed_secret_paths'], true), [...needs.secretPaths.values()]);
    commentItems(doc.getIn(['policy', 'security', 'allowed_build_contexts'], true), [...needs.buildContexts.values()]);
    for (const [key, needers] of needs.switches) pairOf(securityNode, key).key.commentBefore = because(needers);
  }
  return doc.toString({ lineWidth: 0 });
}

function pairOf(node: unknown, key: string): Pair<Node & { comment?: string | null; commentBefore?: string | null }> {
  if (!isMap(node)) throw new Error(`expected a map holding ${key}`);
  const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (pair === undefined || !isScalar(pair.key)) throw new Error(`no key ${key}`);
  return pair as Pair<Node & { comment?: string | null; commentBefore?: string | null }>;
}

function commentItems(node: unknown, reasons: readonly (readonly Need[])[]): void {
  if (!isSeq(node)) return;
  node.items.forEach((item, index) => {
    if (isScalar(item)) item.commentBefore = because(reasons[index] ?? []);
  });
}
