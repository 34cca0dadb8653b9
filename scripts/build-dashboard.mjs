#!/usr/bin/env node
// Builds the dashboard: bundles dashboard/src/main.ts (Lit and all) with esbuild into
// dist/dashboard/main.js (ESM, minified, with a source map) and copies index.html beside it.
// The admin serves dist/dashboard at `/`. Usage: node scripts/build-dashboard.mjs
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = path.join(root, 'dashboard');
const outDir = path.join(root, 'dist', 'dashboard');

// Start clean so no stale chunk from an older build is served.
await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: [path.join(srcDir, 'src', 'main.ts')],
  outfile: path.join(outDir, 'main.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  // Type checking is `npm run typecheck`'s job; esbuild only strips types.
  tsconfig: path.join(root, 'tsconfig.json'),
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
});
await copyFile(path.join(srcDir, 'index.html'), path.join(outDir, 'index.html'));

const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`dashboard: built ${path.relative(root, outDir)} (${Math.round(bytes / 1024)} KiB)`);
