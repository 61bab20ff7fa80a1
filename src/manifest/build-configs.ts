import { createHash } from 'node:crypto';
import type { ConfigMount, ContentSource, DesiredSecret } from '../model/desired.js';
import { LABEL } from '../model/desired.js';
import type { SourceLocation } from '../model/issue.js';
import type { BuildContext } from './build-context.js';
import type { ComposeDraft, ServiceDraft } from './compose-draft.js';

/**
 * Compose configs, kept as Podman secrets: Podman 4.3 has no configs, and a secret mounted
 * with `type=mount` is exactly what Compose makes of a config, a read-only file at a path in
 * the container. Each config becomes a {@link DesiredSecret} marked `config: true`, versioned
 * by its content digest like a secret, so a content change creates a new Podman secret,
 * recreates the consumers and removes the old version, with the secret machinery.
 *
 * A config is not secret, so its digest is a plain SHA-256 (the same on every machine, no
 * key needed) and its content may be shown; it is labelled `io.phoenix.config`, never
 * `io.phoenix.secret`, so a config and a secret may share a name.
 */
export function buildConfigs(merged: ComposeDraft, prefix: string, owner: Record<string, string>, ctx: BuildContext): DesiredSecret[] {
  const out: DesiredSecret[] = [];
  for (const [name, entry] of [...merged.configs].sort(([a], [b]) => a.localeCompare(b))) {
    if (entry.value === 'reset') continue;
    const def = entry.value;
    const keyPath = `configs.${name}`;
    const sources = (['file', 'content', 'environment'] as const).filter((key) => def[key] !== undefined);
    if (def.external === true) {
      if (sources.length > 0) {
        ctx.report({ code: 'PHX-INVALID-VALUE', severity: 'error', location: entry.location, path: keyPath, message: `config "${name}" is external but also gives ${sources.join(' and ')}.`, remediation: 'Remove `external: true` to let Phoenix create it, or remove the source.' });
      }
      out.push({ name, podmanName: def.name ?? name, external: true, source: null, digest: '', labels: {}, config: true });
      continue;
    }
    if (sources.length !== 1) {
      const message = sources.length === 0 ? `config "${name}" has no source.` : `config "${name}" gives more than one source (${sources.join(', ')}).`;
      ctx.report({ code: 'PHX-CONFIG-SOURCE-MISSING', severity: 'error', location: entry.location, path: keyPath, message, remediation: 'Give it exactly one of `file:`, `content:` or `environment:`, or mark it `external: true`.' });
      continue;
    }
    const read = readConfig(name, def, entry.location, keyPath, ctx);
    if (read === null) continue;
    if (read === 'unknown') {
      // Left for the command to take as the version Podman runs (plan/secret-versions.ts).
      const source: ContentSource = { kind: 'environment', variable: def.environment ?? '' };
      out.push({ name, podmanName: `${prefix}-config-${name}-unset`, external: false, source, digest: '', labels: { ...owner, [LABEL.config]: name, [LABEL.secretDigest]: '' }, config: true, valueUnknown: true });
      continue;
    }
    const digest = createHash('sha256').update(read.content).digest('hex');
    out.push({
      name,
      podmanName: `${prefix}-config-${name}-${digest.slice(0, 12)}`,
      external: false,
      source: read.source,
      digest,
      labels: { ...owner, [LABEL.config]: name, [LABEL.secretDigest]: digest },
      config: true,
    });
  }
  return out;
}

/**
 * The content (for the digest) and where the executor gets it; null after reporting why not;
 * 'unknown' for an unset variable when the command needs no values (ctx.secretValuesOptional).
 */
function readConfig(name: string, def: { file?: string; content?: string; environment?: string }, location: SourceLocation, keyPath: string, ctx: BuildContext): { content: Uint8Array | string; source: ContentSource } | 'unknown' | null {
  if (def.file !== undefined) {
    const bytes = ctx.reader.readBytes(def.file);
    if (bytes === null) {
      ctx.report({ code: 'PHX-CONFIG-SOURCE-MISSING', severity: 'error', location, path: `${keyPath}.file`, message: `config "${name}" reads ${ctx.display(def.file)}, which does not exist.`, remediation: 'Create the file or correct the path (it is relative to the first compose file\'s folder).' });
      return null;
    }
    return { content: bytes, source: { kind: 'file', path: def.file } };
  }
  if (def.content !== undefined) return { content: def.content, source: { kind: 'content', text: def.content } };
  const variable = def.environment ?? '';
  const value = ctx.lookup(variable);
  if (value === undefined) {
    if (ctx.secretValuesOptional === true) return 'unknown';
    ctx.report({
      code: 'PHX-CONFIG-SOURCE-MISSING',
      severity: ctx.requireSecretValues ? 'error' : 'warning',
      location,
      path: `${keyPath}.environment`,
      message: `config "${name}" takes the variable ${variable}, which is not set.`,
      remediation: `Set ${variable} in Phoenix's environment, under \`variables:\` of the environment file or in a dotenv file.`,
    });
    return null;
  }
  // Read now, like an interpolated value: the plan then holds exactly what will be mounted.
  return { content: value, source: { kind: 'content', text: value } };
}

/**
 * A service's config mounts, sorted by target, or undefined when it mounts none (so the
 * container spec, and its hash, stay as they were before configs existed).
 */
export function configMounts(draft: ServiceDraft, configs: ReadonlyMap<string, DesiredSecret>, declared: ReadonlySet<string>, ctx: BuildContext): ConfigMount[] | undefined {
  const mounts: ConfigMount[] = [];
  for (const [, { value: ref, location }] of draft.configs ?? []) {
    const config = configs.get(ref.source);
    if (config === undefined) {
      // A declared config with a bad source was reported where it is declared.
      if (!declared.has(ref.source)) {
        ctx.report({ code: 'PHX-CONFIG-UNDECLARED', severity: 'error', location, path: `services.${draft.name}.configs`, message: `config "${ref.source}" is used but not declared.`, remediation: 'Declare it under the top-level `configs:` key with a `file:`, `content:` or `environment:` source.' });
      }
      continue;
    }
    mounts.push({ config: ref.source, podmanName: config.podmanName, digest: config.digest, target: ref.target, uid: ref.uid ?? '0', gid: ref.gid ?? '0', mode: ref.mode ?? 0o444 });
  }
  return mounts.length === 0 ? undefined : mounts.sort((a, b) => a.target.localeCompare(b.target));
}
