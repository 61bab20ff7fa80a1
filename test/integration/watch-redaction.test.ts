/**
 * Issue 11's redaction finding, in watch, against REAL Podman: a failing health check that
 * prints a file secret ending in a newline (the usual case) put it in /status, in every JSONL
 * and SSE event and in watch's log. Now none of them holds it: with or without its newline, nor
 * base64-encoded; the check's output is there with `[REDACTED]` in its place.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, service } from './support.js';
import { startWatch, useWatchSuite } from './watch-support.js';

const suite = useWatchSuite();

/** The raw text of /events until closed. */
function sseRaw(url: string): { raw: () => string; close: () => void } {
  let raw = '';
  const request = http.get(url, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (raw += chunk));
    res.on('error', () => undefined);
  });
  request.on('error', () => undefined);
  return { raw: () => raw, close: () => request.destroy() };
}

describe('watch and a health check that prints a secret', { timeout: 150_000 }, () => {
  it('keeps it out of /status, the events file, /events and the log', async () => {
    const project = suite.project();
    const secret = `phxit-leak-${randomBytes(12).toString('hex')}`;
    const eventsFile = path.join(project.dir, 'events.jsonl');
    project.writeEnvironment({ policy: { prune: false, health: { backoff: { initial: '500ms', max: '2s' } }, events: { file: { path: '../events.jsonl', types: ['*'] } } } });
    project.writeFile('environments/compose/token.txt', `${secret}\n`);
    project.writeCompose({
      services: {
        leaky: service({
          secrets: ['token'],
          healthcheck: { test: ['CMD', 'sh', '-c', 'cat /run/secrets/token; base64 /run/secrets/token; exit 1'], interval: '1s', timeout: '2s', retries: 1 },
        }),
      },
      secrets: { token: { file: './token.txt' } },
    });
    const watch = await startWatch(project, [], { waitReady: false });
    const sse = sseRaw(`${watch.url}/events`);
    try {
      await watch.waitForEvent('container.unhealthy', 90_000, (e) => e.event === 'container.unhealthy');
      // The check's output reaches the outputs, redacted.
      await eventually('a redacted check output in the events file', 20_000, () => Promise.resolve(existsSync(eventsFile) && readFileSync(eventsFile, 'utf8').includes('[REDACTED]') ? true : undefined));
      await eventually('a redacted check output on /events', 20_000, () => Promise.resolve(sse.raw().includes('[REDACTED]') ? true : undefined));
      const outputs: Record<string, string> = {
        '/status': (await watch.get('/status')).body,
        'events file': readFileSync(eventsFile, 'utf8'),
        '/events': sse.raw(),
      };
      sse.close();
      expect(await watch.stop()).toBe(0);
      outputs.log = watch.stdout() + watch.stderr();
      const spellings = [secret, Buffer.from(`${secret}\n`).toString('base64').slice(0, 24), Buffer.from(secret).toString('base64').slice(0, 24)];
      for (const [where, text] of Object.entries(outputs)) {
        expect(text.length, where).toBeGreaterThan(0);
        for (const spelling of spellings) expect(text.includes(spelling), `${where} contains the secret (${spelling.slice(0, 8)}...)`).toBe(false);
      }
    } finally {
      sse.close();
      await watch.stop();
    }
  });
});
