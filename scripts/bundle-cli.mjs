// Bundles the compiled CLI (dist/cli/main.js) and the libraries it loads into a few files in
// dist/bundle/, which bin/phoenix.js runs. Why: an unchanged `phoenix apply` spent about half
// of its ~0.3 s in Node's ES module loader, resolving and linking ~175 files one by one (yaml
// alone is 72); one file per command loads in a fraction of that. Commands stay lazily
// imported (code splitting), so `apply` never loads watch mode's pino, chokidar or prom-client.
// dist/ keeps the per-module build for the library API and the tests.
import { copyFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url);
const outdir = new URL('dist/bundle/', root);
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [new URL('dist/cli/main.js', root).pathname],
  outdir: outdir.pathname,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Some bundled CommonJS libraries require() Node's built-ins; ESM output needs a require.
  banner: { js: "import { createRequire as __phoenixCreateRequire } from 'node:module'; const require = __phoenixCreateRequire(import.meta.url);" },
  // pino starts worker threads from files of its own (thread-stream) when a transport is used;
  // it stays a plain package import so that those files are where pino looks for them.
  external: ['pino', 'thread-stream'],
  // jsonc-parser's `main` is a UMD build whose require() of its own files esbuild cannot
  // follow; its ES module build (`module`) bundles cleanly.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  logLevel: 'warning',
  legalComments: 'none',
});
// schema-check.ts imports its precompiled validators from next to itself: put them next to
// the bundle too (they require() ajv's runtime helpers from node_modules, which resolve from here).
copyFileSync(new URL('dist/manifest/schema-validators.js', root), new URL('schema-validators.js', outdir));
