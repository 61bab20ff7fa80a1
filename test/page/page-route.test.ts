/**
 * The page's routes on the real telemetry server (node:http on loopback): `/` and the files
 * under /page/ come from the built dist/page/ with the page's security headers, a path outside
 * the fixed list is 404 (no file system path is ever built from a request), and an unbuilt
 * page says how to build it. Needs `npm run build` (as the CLI tests do).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SseHub } from '../../src/events/sinks/sse-hub.js';
import { PAGE_HEADERS, findPageDir, isPagePath, lookupPageAsset } from '../../src/page/page-assets.js';
import type { TelemetryServer } from '../../src/telemetry/http-server.js';
import { startTelemetryServer } from '../../src/telemetry/http-server.js';
import { Metrics } from '../../src/telemetry/metrics.js';

const running: TelemetryServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function start(): Promise<TelemetryServer> {
  const server = await startTelemetryServer({ port: 0, metrics: new Metrics(), sseHub: new SseHub(), status: () => ({ environments: [] }), ready: () => ({ ready: true }), healthy: () => true });
  running.push(server);
  return server;
}

describe('the status page routes', () => {
  it('serve index.html at / with a strict Content-Security-Policy, and the script, stylesheet and icon it names', async () => {
    expect(findPageDir(), 'dist/page/ is missing: run `npm run build` first').not.toBeNull();
    const server = await start();
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'self';/);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    // Nothing inline (the CSP would block it) and nothing from another origin.
    expect(html).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    for (const [asset, type] of [
      ['/page/app.js', 'text/javascript; charset=utf-8'],
      ['/page/app.css', 'text/css; charset=utf-8'],
      ['/page/icon.svg', 'image/svg+xml'],
    ] as const) {
      expect(html).toContain(`"${asset}"`);
      const res = await fetch(`${server.url}${asset}`);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('content-security-policy')).toBe(PAGE_HEADERS['content-security-policy']);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    // The bundle carries its libraries: no import of anything at run time.
    const script = await (await fetch(`${server.url}/page/app.js`)).text();
    expect(script).not.toMatch(/\bimport\s*\(|\bfrom\s*["']|https?:\/\/(?!www\.w3\.org)/);
  });

  it('answer 404 for any other path, dist files and traversal attempts included', async () => {
    const server = await start();
    for (const pathname of ['/page/', '/page/index.html', '/page/../package.json', '/page/%2e%2e/package.json', '/index.html', '/page/app.js.map']) {
      expect((await fetch(`${server.url}${pathname}`)).status, pathname).toBe(404);
    }
    expect(isPagePath('/')).toBe(true);
    expect(isPagePath('/page/app.js')).toBe(true);
    expect(isPagePath('/page/../app.js')).toBe(false);
  });

  it('say how to build the page when it is not built, and find a built one from any folder below the package', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'phx-page-'));
    expect(await lookupPageAsset('/', null)).toMatchObject({ kind: 'not-built', message: expect.stringContaining('npm run build') });
    expect(await lookupPageAsset('/page/app.js', empty)).toMatchObject({ kind: 'not-built' });
    expect(await lookupPageAsset('/status', empty)).toBeUndefined();
    const built = path.join(empty, 'dist', 'page');
    await import('node:fs').then((fs) => fs.mkdirSync(built, { recursive: true }));
    writeFileSync(path.join(built, 'index.html'), '<!doctype html>');
    expect(findPageDir(path.join(empty, 'dist', 'bundle'))).toBe(built);
    expect(findPageDir(path.join(empty, 'src', 'telemetry'))).toBe(built);
    const found = await lookupPageAsset('/', built);
    expect(found?.kind === 'asset' && found.asset.body.toString()).toBe('<!doctype html>');
  });
});
