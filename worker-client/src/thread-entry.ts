/**
 * How the SDK starts its worker threads (the liveness thread, sandboxed handlers) from a module
 * next to the caller: the built `.js` file; or, when the SDK runs from its TypeScript source
 * (through tsx, as this repository's tests do), a bootstrap that registers tsx in the thread
 * first — Node 20 does not carry a loader of the main thread into worker threads.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `./<name>.js` next to `moduleUrl` (the caller's `import.meta.url`), `.ts` when the caller runs from source. */
export function siblingModule(moduleUrl: string, name: string): URL {
  return new URL(`./${name}${extname(fileURLToPath(moduleUrl))}`, moduleUrl);
}

/** What `new Worker(entry, { eval })` runs to load `url` in a thread. */
export function threadEntry(url: URL): { entry: URL | string; eval: boolean } {
  if (!url.pathname.endsWith('.ts')) return { entry: url, eval: false };
  // import.meta.resolve is missing where the loader compiled this file to CommonJS (mocha's
  // require): then the thread resolves tsx from the working directory.
  const tsx = typeof import.meta.resolve === 'function' ? import.meta.resolve('tsx/esm/api') : 'tsx/esm/api';
  return { entry: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`, eval: true };
}
