/**
 * First-run demo: logs in to a running admin, creates an app and a job `hello` that fires every
 * 5 seconds, and runs a worker for it in this process, so you can watch fires arrive.
 *
 *   OASIS_ADMIN_PASSWORD=… npm run example
 *
 * Env: OASIS_URL (default http://127.0.0.1:8080), OASIS_ADMIN_PASSWORD (the admin's password,
 * as set or as printed at the admin's first start), OASIS_APP (default `demo`).
 */
import { randomBytes } from 'node:crypto';
import { OasisWorker } from '@oasis/worker-client';

const url = process.env.OASIS_URL ?? 'http://127.0.0.1:8080';
const password = process.env.OASIS_ADMIN_PASSWORD;
if (!password) {
  process.stderr.write('Set OASIS_ADMIN_PASSWORD to the admin password (printed by the admin at its first start).\n');
  process.exit(2);
}

async function call<T>(method: string, path: string, token: string | null, body?: unknown): Promise<T> {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as T & { message?: string };
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${json.message ?? ''}`);
  return json;
}

const { token } = await call<{ token: string }>('POST', '/api/v1/auth/login', null, { username: 'admin', password });
// A worker token is shown only when its app is created: make a fresh app for this demo run.
const appName = `${process.env.OASIS_APP ?? 'demo'}-${randomBytes(2).toString('hex')}`;
const app = await call<{ token: string }>('POST', '/api/v1/apps', token, { name: appName, title: 'Quick start demo' });
const job = await call<{ id: number; nextFireAt: number }>('POST', '/api/v1/jobs', token, {
  app: appName,
  name: 'hello',
  handler: 'hello',
  params: JSON.stringify({ who: 'Oasis' }),
  schedule: { type: 'FIXED_RATE', everyMs: 5000 },
});
process.stdout.write(`app ${appName}, job ${job.id}: first fire at ${new Date(job.nextFireAt).toISOString()}\n`);

const worker = new OasisWorker({ url, app: appName, token: app.token, concurrency: 4 });
worker.handle('hello', async (ctx) => {
  const late = Date.now() - ctx.scheduledAt;
  ctx.log(`hello ${ctx.params} (attempt ${ctx.attempt})`);
  process.stdout.write(`fired job ${ctx.jobId} task ${ctx.taskId} scheduled ${new Date(ctx.scheduledAt).toISOString()} (+${late} ms)\n`);
  return { greeting: `hello at ${new Date().toISOString()}` };
});
await worker.start();
process.stdout.write(`worker running; see ${url}/api/v1/logs?jobId=${job.id} — Ctrl+C to stop\n`);
const stop = () => {
  call('POST', `/api/v1/jobs/${job.id}/stop`, token)
    .catch(() => undefined)
    .finally(() => worker.stop().finally(() => process.exit(0)));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
