/**
 * Redis data loss (issue 11 item 6): a private Redis with AOF crashes (kill -9) and comes back
 * from an older copy of its AOF (the last seconds lost, as after a host crash with `appendfsync
 * everysec`), so every job's `nextFireAt` rolls back behind fires that already ran and were
 * recorded in MySQL. The admin notices (the server's run_id is not the epoch of the app), stops
 * firing the app, reconciles each job's next fire with the recorded fires, and fires again: no
 * fire recorded in MySQL runs a second time. Each run takes a while, so the older copy holds tasks
 * in flight (queued, delivered, running) whose runs then ended and were recorded before the crash:
 * they must not be handed to the worker again either (on the commit before, this test failed
 * under load with such tasks delivered a second time, same task id, ~4 s after their first run).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { OasisWorker } from '@oasis/worker-client';
import { silentLogger } from '../../server/src/domain/logger.js';
import { startAdmin, type RunningAdmin } from '../../server/src/main.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createAppOn } from '../helpers/e2e-env.js';
import { quietWorkerLogger } from '../helpers/loggers.js';
import { freePort } from '../helpers/processes.js';
import { TEST_ADMIN_PASSWORD } from '../helpers/stores.js';
import { sleep, waitFor } from '../helpers/wait.js';

const APP = 'loss';
const JOBS = 100;
const EVERY = 1000;
/** How long a run takes: with 100 fires a second and 64 slots, tasks are in flight most of the time. */
const RUN_MS = 300;

/** A private redis-server with AOF on `port`, its data in `dir`; stopped by PID. */
function startRedis(port: number, dir: string): { child: ChildProcess; exited: Promise<void> } {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''],
    { stdio: 'ignore' },
  );
  return { child, exited: new Promise((r) => child.once('exit', () => r())) };
}

describe('e2e: Redis loses its last seconds (AOF rolled back): no fire recorded in MySQL runs twice [own Redis]', function () {
  this.timeout(120_000);
  let dir: string;
  let db: TestDatabase;
  let redis: ReturnType<typeof startRedis> | null = null;
  let admin: RunningAdmin | null = null;
  let worker: OasisWorker | null = null;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oasis-aof-'));
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await worker?.stop({ timeoutMs: 0 });
    await admin?.stop();
    if (redis && redis.child.exitCode === null) {
      redis.child.kill('SIGKILL');
      await redis.exited;
    }
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reconciles every job with the recorded fires before it fires again', async () => {
    const port = await freePort();
    redis = startRedis(port, dir);
    const url = `redis://127.0.0.1:${port}`;
    await waitFor(async () => {
      const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on('error', () => undefined);
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } finally {
        r.disconnect();
      }
    }, 5000, 'the private redis');
    admin = await startAdmin(
      {
        OASIS_PORT: '0',
        OASIS_HOST: '127.0.0.1',
        OASIS_DATABASE_URL: db.url,
        OASIS_REDIS_URL: url,
        OASIS_REDIS_PREFIX: 'oasis-loss:',
        OASIS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
        OASIS_HEARTBEAT_MS: '500',
        OASIS_WORKER_TTL_MS: '10000',
        OASIS_TASK_LEASE_MS: '10000',
      },
      silentLogger,
    );
    const { api, token } = await createAppOn(admin.url, APP);
    const runs = new Map<string, number>();
    worker = new OasisWorker({ url: admin.url, app: APP, token, concurrency: 64, reconnectMinMs: 100, reconnectMaxMs: 500, logger: quietWorkerLogger });
    worker.handle('record', async (ctx) => {
      const key = `${ctx.jobId}:${ctx.scheduledAt}`;
      runs.set(key, (runs.get(key) ?? 0) + 1);
      await sleep(RUN_MS);
      return 'ok';
    });
    await worker.start();
    for (let i = 0; i < JOBS; i++) {
      await api.ok('POST', '/api/v1/jobs', {
        app: APP,
        name: `j${i}`,
        handler: 'record',
        schedule: { type: 'FIXED_RATE', everyMs: EVERY },
        // Late by the rollback is not a misfire: without the reconcile, each rolled-back fire runs again.
        misfire: { policy: 'FIRE_ALL', thresholdMs: 60_000 },
      });
    }
    await waitFor(() => runs.size >= JOBS * 2, 20_000, 'the jobs to fire');

    // The copy Redis will come back from: everything after it is "lost".
    await cp(join(dir, 'appendonlydir'), join(dir, 'older'), { recursive: true });
    const snapshotAt = Date.now();
    await sleep(2500);

    // The fires after the copy reach MySQL; what MySQL recorded then must never run again.
    const conn = await mysql.createConnection(db.url);
    let recorded: string[] = [];
    try {
      await waitFor(async () => {
        const [rows] = await conn.query('SELECT job_id, scheduled_at FROM oasis_job_log WHERE scheduled_at < ?', [Date.now() - 600]);
        const list = rows as { job_id: number; scheduled_at: number | string }[];
        recorded = list.map((r) => `${r.job_id}:${Number(r.scheduled_at)}`);
        const ran = [...runs.keys()].filter((k) => Number(k.split(':')[1]) < Date.now() - 600);
        return recorded.length >= ran.length;
      }, 10_000, 'the final records to reach MySQL');
    } finally {
      await conn.end();
    }
    const afterCopy = recorded.filter((k) => Number(k.split(':')[1]) > snapshotAt + 100);
    expect(afterCopy.length, 'fires recorded after the copy (what the crash loses)').to.be.at.least(JOBS);

    // Host crash: Redis dies and comes back from the older AOF.
    redis.child.kill('SIGKILL');
    await redis.exited;
    await rm(join(dir, 'appendonlydir'), { recursive: true, force: true });
    await cp(join(dir, 'older'), join(dir, 'appendonlydir'), { recursive: true });
    redis = startRedis(port, dir);
    const restartedAt = Date.now();

    // Firing goes on after the restart ...
    await waitFor(
      () => [...runs.keys()].filter((k) => Number(k.split(':')[1]) > restartedAt + 1000).length >= JOBS * 2,
      30_000,
      'fires after the restart',
    );
    await sleep(1000);
    // ... and no recorded fire ran again.
    const twice = recorded.filter((k) => (runs.get(k) ?? 0) > 1);
    expect(twice, 'recorded fires that ran twice').to.deep.equal([]);
  });
});
