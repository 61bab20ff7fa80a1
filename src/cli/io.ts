import { createInterface } from 'node:readline/promises';

/** Where a command writes and what it knows of its surroundings; tests pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Standard input and output are a terminal: a person may be asked, and colour may be used. */
  readonly interactive: boolean;
  /** Asks a yes/no question on the terminal; false unless answered yes. */
  readonly confirm: (question: string) => Promise<boolean>;
  /** Aborted on SIGINT/SIGTERM, so long commands can stop cleanly. */
  readonly signal?: AbortSignal;
  /**
   * `stdout`/`stderr` are this process's own streams, with its standard input: `exec` and `run`
   * hand them to podman as they are (a terminal stays one, binary output passes untouched).
   * Absent: their output goes through `stdout`/`stderr` and they get no input.
   */
  readonly processStreams?: { readonly stdinIsTerminal: boolean; readonly stdoutIsTerminal: boolean };
}

/** The real process's streams, environment and working directory. */
export function processIo(): CliIo {
  const controller = new AbortController();
  // The first SIGINT/SIGTERM asks the command to stop cleanly; a second one stops at once.
  // `on`, not `once`: execa's exit hook (signal-exit, armed while a podman child runs) re-raises
  // a signal it finds no other listener for, which killed Phoenix with 130/143 instead of
  // letting it finish cleanly with 0.
  const stop = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    controller.abort(new Error('interrupted'));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  endQuietlyWhenReaderLeaves();
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
    confirm: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        const answer = await rl.question(`${question} [y/N] `);
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
    signal: controller.signal,
    processStreams: { stdinIsTerminal: process.stdin.isTTY === true, stdoutIsTerminal: process.stdout.isTTY === true },
  };
}

/**
 * `phoenix plan --json | head -1`: once the reader closes the pipe, the next write fails with
 * EPIPE, which Node raised as an unhandled error (a stack trace, exit 1). The reader has what it
 * wanted, so end at once and quietly, as ripgrep and most CLIs do.
 */
function endQuietlyWhenReaderLeaves(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }
}

/** Colour only on a terminal, and never when NO_COLOR is set (no-color.org). */
export function useColour(io: CliIo): boolean {
  return io.interactive && (io.env.NO_COLOR === undefined || io.env.NO_COLOR === '');
}

/** Exit codes every command shares; docs/cli.md lists them. */
export const EXIT = { ok: 0, failure: 1, changes: 2 } as const;
