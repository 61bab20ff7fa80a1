/** logEvidence against a test double of the Podman module's logs call (not Podman). */
import { describe, expect, it } from 'vitest';
import { logEvidence } from '../../../src/controller/health/failure-evidence.js';
import type { LogLine, LogOptions } from '../../../src/podman/podman-client.js';
import { SecretRedactor } from '../../../src/telemetry/secret-redactor.js';

function logsDouble(lines: string[], fail?: Error) {
  const calls: { names: readonly string[]; options: LogOptions }[] = [];
  return {
    calls,
    streamLogs: async (names: readonly string[], options: LogOptions, onLine: (line: LogLine) => void): Promise<void> => {
      calls.push({ names, options });
      for (const text of lines) onLine({ container: names[0]!, stream: 'stdout', time: '2026-12-04T18:51:16.192840532Z', text });
      if (fail !== undefined) throw fail;
    },
  };
}

describe('logEvidence', () => {
  it('asks for a bounded tail without follow and redacts every secret value', async () => {
    const logs = logsDouble(['starting', 'password=hunter2-very-secret', 'exit 3']);
    const read = logEvidence(logs, new SecretRedactor(['hunter2-very-secret']), 20);
    const lines = await read('app-dev-web-1');
    expect(logs.calls).toEqual([{ names: ['app-dev-web-1'], options: { follow: false, tail: 20 } }]);
    expect(lines).toEqual(['starting', 'password=[REDACTED]', 'exit 3']);
  });

  it('keeps the last lines only, cuts runaway lines, and gives what it read when the read fails', async () => {
    const many = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    expect(await logEvidence(logsDouble(many), new SecretRedactor(), 5)('c')).toEqual(['line 25', 'line 26', 'line 27', 'line 28', 'line 29']);
    const [long] = await logEvidence(logsDouble(['x'.repeat(2000)]), new SecretRedactor())('c');
    expect(long!.length).toBeLessThanOrEqual(501);
    expect(await logEvidence(logsDouble(['half'], new Error('no such container')), new SecretRedactor())('c')).toEqual(['half']);
  });
});
