import type { ImageBuild } from '../model/desired.js';
import { LABEL } from '../model/desired.js';
import { canonicalJson } from '../model/hash.js';

/**
 * The `podman build` arguments for a build (after `build`), with `dockerfilePath` the file to
 * build (an inline Dockerfile is written to a temporary file first). The image is labelled
 * with its build digest and per-input digests: that label is what later plans compare with.
 */
export function buildArgs(build: ImageBuild, dockerfilePath: string): string[] {
  const args = ['build', '--tag', build.image];
  for (const tag of build.tags) args.push('--tag', tag);
  args.push('--file', dockerfilePath);
  for (const key of Object.keys(build.args).sort()) args.push('--build-arg', `${key}=${build.args[key] ?? ''}`);
  if (build.target !== null) args.push('--target', build.target);
  for (const key of Object.keys(build.labels).sort()) args.push('--label', `${key}=${build.labels[key] ?? ''}`);
  args.push('--label', `${LABEL.buildDigest}=${build.digest}`, '--label', `${LABEL.buildInputs}=${canonicalJson(build.inputs)}`);
  if (build.network !== null) args.push('--network', build.network);
  for (const host of build.extraHosts) args.push('--add-host', host);
  if (build.shmSizeBytes !== null) args.push('--shm-size', `${build.shmSizeBytes}b`);
  for (const source of build.cacheFrom) args.push('--cache-from', source);
  if (build.noCache) args.push('--no-cache');
  if (build.pull) args.push('--pull=always');
  args.push(build.context);
  return args;
}

/** The `podman pull` arguments for a reference. */
export function pullArgs(image: string, options: { readonly tlsVerify: boolean; readonly authFile?: string }): string[] {
  return ['pull', ...(options.tlsVerify ? [] : ['--tls-verify=false']), ...(options.authFile === undefined ? [] : ['--authfile', options.authFile]), image];
}
