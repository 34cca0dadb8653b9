import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express } from 'express';

/**
 * Serves the built dashboard (`npm run build` puts it in `dist/dashboard`) at `/`, with
 * `index.html` for unknown non-API paths so client-side routes survive a reload. When the
 * dashboard was not built, `/` says how to build it instead of a bare 404.
 */
export function mountDashboard(app: Express, dir: string): void {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) {
    app.get('/', (_req, res) => {
      res.type('text/plain').send('Oasis admin is running. The dashboard is not built: run `npm run build`.\n');
    });
    return;
  }
  app.use(express.static(dir, { index: 'index.html', maxAge: '1h' }));
  app.get(/^\/(?!api\/|healthz|socket\.io\/).*/, (_req, res) => res.sendFile(index));
}
