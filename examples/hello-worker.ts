/**
 * A minimal Oasis worker: `OASIS_TOKEN=... npx tsx examples/hello-worker.ts`.
 *
 * Env: OASIS_URL (default http://127.0.0.1:8080), OASIS_APP (default `demo`), OASIS_TOKEN (required:
 * the app's worker token shown once when the app was created in the dashboard).
 * Handlers:
 * - `hello`: logs a line and returns `{ greeting }` (params may be JSON `{"name": "..."}`).
 * - `sleep`: waits `params` milliseconds (default 1000), stopping early if the task is killed.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { OasisWorker, OasisWorkerError } from '@oasis/worker-client';

const url = process.env.OASIS_URL ?? 'http://127.0.0.1:8080';
const app = process.env.OASIS_APP ?? 'demo';
const token = process.env.OASIS_TOKEN;
if (token === undefined || token === '') {
  console.error(
    `OASIS_TOKEN is not set. Create the app "${app}" in the Oasis dashboard, copy its worker token, then run:\n` +
      `  OASIS_TOKEN=<token> npx tsx examples/hello-worker.ts`,
  );
  process.exit(2);
}

const worker = new OasisWorker({ url, app, token, concurrency: 4, logger: console });

worker.handle('hello', (ctx) => {
  const name = ctx.paramsJson<{ name?: string }>()?.name ?? 'world';
  ctx.log(`saying hello to ${name} (attempt ${ctx.attempt}, shard ${ctx.shard.index + 1}/${ctx.shard.total})`);
  return { greeting: `Hello, ${name}!` };
});

worker.handle('sleep', async (ctx) => {
  const ms = ctx.params.trim() === '' ? 1000 : Number(ctx.params);
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`params must be a number of milliseconds, got "${ctx.params}"`);
  ctx.log(`sleeping ${ms} ms`);
  await delay(ms, undefined, { signal: ctx.signal }); // rejects with the abort reason if killed
  return { slept: ms };
});

worker.on('error', (err) => console.warn(`[worker] ${err.message}`));
worker.on('task:end', (result) => console.log(`[worker] task ${result.taskId}: ${result.status}`));

try {
  await worker.start();
} catch (err) {
  console.error(err instanceof OasisWorkerError ? `${err.code}: ${err.message}` : err);
  process.exit(1);
}
worker.installSignalHandlers();
console.log(`[worker] ${worker.workerId} serving "${app}" at ${url} (Ctrl-C to stop)`);
