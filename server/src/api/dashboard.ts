import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express } from 'express';

/**
 * Serves the built dashboard (`npm run build` puts it in `dist/dashboard`) at `/`. The dashboard
 * routes by the URL hash (`/#/jobs/12`), so `/` (and `/index.html`) is its one page and its files
 * are the only other paths: anything else falls through to the caller's JSON 404, so a probe of
 * `/readyz` or `/metrics` never gets a page that looks like a success. When the dashboard was not
 * built, `/` says how to build it instead.
 */
export function mountDashboard(app: Express, dir: string): void {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) {
    app.get('/', (_req, res) => {
      res.type('text/plain').send('Oasis admin is running. The dashboard is not built: run `npm run build`.\n');
    });
    return;
  }
  // index.html names the bundle without a version: it is checked again on every load.
  app.get(['/', '/index.html'], (_req, res) => {
    res.set('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  app.use(express.static(dir, { index: false, maxAge: '1h', fallthrough: true }));
}
