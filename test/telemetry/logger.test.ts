/**
 * createLogger with a captured destination: a canary secret never reaches the output, in a
 * message, a field, an error (message and stack), a key or a number, in JSON, in the human
 * form and in the log file; sensitive keys are censored; the format follows TTY/NO_COLOR.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoggerOptions } from '../../src/telemetry/logger.js';
import { SecretRedactor, createLogger } from '../../src/telemetry/logger.js';

const CANARY = 'canary-7f3a9c-d0n0tl3ak';

/** A destination that keeps what is written; `isTTY` to pose as a terminal. */
class Capture extends Writable {
  text = '';
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString('utf8');
    callback();
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phoenix-log-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function make(options: Partial<LoggerOptions> = {}) {
  const destination = new Capture();
  const redactor = new SecretRedactor([CANARY]);
  const handle = createLogger({ redactor, destination, format: 'json', ...options });
  return { destination: (options.destination as Capture | undefined) ?? destination, redactor, ...handle };
}

/** Logs the canary every way a secret reaches a log. */
function logCanaryEverywhere(logger: ReturnType<typeof make>['logger']): void {
  logger.info(`connecting with ${CANARY}`);
  logger.info({ detail: `dsn=postgres://phoenix:${CANARY}@db/phoenix_revenue` }, 'field');
  logger.info({ nested: { deeper: { list: [`x${CANARY}x`] } } }, 'nested field');
  logger.info({ [CANARY]: 'as a key' }, 'key');
  logger.error({ err: new Error(`podman secret create failed: ${CANARY}`) }, 'error in err');
  logger.error({ error: new Error(`also ${CANARY}`, { cause: new Error(`cause ${CANARY}`) }) }, 'error in error');
  logger.error(new Error(`bare error ${CANARY}`));
  logger.child({ service: CANARY }).warn('child binding');
}

describe('createLogger', () => {
  it('writes JSON lines with no trace of the canary', () => {
    const { logger, destination } = make();
    logCanaryEverywhere(logger);
    const lines = destination.text.trim().split('\n');
    expect(lines).toHaveLength(8);
    for (const line of lines) JSON.parse(line);
    expect(destination.text).not.toContain(CANARY);
    expect(destination.text).toContain('[REDACTED]');
    // The rest of the line survives: the redaction is surgical.
    expect(destination.text).toContain('podman secret create failed: [REDACTED]');
  });

  it('redacts a canary that needs escaping in JSON, and one that is all digits', () => {
    const awkward = 'qu"ote\\back\tslash';
    const { logger, destination, redactor } = make();
    redactor.add(awkward, '86420931');
    logger.info({ value: awkward, pin: 86420931 }, `message ${awkward}`);
    expect(JSON.parse(destination.text)).toMatchObject({ value: '[REDACTED]', pin: '[REDACTED]', msg: 'message [REDACTED]' });
    expect(destination.text).not.toContain(JSON.stringify(awkward).slice(1, -1));
    expect(destination.text).not.toContain('86420931');
  });

  it('picks up secrets added at run time', () => {
    const { logger, destination, redactor } = make();
    logger.info('rotated-value-1 before');
    redactor.add('rotated-value-1');
    logger.info('rotated-value-1 after');
    const [before, after] = destination.text.trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
    expect(before!.msg).toBe('rotated-value-1 before');
    expect(after!.msg).toBe('[REDACTED] after');
  });

  it('censors sensitive keys whose values it was never told', () => {
    const { logger, destination } = make();
    logger.info({ password: 'p1', headers: { authorization: 'Bearer abc' }, webhook: { auth: { token: 't0k' } } }, 'keys');
    const line = JSON.parse(destination.text) as Record<string, unknown>;
    expect(line).toMatchObject({ password: '[REDACTED]', headers: { authorization: '[REDACTED]' }, webhook: { auth: { token: '[REDACTED]' } } });
  });

  it('honours the level', () => {
    const { logger, destination } = make({ level: 'warn' });
    logger.info('hidden');
    logger.warn('shown');
    expect(destination.text).not.toContain('hidden');
    expect(destination.text).toContain('shown');
  });

  it('text: one line per log line, without events, and still redacted', () => {
    const plain = new Capture(false);
    const text = make({ destination: plain, format: 'text' });
    logCanaryEverywhere(text.logger);
    text.logger.warn({ environment: 'dev', retryInMs: 1000, err: new Error(`stream dropped ${CANARY}`) }, 'podman events stream dropped');
    text.logger.info({ event: 'reconcile.started', environment: 'dev', data: { trigger: 'start' } }, 'reconcile.started');
    expect(plain.text).toContain('connecting with [REDACTED]');
    expect(plain.text).not.toContain(CANARY);
    expect(plain.text).not.toContain('reconcile.started');
    const lines = plain.text.trimEnd().split('\n');
    for (const line of lines) {
      expect(line).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /);
      expect(() => JSON.parse(line)).toThrow();
    }
    expect(lines.at(-1)).toMatch(/ dev {2}warning: podman events stream dropped: stream dropped \[REDACTED\] \(retryInMs=1000\)$/);
  });

  it('writes JSON to a TTY when told to', () => {
    const tty = new Capture(true);
    make({ destination: tty, format: 'json' }).logger.info('json please');
    expect(JSON.parse(tty.text)).toMatchObject({ msg: 'json please' });
  });

  it('also writes to a rotated file, redacted, flushed on close', async () => {
    const path = join(dir, 'logs', 'phoenix.log');
    const { logger, destination, close } = make({ file: { path, maxBytes: 400, keep: 3 } });
    logCanaryEverywhere(logger);
    await close();
    const files = [path, `${path}.1`, `${path}.2`];
    const written = (await Promise.all(files.map((file) => readFile(file, 'utf8')))).join('');
    expect(written).not.toContain(CANARY);
    for (const line of written.trim().split('\n')) JSON.parse(line);
    expect(destination.text).not.toContain(CANARY);
  });
});
