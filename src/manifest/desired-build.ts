import path from 'node:path';
import type { DockerfileSource, ImageBuild } from '../model/desired.js';
import type { BuildContext } from './build-context.js';
import { digestBuildInputs } from './build-inputs.js';
import type { ServiceDraft } from './compose-draft.js';

/** Dockerfile names tried in a context when `dockerfile:` is not written: Compose's, then Podman's own. */
const DEFAULT_DOCKERFILES = ['Dockerfile', 'Containerfile'];

/**
 * The name Podman stores an image under: a reference without a registry is a local image
 * (`localhost/NAME`), one without a tag or digest is `:latest`. Built images are named this
 * way so that the name Phoenix looks up is the one `podman build -t` made.
 */
export function localImageRef(reference: string): string {
  const trimmed = reference.trim();
  const slash = trimmed.indexOf('/');
  const first = slash === -1 ? '' : trimmed.slice(0, slash);
  const hasDomain = first !== '' && (first === 'localhost' || first.includes('.') || first.includes(':'));
  const named = hasDomain ? trimmed : `localhost/${trimmed}`;
  const lastSlash = named.lastIndexOf('/');
  const tagged = named.includes('@') || named.indexOf(':', lastSlash + 1) !== -1;
  return tagged ? named : `${named}:latest`;
}

/**
 * Resolves a service's `build:` into an {@link ImageBuild}: the context and Dockerfile read
 * (through `ctx.contextReader`), args resolved, and the build digest computed. The image is
 * named by `image:`, else `<project>-<service>` as Compose v2 names it. Reports a missing
 * context or Dockerfile and returns null then.
 */
export function desiredImageBuild(draft: ServiceDraft, project: string, ctx: BuildContext): ImageBuild | null {
  const build = draft.build;
  if (build === undefined) return null;
  const keyPath = `services.${draft.name}.build`;
  const context = build.context ?? build.projectDir;
  if (!ctx.contextReader.isDirectory(context)) {
    ctx.report({
      code: 'PHX-BUILD-CONTEXT-MISSING',
      severity: 'error',
      location: build.contextLocation,
      path: keyPath,
      message: `the build context ${ctx.display(context)} of service "${draft.name}" is not a folder.`,
      remediation: 'Create the folder or correct `context:` (it is relative to the first compose file\'s folder).',
    });
    return null;
  }
  let dockerfile: DockerfileSource;
  let dockerfileText: string;
  let dockerfileName: string;
  if (build.dockerfileInline !== undefined) {
    dockerfile = { kind: 'inline', text: build.dockerfileInline };
    dockerfileText = build.dockerfileInline;
    dockerfileName = '(dockerfile_inline)';
  } else {
    const candidates = build.dockerfile === undefined ? DEFAULT_DOCKERFILES : [build.dockerfile];
    const found = candidates.map((name) => ({ name, file: path.resolve(context, name) })).map((c) => ({ ...c, text: ctx.contextReader.readText(c.file) })).find((c) => c.text !== null);
    if (found === undefined || found.text === null) {
      const tried = candidates.map((name) => ctx.display(path.resolve(context, name))).join(' or ');
      ctx.report({
        code: 'PHX-BUILD-DOCKERFILE-MISSING',
        severity: 'error',
        location: build.dockerfileLocation,
        path: keyPath,
        message: `service "${draft.name}" builds with ${tried}, which does not exist.`,
        remediation: 'Create the Dockerfile, correct `dockerfile:` (it is relative to the context), or write it inline with `dockerfile_inline:`.',
      });
      return null;
    }
    dockerfile = { kind: 'file', path: found.file };
    dockerfileText = found.text;
    dockerfileName = path.relative(context, found.file).split(path.sep).join('/');
  }
  const args: Record<string, string> = {};
  for (const [key, value] of Object.entries(build.args ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    // `- KEY` with no value takes the variable's value, and is left out when it has none (Compose).
    const resolved = value ?? ctx.lookup(key);
    if (resolved !== undefined) args[key] = resolved;
  }
  const labels = Object.fromEntries(Object.entries(build.labels ?? {}).sort(([a], [b]) => a.localeCompare(b)));
  const extraHosts = Object.entries(build.extraHosts ?? {})
    .map(([host, ip]) => `${host}:${ip}`)
    .sort();
  const target = build.target ?? null;
  const network = build.network ?? null;
  const shmSizeBytes = build.shmSizeBytes ?? null;
  const runOptions = { network, extraHosts, shmSizeBytes };
  const digested = digestBuildInputs(context, { dockerfileText, dockerfileName, args, target, labels, runOptions }, ctx.contextReader);
  return {
    image: localImageRef(draft.image ?? `${project}-${draft.name}`.toLowerCase()),
    tags: [...(build.tags ?? [])],
    context,
    dockerfile,
    args,
    target,
    labels,
    network,
    extraHosts,
    shmSizeBytes,
    cacheFrom: [...(build.cacheFrom ?? [])],
    noCache: build.noCache ?? false,
    pull: build.pull ?? false,
    digest: digested.digest,
    inputs: digested.inputs,
  };
}

/**
 * A built image is never pulled: `pull_policy: build` needs `build:`, and `always` or a
 * periodic pull cannot go with it. Reports the problem at the pull_policy key.
 */
export function checkPullPolicy(draft: ServiceDraft, ctx: BuildContext): void {
  const policy = draft.pullPolicy;
  if (policy === undefined) return;
  const location = draft.fieldLocations.get('pull_policy') ?? draft.location;
  const keyPath = `services.${draft.name}.pull_policy`;
  if (policy.mode === 'build' && draft.build === undefined) {
    ctx.report({ code: 'PHX-PULL-POLICY', severity: 'error', location, path: keyPath, message: `service "${draft.name}" has pull_policy: build but no build:.`, remediation: 'Add `build:` with the folder to build from, or choose another pull_policy (missing, always, never, daily, weekly, every_<duration>).' });
  }
  if ((policy.mode === 'always' || policy.mode === 'every') && draft.build !== undefined) {
    ctx.report({ code: 'PHX-PULL-POLICY', severity: 'error', location, path: keyPath, message: `service "${draft.name}" builds its image, so Phoenix never pulls it; a pull_policy that pulls contradicts build:.`, remediation: 'Remove pull_policy (or write build or missing), or remove build: to pull the image.' });
  }
}
