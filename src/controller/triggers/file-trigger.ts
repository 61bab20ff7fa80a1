/**
 * The file trigger: watches what environments read (manifests, Compose files, dotenv and
 * env_files, secret source files) and reports which of them changed, once per burst.
 *
 * Three things make a naive watch miss changes, and each is handled here:
 * - saves by rename (vim, VS Code, atomic writers) replace the inode: folders are watched,
 *   never files (see watch-layout.ts);
 * - files and folders created later: their nearest existing folder is watched, and the watch
 *   is planned again when a folder on the way appears or disappears;
 * - a watcher misses what happens while it starts (chokidar is blind for a few ms after
 *   `ready`), and chokidar drops a `change` that comes within 50 ms of the previous one of
 *   the same file (the last write of a burst can be lost): each file's identity (inode,
 *   size, mtime) is recorded before a watcher starts and when a burst is reported, and
 *   compared again once the watcher runs and shortly after each report; a difference counts
 *   as a change.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { FSWatcher } from 'chokidar';
import { watch } from 'chokidar';
import { Debouncer } from './debounce.js';
import type { WatchLayout } from './watch-layout.js';
import { planWatch } from './watch-layout.js';

/**
 * Quiet time after the last change of a burst. An editor's save (even by rename) and a git
 * checkout of several files each come within a few ms; every ms here is added to every
 * edit-to-converged time, so it is kept short.
 */
export const DEFAULT_FILE_DEBOUNCE_MS = 100;

/**
 * Identities are compared again this long after a watcher is ready (chokidar's blind start)
 * and after each report (longer than chokidar's 50 ms change throttle).
 */
const SETTLE_MS = 100;

/** Where changes go, and how long a burst is waited out. */
export interface FileTriggerOptions {
  /** The changed files of one burst, absolute, sorted; never empty. */
  readonly onChange: (paths: readonly string[]) => void;
  /** Default {@link DEFAULT_FILE_DEBOUNCE_MS}. */
  readonly debounceMs?: number;
  /** Longest a burst may postpone its call; default ten debounce periods. */
  readonly maxWaitMs?: number;
  /** A watcher error, or an exception from onChange; the watch goes on. */
  readonly onError?: (error: unknown) => void;
}

/** A running watch. */
export interface FileTrigger {
  /** Watches `paths` instead of the current set (after a reload changed what environments read). */
  update(paths: Iterable<string>): Promise<void>;
  /** The files watched, absolute, sorted. */
  watched(): string[];
  /** Stops watching; pending changes are dropped. */
  close(): Promise<void>;
}

/** What identifies a file's content without reading it; `missing` when it does not exist. */
function identity(file: string): string {
  try {
    const stats = statSync(file, { bigint: true, throwIfNoEntry: false });
    return stats === undefined ? 'missing' : `${stats.isFile() ? 'file' : 'other'}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
  } catch (error) {
    return `unreadable:${(error as NodeJS.ErrnoException).code ?? ''}`;
  }
}

function isDirectory(absolutePath: string): boolean {
  try {
    return statSync(absolutePath, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

function sameLayout(a: WatchLayout, b: WatchLayout): boolean {
  return a.roots.join('\0') === b.roots.join('\0') && a.allowed.size === b.allowed.size && [...a.allowed].every((p) => b.allowed.has(p));
}

class ChokidarFileTrigger implements FileTrigger {
  private readonly debouncer: Debouncer<string>;
  private wanted = new Set<string>();
  /** Last identity seen of each wanted file. */
  private readonly known = new Map<string, string>();
  private layout: WatchLayout | null = null;
  private watcher: FSWatcher | null = null;
  /** Rebuilds of the watcher, one at a time. */
  private chain: Promise<void> = Promise.resolve();
  private relayoutQueued = false;
  private verifyTimer: NodeJS.Timeout | undefined = undefined;
  private closed = false;

  constructor(private readonly options: FileTriggerOptions) {
    const waitMs = options.debounceMs ?? DEFAULT_FILE_DEBOUNCE_MS;
    this.debouncer = new Debouncer<string>((paths) => this.emit(paths), { waitMs, maxWaitMs: options.maxWaitMs ?? waitMs * 10 });
  }

  update(paths: Iterable<string>): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.wanted = new Set([...paths].map((p) => path.resolve(p)));
    for (const file of this.known.keys()) if (!this.wanted.has(file)) this.known.delete(file);
    // Before the new watcher starts: a change from now on is seen by it or by verify().
    for (const file of this.wanted) if (!this.known.has(file)) this.known.set(file, identity(file));
    return this.serially(() => this.rebuild());
  }

  watched(): string[] {
    return [...this.wanted].sort();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.debouncer.cancel();
    clearTimeout(this.verifyTimer);
    await this.chain;
    await this.watcher?.close();
    this.watcher = null;
  }

  private serially(task: () => Promise<void>): Promise<void> {
    const run = this.chain.then(task).catch((error: unknown) => this.report(error));
    this.chain = run;
    return run;
  }

  private async rebuild(): Promise<void> {
    if (this.closed) return;
    const layout = planWatch(this.wanted, isDirectory);
    if (this.watcher !== null && this.layout !== null && sameLayout(layout, this.layout)) {
      this.layout = layout;
      this.verify();
      return;
    }
    if (layout.roots.length === 0) {
      // Fix: chokidar never emits 'ready' for nothing to watch, so this rebuild (and close(),
      // which waits for it) hung for ever; `phoenix watch --git` watches no file on disk.
      const old = this.watcher;
      this.watcher = null;
      this.layout = layout;
      await old?.close();
      return;
    }
    const watcher = watch([...layout.roots], { ignoreInitial: true, depth: 0, atomic: true, ignored: (p: string) => !layout.allowed.has(p) });
    watcher.on('all', (event, p) => this.onEvent(layout, event, p));
    watcher.on('error', (error) => this.report(error));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    // The old watcher runs until the new one is ready, so that the swap has no gap.
    const old = this.watcher;
    this.watcher = watcher;
    this.layout = layout;
    await old?.close();
    if (this.closed) return;
    await delay(SETTLE_MS);
    this.verify();
  }

  private onEvent(layout: WatchLayout, event: string, p: string): void {
    if (this.closed) return;
    if ((event === 'addDir' || event === 'unlinkDir') && layout.structural.has(p)) {
      this.relayout();
      return;
    }
    if (this.wanted.has(p)) this.debouncer.add(p);
  }

  /** A folder on the way to a watched file appeared or went: plan the watch again. */
  private relayout(): void {
    if (this.relayoutQueued) return;
    this.relayoutQueued = true;
    void this.serially(async () => {
      this.relayoutQueued = false;
      await this.rebuild();
    });
  }

  /** Reports every wanted file whose identity differs from the last one seen. */
  private verify(): void {
    for (const file of this.wanted) {
      const now = identity(file);
      if (this.known.get(file) === now) continue;
      this.known.set(file, now);
      this.debouncer.add(file);
    }
  }

  private emit(paths: string[]): void {
    if (this.closed) return;
    // What the consumer is about to read; a later write differs from it, whether chokidar reports it or not.
    for (const file of paths) this.known.set(file, identity(file));
    clearTimeout(this.verifyTimer);
    this.verifyTimer = setTimeout(() => {
      if (!this.closed) this.verify();
    }, SETTLE_MS);
    try {
      this.options.onChange(paths.sort());
    } catch (error) {
      this.report(error);
    }
  }

  private report(error: unknown): void {
    this.options.onError?.(error);
  }
}

/**
 * Starts watching `paths` (files, absolute or relative to the working directory; they need not
 * exist yet). Resolves once the watch runs.
 */
export async function watchFiles(paths: Iterable<string>, options: FileTriggerOptions): Promise<FileTrigger> {
  const trigger = new ChokidarFileTrigger(options);
  await trigger.update(paths);
  return trigger;
}
