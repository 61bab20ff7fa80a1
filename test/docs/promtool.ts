/**
 * promtool and prometheus (Debian's `prometheus` package, installed by scripts/setup.sh) for
 * the monitoring doc's tests. Missing tools are a failure that says what to do, never a skip.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where Debian's package puts them. */
export const PROMTOOL = '/usr/bin/promtool';
export const PROMETHEUS = '/usr/bin/prometheus';

/** The outcome of a tool run; never throws. */
export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Fails with what to do when promtool or prometheus is not installed. */
export function requirePrometheusTools(): void {
  const missing = [PROMTOOL, PROMETHEUS].filter((tool) => !existsSync(tool));
  if (missing.length > 0) throw new Error(`${missing.join(' and ')} not found: install Debian's prometheus package (scripts/setup.sh does, as root), then run the tests again.`);
}

/** Runs a command with optional standard input; the exit code is in the result. */
export function runTool(command: string, args: readonly string[], options: { readonly cwd?: string; readonly input?: string; readonly timeoutMs?: number; readonly env?: NodeJS.ProcessEnv } = {}): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = execFile(command, [...args], { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 127;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error?.message ?? '') });
    });
    child.stdin?.end(options.input ?? '');
  });
}

/** `promtool ARGS...`. */
export function promtool(args: readonly string[], options: { readonly cwd?: string; readonly input?: string } = {}): Promise<ToolResult> {
  return runTool(PROMTOOL, args, options);
}
