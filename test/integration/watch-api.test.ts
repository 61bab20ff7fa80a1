/**
 * The token-guarded `/api/*` routes of a real `phoenix watch` against real Podman:
 * - the token file (mode 0600, named at start, removed at stop) and `--print-page-url`;
 * - GET /api/logs: a service's last lines from Podman, redacted, only with the token;
 * - POST /api/restart: refused without the token (401), from a foreign Origin (403), for
 *   another environment or service (404), as GET (405), as a form (415); with them, the
 *   service's container really restarts (a new start time, the same container), through the
 *   work queue, recorded as service.restart-requested (who: address and User-Agent, never the
 *   token) and service.restart-finished.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { watchTokenFile } from '../../src/state/watch-token.js';
import type { ApiErrorDocument, LogTailDocument, RestartAnswerDocument } from '../../src/telemetry/status-document.js';
import { eventually, loopAfter, service } from './support.js';
import { startWatch, useWatchSuite } from './watch-support.js';

const suite = useWatchSuite();

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One request over loopback, with a deadline. */
function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, timeout: 60_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${url} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

const errorCode = (answer: Answer): string => (JSON.parse(answer.body) as ApiErrorDocument).error.code;

describe.sequential('phoenix watch /api', { timeout: 180_000 }, () => {
  it('reads a log tail and restarts a service only with the token, from its own origin, recorded as events', async () => {
    const project = suite.project();
    const canary = `phxit-canary-${randomBytes(12).toString('hex')}`;
    project.writeCompose({
      services: { web: service({ secrets: ['token'], command: loopAfter('echo "hello from web"; echo "the token is $(cat /run/secrets/token)"') }), worker: service() },
      secrets: { token: { file: './token.txt' } },
    });
    project.writeFile('environments/compose/token.txt', canary);
    const watch = await startWatch(project, ['--print-page-url']);
    const port = Number(new URL(watch.url).port);
    const origin = watch.url;

    // The token file: named at start, this user's only.
    const file = watchTokenFile(project.stateDir, port);
    expect(watch.stderr()).toContain(`is in ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const token = readFileSync(file, 'utf8').trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Only asked for: the page's address with the token in the fragment.
    expect(watch.stderr()).toContain(`${watch.url}/#token=${token}`);
    const auth = { authorization: `Bearer ${token}` };

    // Logs: refused without the token, or with a wrong one.
    const logsUrl = `${watch.url}/api/logs?environment=it&service=web&tail=50`;
    const anonymous = await request(logsUrl);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(errorCode(anonymous)).toBe('PHX-API-UNAUTHORIZED');
    expect((await request(logsUrl, { headers: { authorization: `Bearer ${token.slice(0, -1)}x` } })).status).toBe(401);
    // With it: the service's lines, from Podman, the secret's value redacted.
    const tail = await eventually('the web log lines', 30_000, async () => {
      const answer = await request(logsUrl, { headers: auth });
      expect(answer.status).toBe(200);
      const document = JSON.parse(answer.body) as LogTailDocument;
      return document.lines.some((l) => l.text.startsWith('the token is')) ? document : undefined;
    });
    expect(tail).toMatchObject({ environment: 'it', service: 'web', tail: 50, containers: [project.container('web')], truncated: false });
    expect(tail.lines.map((l) => l.text)).toContain('hello from web');
    expect(tail.lines.every((l) => l.container === project.container('web') && l.stream === 'stdout' && !Number.isNaN(Date.parse(l.time)))).toBe(true);
    expect(JSON.stringify(tail)).not.toContain(canary);
    expect(tail.lines.find((l) => l.text.startsWith('the token is'))!.text).not.toContain(canary);
    expect(errorCode(await request(`${watch.url}/api/logs?environment=it&service=nope`, { headers: auth }))).toBe('PHX-API-NOT-WATCHED');
    expect((await request(`${watch.url}/api/logs?environment=it&service=web&tail=100000`, { headers: auth })).status).toBe(400);

    // Restart: every refusal leaves the container alone.
    const before = await project.inspect(project.container('web'));
    const worker = await project.inspect(project.container('worker'));
    const restartUrl = `${watch.url}/api/restart`;
    const json = { 'content-type': 'application/json' };
    const body = JSON.stringify({ environment: 'it', service: 'web' });
    const refusals: [Answer, number, string][] = [
      [await request(restartUrl, { method: 'POST', headers: { ...json, origin }, body }), 401, 'PHX-API-UNAUTHORIZED'],
      [await request(restartUrl, { method: 'POST', headers: { ...json, ...auth, origin: 'http://evil.example' }, body }), 403, 'PHX-API-ORIGIN-REFUSED'],
      [await request(restartUrl, { method: 'POST', headers: { ...json, ...auth, origin, 'sec-fetch-site': 'cross-site' }, body }), 403, 'PHX-API-ORIGIN-REFUSED'],
      [await request(restartUrl, { method: 'GET', headers: auth }), 405, 'PHX-API-METHOD'],
      [await request(restartUrl, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'environment=it&service=web' }), 415, 'PHX-API-BAD-REQUEST'],
      [await request(restartUrl, { method: 'POST', headers: { ...json, ...auth }, body: JSON.stringify({ environment: 'prod', service: 'web' }) }), 404, 'PHX-API-NOT-WATCHED'],
      [await request(restartUrl, { method: 'POST', headers: { ...json, ...auth }, body: JSON.stringify({ environment: 'it', service: 'nope' }) }), 404, 'PHX-API-NOT-WATCHED'],
    ];
    for (const [answer, status, code] of refusals) {
      expect(answer.status).toBe(status);
      expect(errorCode(answer)).toBe(code);
    }
    expect((await project.inspect(project.container('web'))).startedAt).toBe(before.startedAt);
    expect(watch.events('service.restart-requested')).toEqual([]);

    // With the token, from the page's own origin: restarted for real.
    const from = watch.events().length;
    const answer = await request(restartUrl, { method: 'POST', headers: { ...json, ...auth, origin, 'sec-fetch-site': 'same-origin', 'user-agent': 'phxit-browser/1.0' }, body });
    expect(answer.status).toBe(200);
    const restarted = JSON.parse(answer.body) as RestartAnswerDocument;
    expect(restarted).toMatchObject({ environment: 'it', service: 'web', ok: true, actions: 2, error: null });
    const after = await project.inspect(project.container('web'));
    expect(after.id).toBe(before.id);
    expect(after.running).toBe(true);
    expect(after.startedAt).not.toBe(before.startedAt);
    // The worker was not touched.
    expect((await project.inspect(project.container('worker'))).startedAt).toBe(worker.startedAt);
    const requested = watch.since(from, 'service.restart-requested');
    expect(requested).toHaveLength(1);
    expect(requested[0]).toMatchObject({ environment: 'it', service: 'web', data: { via: 'http', requestedBy: { userAgent: 'phxit-browser/1.0' } } });
    expect((requested[0]!.data.requestedBy as { address: string }).address).toMatch(/^127\.0\.0\.1:\d+$/);
    const finished = await watch.waitForEvent('service.restart-finished', 15_000, (e) => e.event === 'service.restart-finished', from);
    expect(finished.data).toMatchObject({ requestId: restarted.requestId, ok: true, actions: 2 });
    expect(watch.since(from, 'action.succeeded').map((e) => `${String(e.data.kind)} ${String(e.data.resource)}`)).toEqual([`container.stop ${project.container('web')}`, `container.start ${project.container('web')}`]);

    expect(await watch.stop()).toBe(0);
    // The token never reached a log line or event; its file went with the watch.
    expect(watch.stdout()).not.toContain(token);
    expect(existsSync(file)).toBe(false);
  });
});
