/**
 * The logger factory. Logs are JSON lines (for files, log shippers and `--log-format json`),
 * or one text line each (text-log-line.ts) for people; either way every line passes through
 * the SecretRedactor after serialisation, so no secret value reaches any output, whatever
 * field or error carries it.
 */
import type { Writable } from 'node:stream';
import type { DestinationStream, Level, Logger } from 'pino';
import { pino } from 'pino';
import type { RotatingFileStream } from 'rotating-file-stream';
import type { RotationOptions } from './rotating-file.js';
import { closeRotatingFile, openRotatingFile } from './rotating-file.js';
import { REDACTED, SecretRedactor } from './secret-redactor.js';
import { formatLogLine } from './text-log-line.js';

export { REDACTED, SecretRedactor };

/** 'text': a line a person reads (events left to the caller, see formatLogLine); 'json': pino's JSON lines. */
export type LogFormat = 'text' | 'json';

/** Options of createLogger. */
export interface LoggerOptions {
  /** The values to keep out of the logs; update it at run time as secrets change. */
  readonly redactor: SecretRedactor;
  /** Minimum level (default 'info'). */
  readonly level?: Level | 'silent';
  /** Where log lines go (default process.stdout). Not closed by close(): the caller owns it. */
  readonly destination?: Writable;
  /** Default 'json'. The log file, when there is one, always gets JSON. */
  readonly format?: LogFormat;
  /** Also write JSON lines to this file, rotated by size. */
  readonly file?: RotationOptions;
}

/** A logger and the means to flush it at shutdown. */
export interface LoggerHandle {
  readonly logger: Logger;
  /** Flushes and closes the log file, if any. */
  close(): Promise<void>;
}

/**
 * Keys whose values are secret by their name alone. The SecretRedactor catches known values
 * anywhere; these catch the ones it was never told about (a token in a webhook header).
 */
const SENSITIVE_KEYS = ['password', 'passwd', 'secret', 'token', 'accessToken', 'refreshToken', 'apiKey', 'api_key', 'authorization', 'Authorization', 'cookie', 'Cookie'];

/** The key at the top level and up to two levels down (fast-redact needs explicit depths). */
export const REDACT_PATHS: readonly string[] = SENSITIVE_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

/**
 * Creates the logger. Secret values are redacted from every serialised line (message,
 * fields, error messages and stacks) through pino's `streamWrite` hook, before the line
 * reaches the terminal, the text formatter or the file; SENSITIVE_KEYS are censored too.
 */
export function createLogger(options: LoggerOptions): LoggerHandle {
  const { redactor } = options;
  const destination = options.destination ?? process.stdout;

  let terminal: DestinationStream = destination;
  if (options.format === 'text') {
    // A pino destination that formats each (redacted) JSON line itself, synchronously: lines
    // appear in order, at once, and closing the logger never ends the caller's stream (stdout).
    terminal = {
      write: (line: string) => {
        const text = formatLogLine(line);
        if (text !== null) destination.write(text);
      },
    };
  }

  const file: RotatingFileStream | undefined = options.file === undefined ? undefined : openRotatingFile(options.file);
  // A full disk must not crash the controller; the terminal still gets every line.
  file?.on('error', (error) => terminal.write(redactor.redactJsonLine(`${JSON.stringify({ level: 50, time: new Date().toISOString(), msg: `log file: ${error.message}` })}\n`)));
  const sink: DestinationStream =
    file === undefined
      ? terminal
      : {
          write: (line: string) => {
            terminal.write(line);
            file.write(line);
          },
        };

  const logger = pino(
    {
      level: options.level ?? 'info',
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      // `error` as well as pino's `err`: both names are used for errors in practice.
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      hooks: { streamWrite: (line) => redactor.redactJsonLine(line) },
    },
    sink,
  );
  return {
    logger,
    close: async () => {
      if (file !== undefined) await closeRotatingFile(file);
    },
  };
}
