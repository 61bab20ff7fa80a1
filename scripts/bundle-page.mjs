// Bundles the live status page (src/page/browser/: preact + htm, TypeScript) into dist/page/:
// index.html, app.js (every library inside: the page fetches nothing from another origin),
// app.css and icon.svg. The telemetry server reads these files (src/page/page-assets.ts) and
// serves them at `/` and `/page/*` under a Content-Security-Policy of `default-src 'self'`,
// which is why the script and the styles are files and not inline.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url);
const source = new URL('src/page/browser/', root);
const outdir = new URL('dist/page/', root);
// Only the page's own files: dist/page/ also holds tsc's output of src/page/*.ts (the server
// side), which the CLI and requireFreshBuild (test/integration/support.ts) need.
for (const file of ['app.js', 'app.css', 'index.html', 'icon.svg']) rmSync(new URL(file, outdir), { force: true });
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: { app: new URL('main.ts', source).pathname },
  outdir: outdir.pathname,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  // Browsers of the last few years: EventSource, <dialog>, fetch, optional chaining.
  target: ['chrome100', 'firefox100', 'safari15.4'],
  minify: true,
  sourcemap: false,
  tsconfig: new URL('tsconfig.json', source).pathname,
  logLevel: 'warning',
  legalComments: 'none',
});
for (const file of ['index.html', 'icon.svg']) copyFileSync(new URL(file, source), new URL(file, outdir));
