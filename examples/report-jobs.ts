/**
 * A worker whose handlers are methods of a class, registered with `@OasisJob` (standard
 * TypeScript decorators, no compiler flag needed):
 * `OASIS_TOKEN=... npx tsx examples/report-jobs.ts`.
 *
 * Env: OASIS_URL (default http://127.0.0.1:8080), OASIS_APP (default `demo`), OASIS_TOKEN (required:
 * the app's worker token), OASIS_ALLOW_SCRIPTS=1 to also run script (GLUE) jobs.
 * Handlers:
 * - `dailyReport`: "builds" a report in 10 steps, reporting progress; params may be `{"rows": n}`.
 * - `cleanup`: returns how many files it would remove (params: a directory name).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { OasisJob, OasisWorker, OasisWorkerError, NonRetryableError, type JobContext } from '@oasis/worker-client';

const url = process.env.OASIS_URL ?? 'http://127.0.0.1:8080';
const app = process.env.OASIS_APP ?? 'demo';
const token = process.env.OASIS_TOKEN;
if (token === undefined || token === '') {
  console.error(`OASIS_TOKEN is not set: OASIS_TOKEN=<the worker token of app "${app}"> npx tsx examples/report-jobs.ts`);
  process.exit(2);
}

/** Stands in for a service the handlers need; methods are bound, so `this` works in them. */
class ReportJobs {
  private reportsBuilt = 0;

  constructor(private readonly stepMs: number) {}

  @OasisJob('dailyReport')
  async daily(ctx: JobContext) {
    const rows = ctx.paramsJson<{ rows?: number }>()?.rows ?? 1000;
    ctx.log(`building the daily report over ${rows} rows`);
    for (let step = 1; step <= 10; step++) {
      await delay(this.stepMs, undefined, { signal: ctx.signal }); // rejects if the task is killed
      ctx.progress(step * 10);
    }
    this.reportsBuilt++;
    return { rows, reportsBuilt: this.reportsBuilt };
  }

  @OasisJob('cleanup')
  cleanup(ctx: JobContext) {
    const dir = ctx.params.trim();
    if (dir === '' || dir.includes('..')) throw new NonRetryableError(`params must be a directory name, got "${ctx.params}"`);
    ctx.log(`would clean ${dir}`);
    return { dir, removed: 0 };
  }
}

const worker = new OasisWorker({ url, app, token, concurrency: 4, allowScripts: process.env.OASIS_ALLOW_SCRIPTS === '1', logger: console });
const names = worker.register(new ReportJobs(200));
worker.on('task:end', (result) => console.log(`[worker] task ${result.taskId}: ${result.status}`));

try {
  await worker.start();
} catch (err) {
  console.error(err instanceof OasisWorkerError ? `${err.code}: ${err.message}` : err);
  process.exit(1);
}
worker.installSignalHandlers();
console.log(`[worker] ${worker.workerId} serving ${names.join(', ')} for "${app}" at ${url} (Ctrl-C to stop)`);
