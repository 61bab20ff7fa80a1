import type { EnvironmentOptions } from './environment-loading.js';
import { loadFromDisk } from './environment-loading.js';
import type { CliIo } from './io.js';
import { EXIT, useColour } from './io.js';
import { reportFailure } from './live-plan.js';
import { connectPodman } from './podman-wiring.js';
import { formatIssue } from '../model/issue.js';

export interface LogsOptions extends EnvironmentOptions {
  readonly env: string;
  readonly follow?: boolean;
  readonly tail?: string;
}

const PALETTE = ['\u001b[36m', '\u001b[33m', '\u001b[35m', '\u001b[32m', '\u001b[34m', '\u001b[31m'];

/** `phoenix logs`: the logs of the services' containers, interleaved, each line prefixed by its container. */
export async function runLogs(services: readonly string[], options: LogsOptions, io: CliIo): Promise<number> {
  // Logs need no secret values, and an unreadable one is not worth a warning here.
  const loaded = loadFromDisk(options.env, options, io, 'if-available');
  if (!loaded.ok) {
    for (const issue of loaded.issues) io.stderr(`${formatIssue(issue)}\n`);
    return EXIT.failure;
  }
  const chosen = services.length === 0 ? loaded.desired.services : loaded.desired.services.filter((s) => services.includes(s.name));
  const unknown = services.filter((name) => !loaded.desired.services.some((s) => s.name === name));
  if (unknown.length > 0) {
    io.stderr(`phoenix: no service ${unknown.join(', ')} in ${options.env} (services: ${loaded.desired.services.map((s) => s.name).join(', ')}).\n`);
    return EXIT.failure;
  }
  const tail = options.tail === undefined ? undefined : Number(options.tail);
  if (tail !== undefined && !(Number.isInteger(tail) && tail >= 0)) {
    io.stderr('phoenix: --tail takes a whole number.\n');
    return EXIT.failure;
  }
  const names = chosen.flatMap((s) => s.containerNames);
  const width = Math.max(...names.map((n) => n.length));
  const colour = useColour(io);
  const podman = connectPodman(options, io);
  try {
    await podman.inspector.streamLogs(
      names,
      { follow: options.follow === true, ...(tail === undefined ? {} : { tail }) },
      (line) => {
        const prefix = line.container.padEnd(width);
        const painted = colour ? `${PALETTE[names.indexOf(line.container) % PALETTE.length]}${prefix}\u001b[0m` : prefix;
        (line.stream === 'stderr' ? io.stderr : io.stdout)(`${painted} | ${line.text}\n`);
      },
      io.signal,
    );
  } catch (error) {
    reportFailure(io, error);
    return EXIT.failure;
  }
  return EXIT.ok;
}
