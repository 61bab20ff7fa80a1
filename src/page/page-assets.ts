/**
 * The live status page's files as `npm run build` leaves them in dist/page/
 * (scripts/bundle-page.mjs bundles src/page/browser/): the telemetry server answers `/` with
 * index.html and `/page/<file>` with the script, the stylesheet and the icon. Nothing else is
 * served from disk: a fixed list of names, so that no request path ever reaches a file system
 * path. The page fetches only from its own origin (/status, /events, /api/*), which the
 * Content-Security-Policy below enforces in the browser too.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the page, ready to send. */
export interface PageAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

/** What a request for a page path gets: the file, or why the page cannot be served. */
export type PageLookup = { readonly kind: 'asset'; readonly asset: PageAsset } | { readonly kind: 'not-built'; readonly message: string };

/** URL path -> file name in dist/page/ and its content type. */
const ROUTES: ReadonlyMap<string, { readonly file: string; readonly contentType: string }> = new Map([
  ['/', { file: 'index.html', contentType: 'text/html; charset=utf-8' }],
  ['/page/app.js', { file: 'app.js', contentType: 'text/javascript; charset=utf-8' }],
  ['/page/app.css', { file: 'app.css', contentType: 'text/css; charset=utf-8' }],
  ['/page/icon.svg', { file: 'icon.svg', contentType: 'image/svg+xml' }],
]);

/**
 * Headers of every page response. `default-src 'self'`: scripts, styles, images, fetch and
 * EventSource only from this origin, and no inline script or style (the page has none);
 * `frame-ancestors 'none'` (and X-Frame-Options for older browsers) stops another site from
 * framing the restart buttons (clickjacking); `form-action`/`base-uri` close the remaining
 * ways out. The status is live, so nothing is cached.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** Whether a URL path is one of the page's (the telemetry server routes it here). */
export function isPagePath(pathname: string): boolean {
  return ROUTES.has(pathname);
}

/**
 * The folder holding the built page: dist/page/ of the package this module belongs to, found
 * by walking up from this file (it runs from src/ in the tests, dist/ as a module and
 * dist/bundle/ as the CLI bundle). Null when the page was never built.
 */
export function findPageDir(from: string = path.dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'dist', 'page');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

/**
 * Reads the file behind a page path (undefined for a path that is not the page's). Read on
 * each request: page loads are rare, the files are small, and a rebuild shows at once.
 */
export async function lookupPageAsset(pathname: string, pageDir: string | null = findPageDir()): Promise<PageLookup | undefined> {
  const route = ROUTES.get(pathname);
  if (route === undefined) return undefined;
  const notBuilt: PageLookup = { kind: 'not-built', message: 'the status page is not built: run `npm run build` (scripts/bundle-page.mjs writes dist/page/); /status and /events work without it\n' };
  if (pageDir === null) return notBuilt;
  try {
    return { kind: 'asset', asset: { contentType: route.contentType, body: await readFile(path.join(pageDir, route.file)) } };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return notBuilt;
    throw error;
  }
}
