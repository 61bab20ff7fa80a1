/**
 * `phoenix logs`: one `podman logs` process per container, all at once, their lines handed to
 * the caller tagged with the container they came from.
 */
import type { LogLine, LogOptions } from './podman-client.js';
import type { PodmanRunner } from './podman-runner.js';

/** The `podman logs` arguments for one container. */
export function logsArgs(name: string, options: LogOptions): string[] {
  const args = ['logs'];
  if (options.follow) args.push('--follow');
  if (options.tail !== undefined) args.push('--tail', String(Math.max(0, Math.floor(options.tail))));
  args.push(name);
  return args;
}

/**
 * Streams every container's logs until all end or `signal` aborts. When one stream fails
 * (a container that does not exist), the others are stopped and the error is thrown.
 */
export async function streamContainerLogs(
  runner: PodmanRunner,
  names: readonly string[],
  options: LogOptions,
  onLine: (line: LogLine) => void,
  signal?: AbortSignal,
): Promise<void> {
  const stopAll = new AbortController();
  const onAbort = (): void => stopAll.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted === true) onAbort();
  try {
    await Promise.all(
      names.map(async (container) => {
        try {
          await runner.stream(logsArgs(container, options), (stream, text) => onLine({ container, stream, text }), stopAll.signal);
        } catch (error) {
          stopAll.abort(error);
          throw error;
        }
      }),
    );
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
