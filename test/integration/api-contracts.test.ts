/**
 * The contracts tell the truth at run time too: a real admin (in process, real Redis and
 * MariaDB) and a real SDK worker, and every answer the dashboard reads — REST bodies, `/ui`
 * pushes — and what the admin sends a worker (`welcome`, pulled tasks) parsed with the contract's
 * schema, strictly (an unknown or missing field fails). The type system holds the admin's
 * builders to the same shapes (`satisfies`); this holds the values.
 */
import { expect } from 'chai';
import { z } from 'zod';
import { OasisWorker } from '@oasis/worker-client';
import {
  appJsonSchema,
  auditPageSchema,
  createdAppJsonSchema,
  dailyReportSchema,
  jobJsonSchema,
  logJsonSchema,
  logPageSchema,
  logTextSchema,
  loginAnswerSchema,
  meJsonSchema,
  nextFiresAnswerSchema,
  previewAnswerSchema,
  scriptVersionsAnswerSchema,
  taskPayloadSchema,
  tasksPushSchema,
  triggerAnswerSchema,
  userJsonSchema,
  welcomeSchema,
  workerJsonSchema,
  workersPushSchema,
  PROTOCOL_VERSION,
} from '@oasis/worker-client/contracts';
import type { ApiClient } from '../helpers/api-client.js';
import { startInProcessAdmin, type InProcessAdmin } from '../helpers/in-process-admin.js';
import { quietWorkerLogger } from '../helpers/loggers.js';
import { openWorkerSocket } from '../helpers/raw-worker.js';
import { TEST_ADMIN_PASSWORD } from '../helpers/stores.js';
import { UiSockets, connected } from '../helpers/ui-socket.js';
import { waitFor } from '../helpers/wait.js';

/** `value` must match `schema` exactly; the message names what differs. */
function holds(schema: z.ZodType, value: unknown, what: string): void {
  const parsed = schema.safeParse(value);
  expect(parsed.success, `${what}: ${parsed.success ? '' : z.prettifyError(parsed.error)}\n${JSON.stringify(value)}`).to.equal(true);
}
const strict = <S extends z.ZodObject>(schema: S) => z.strictObject(schema.shape);

describe('contracts: the admin answers in the declared shapes', function () {
  this.timeout(60_000);
  let world: InProcessAdmin;
  let api: ApiClient;
  let worker: OasisWorker | undefined;
  const sockets = new UiSockets();

  before(async () => {
    world = await startInProcessAdmin();
    api = world.api;
  });
  after(async () => {
    sockets.closeAll();
    await worker?.stop({ timeoutMs: 0 });
    await world?.close();
  });

  it('holds for sign-in, apps, users, jobs, schedules, logs, workers, reports, audit, /ui pushes and the /worker messages', async () => {
    const base = `${world.admin.url}/api/v1`;
    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
    });
    const { token: sessionToken } = (await login.json().then((b: unknown) => (holds(loginAnswerSchema, b, 'POST /auth/login'), b))) as { token: string };
    holds(meJsonSchema, await api.ok('GET', '/api/v1/auth/me'), 'GET /auth/me');

    const created = await api.ok<{ token: string }>('POST', '/api/v1/apps', { name: 'shapes', title: 'Shapes' });
    holds(createdAppJsonSchema, created, 'POST /apps');
    holds(z.array(appJsonSchema), await api.ok('GET', '/api/v1/apps'), 'GET /apps');
    holds(appJsonSchema, await api.ok('GET', '/api/v1/apps/shapes'), 'GET /apps/:name');
    holds(appJsonSchema, await api.ok('PUT', '/api/v1/apps/shapes', { title: 'Shapes!' }), 'PUT /apps/:name');

    const user = await api.ok<{ id: number }>('POST', '/api/v1/users', { username: 'viewer', password: 'long-enough-pw', role: 'OPERATOR', apps: ['shapes'], scriptApps: ['shapes'] });
    holds(userJsonSchema, user, 'POST /users');
    holds(userJsonSchema, await api.ok('PUT', `/api/v1/users/${user.id}`, { role: 'VIEWER' }), 'PUT /users/:id');
    holds(z.array(userJsonSchema), await api.ok('GET', '/api/v1/users'), 'GET /users');

    const job = await api.ok<{ id: number }>('POST', '/api/v1/jobs', {
      app: 'shapes',
      name: 'every-hour',
      handler: 'shape',
      params: '{"n":1}',
      schedule: { type: 'CRON', cron: '0 0 * * * *', timezone: 'Europe/Paris', maxRuns: 10 },
      retry: { count: 1 },
      alarm: { webhooks: ['https://example.com/hook'] },
    });
    holds(jobJsonSchema, job, 'POST /jobs');
    const glue = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'shapes', name: 'glue', script: { language: 'shell', source: 'echo hi' }, schedule: { type: 'NONE' } });
    holds(jobJsonSchema, glue, 'POST /jobs (script)');
    holds(z.array(jobJsonSchema), await api.ok('GET', '/api/v1/jobs?app=shapes'), 'GET /jobs');
    holds(jobJsonSchema, await api.ok('PUT', `/api/v1/jobs/${job.id}`, { schedule: { type: 'FIXED_RATE', everyMs: 3_600_000 } }), 'PUT /jobs/:id');
    holds(jobJsonSchema, await api.ok('POST', `/api/v1/jobs/${job.id}/pause`, { note: 'n' }), 'POST /jobs/:id/pause');
    holds(jobJsonSchema, await api.ok('POST', `/api/v1/jobs/${job.id}/resume`, {}), 'POST /jobs/:id/resume');
    holds(jobJsonSchema, await api.ok('POST', `/api/v1/jobs/${job.id}/skip-next`, { count: 2 }), 'POST /jobs/:id/skip-next');
    holds(jobJsonSchema, await api.ok('POST', `/api/v1/jobs/${job.id}/stop`, {}), 'POST /jobs/:id/stop');
    holds(nextFiresAnswerSchema, await api.ok('GET', `/api/v1/jobs/${job.id}/next-fires?count=3`), 'GET /jobs/:id/next-fires');
    holds(previewAnswerSchema, await api.ok('POST', '/api/v1/schedule/preview', { schedule: { type: 'CRON', cron: '*/5 * * * * *' } }), 'POST /schedule/preview');
    holds(scriptVersionsAnswerSchema, await api.ok('GET', `/api/v1/jobs/${glue.id}/script-versions`), 'GET /jobs/:id/script-versions');

    // A live dashboard socket and a real worker: pushes, the welcome and a pulled task.
    const ui = sockets.open(world.admin.url, { token: sessionToken });
    const pushes: { tasks: unknown[]; workers: unknown[] } = { tasks: [], workers: [] };
    ui.on('tasks', (m: unknown) => pushes.tasks.push(m));
    ui.on('workers', (m: unknown) => pushes.workers.push(m));
    await connected(ui);
    const raw = openWorkerSocket(world.admin.url, { app: 'shapes', token: created.token, workerId: 'raw', concurrency: 1, handlers: [], protocol: PROTOCOL_VERSION });
    holds(strict(welcomeSchema), await new Promise((resolve) => raw.once('welcome', resolve)), 'welcome');
    raw.disconnect();

    const tasks: unknown[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    worker = new OasisWorker({ url: world.admin.url, app: 'shapes', token: created.token, pollMs: 100, logger: quietWorkerLogger });
    worker.handle('shape', (ctx) => {
      ctx.log('a line');
      ctx.progress(40);
      return gate.then(() => ({ ok: true }));
    });
    worker.on('task:start', (t) => tasks.push(t));
    await worker.start();

    const answer = await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${job.id}/trigger`, { params: '{"n":2}' });
    holds(triggerAnswerSchema, answer, 'POST /jobs/:id/trigger');
    const { taskId } = answer;
    await waitFor(() => tasks.length >= 1, 10_000, 'a pulled task', 20);
    holds(strict(taskPayloadSchema), tasks[0], 'a task handed to a worker by pull');
    // In flight: from Redis, not the database.
    await waitFor(async () => (await api.ok<{ progress: number | null }>('GET', `/api/v1/logs/${taskId}`)).progress === 40, 10_000, 'the progress');
    holds(logJsonSchema, await api.ok('GET', `/api/v1/logs/${taskId}`), 'GET /logs/:id (running)');
    holds(logPageSchema, await api.ok('GET', `/api/v1/logs?app=shapes`), 'GET /logs (in flight)');
    holds(logTextSchema, await api.ok('GET', `/api/v1/logs/${taskId}/text`), 'GET /logs/:id/text (live)');
    release();
    const final = await waitFor(async () => {
      const r = await api.ok<{ status: string }>('GET', `/api/v1/logs/${taskId}`);
      return r.status === 'SUCCESS' && r;
    }, 10_000, 'the final record');
    holds(logJsonSchema, final, 'GET /logs/:id');
    holds(logPageSchema, await api.ok('GET', `/api/v1/logs?jobId=${job.id}`), 'GET /logs');
    holds(logTextSchema, await waitFor(async () => {
      const t = await api.ok<{ done: boolean }>('GET', `/api/v1/logs/${taskId}/text`);
      return t.done && t;
    }, 10_000, 'the stored log'), 'GET /logs/:id/text');

    await waitFor(() => pushes.workers.length > 0 && pushes.tasks.length > 0, 10_000, 'a workers and a tasks push', 20);
    for (const m of pushes.workers) holds(workersPushSchema, m, '/ui workers push');
    for (const m of pushes.tasks) holds(tasksPushSchema, m, '/ui tasks push');
    holds(z.array(workerJsonSchema), await api.ok('GET', '/api/v1/workers?app=shapes'), 'GET /workers');
    holds(dailyReportSchema, await api.ok('GET', '/api/v1/reports/daily?days=7&app=shapes'), 'GET /reports/daily');
    holds(auditPageSchema, await api.ok('GET', '/api/v1/audit?limit=20'), 'GET /audit');
    holds(createdAppJsonSchema, await api.ok('POST', '/api/v1/apps/shapes/token', {}), 'POST /apps/:name/token');
  });
});
