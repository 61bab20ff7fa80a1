import { createHash } from 'node:crypto';
import path from 'node:path';
import dockerignore from '@balena/dockerignore';
import { canonicalJson, digestOf } from '../model/hash.js';
import type { BuildContextReader, ContextEntry } from './context-reader.js';

/** What a build's result depends on besides the context's files. */
export interface BuildRecipe {
  /** The Dockerfile's text. */
  readonly dockerfileText: string;
  /** The name the inputs list gives the Dockerfile: its path in the context, or `(dockerfile_inline)`. */
  readonly dockerfileName: string;
  readonly args: Readonly<Record<string, string>>;
  readonly target: string | null;
  readonly labels: Readonly<Record<string, string>>;
  /** Options that change what RUN steps see (network, extra hosts, /dev/shm size). */
  readonly runOptions: Readonly<Record<string, unknown>>;
}

/** A build's digest and the per-input digests that name what changed. */
export interface BuildInputs {
  readonly digest: string;
  readonly inputs: Readonly<Record<string, string>>;
  /** How many files and folders of the context entered the digest. */
  readonly entries: number;
}

/** The ignore files Podman reads from a context, the first present winning (buildah: .containerignore, then .dockerignore). */
const IGNORE_FILES = ['.containerignore', '.dockerignore'];

/** Beyond this many entries, the inputs list names top-level folders instead of files: it is kept in an image label. */
const MAX_LISTED_INPUTS = 300;

/**
 * Digests a build's inputs: every file, folder and link of the context that `podman build`
 * sends (the ignore file applied with Docker's semantics, by @balena/dockerignore), with its
 * content and permission bits, plus the Dockerfile, args, target, labels and run options.
 * Equal digests mean a build would make the same image (modulo its base image and network).
 */
export function digestBuildInputs(contextDir: string, recipe: BuildRecipe, reader: BuildContextReader): BuildInputs {
  const entries = contextEntries(contextDir, reader).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const fileDigest = (entry: ContextEntry): string => `${entry.type}:${entry.mode.toString(8)}:${entry.digest}`;
  const recipeParts: Record<string, unknown> = {
    [recipe.dockerfileName]: recipe.dockerfileText,
    '(args)': recipe.args,
    '(target)': recipe.target,
    '(labels)': recipe.labels,
    '(run options)': recipe.runOptions,
  };
  const hash = createHash('sha256');
  for (const entry of entries) hash.update(`${entry.path}\0${fileDigest(entry)}\n`);
  hash.update(canonicalJson(recipeParts));
  const inputs: Record<string, string> = {};
  for (const [name, value] of Object.entries(recipeParts)) inputs[name] = short(digestOf(value));
  const files = entries.filter((e) => e.type !== 'dir');
  if (files.length <= MAX_LISTED_INPUTS) {
    for (const entry of files) inputs[entry.path] = short(digestOf(fileDigest(entry)));
  } else {
    // Too many to list: one digest per top-level entry (a folder stands for all it holds).
    const groups = new Map<string, string[]>();
    for (const entry of files) {
      const top = entry.path.includes('/') ? `${entry.path.slice(0, entry.path.indexOf('/'))}/` : entry.path;
      groups.set(top, [...(groups.get(top) ?? []), `${entry.path}\0${fileDigest(entry)}`]);
    }
    if (groups.size <= MAX_LISTED_INPUTS) for (const [top, parts] of groups) inputs[top] = short(digestOf(parts));
    else inputs['(context files)'] = short(digestOf([...groups.values()]));
  }
  return { digest: hash.digest('hex'), inputs, entries: entries.length };
}

/**
 * The names of the inputs whose digests differ between two input lists (added and removed
 * ones included), sorted: what the plan says changed.
 */
export function changedInputs(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] !== after[name]).sort();
}

function short(digest: string): string {
  return digest.slice(0, 16);
}

/** The context's entries after the ignore file, as Docker sends them. */
function contextEntries(contextDir: string, reader: BuildContextReader): ContextEntry[] {
  let patterns: string[] = [];
  for (const file of IGNORE_FILES) {
    const text = reader.readText(path.join(contextDir, file));
    if (text !== null) {
      patterns = text.split(/\r?\n/);
      break;
    }
  }
  // A CommonJS module: Node hands over module.exports, which is the factory and also has it as `.default` (the typings' view).
  const ignore = dockerignore.default().add(patterns);
  // With an exception (`!pattern`), something below an ignored folder may be sent: walk into it.
  const hasExceptions = patterns.some((p) => p.trim().startsWith('!'));
  return reader.walk(contextDir, (relativePath, isDir) => {
    const ignored = ignore.ignores(relativePath);
    return { keep: !ignored, descend: isDir && (!ignored || hasExceptions) };
  });
}
