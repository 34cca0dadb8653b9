/**
 * The chaos suite's world. A {@link ChaosStores} (one per test file) is a private Redis with AOF
 * and a private MariaDB in a temp directory. A {@link Scenario} (one per test) gets a fresh
 * database and an empty Redis on them, starts admin and worker processes (restartable on the same
 * port / worker id), creates the app and its jobs, runs the measured window while its fault plays,
 * and stops everything by PID in `cleanup()`, also after a failure.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { ApiClient, signIn } from '../../helpers/api-client.js';
import { startPrivateMariaDb, type PrivateMariaDb } from '../../helpers/private-mariadb.js';
import { startPrivateRedis, type PrivateRedis } from '../../helpers/private-redis.js';
import { freePort, runTs, startAdminProcess, type Proc } from '../../helpers/processes.js';
import { sleep, waitFor } from '../../helpers/wait.js';
import { CHAOS } from './settings.js';

const PASSWORD = 'chaos-admin-password';
const APP = 'chaos';

/** The private stores of one test file; `stop()` stops both by PID and removes the directory. */
export interface ChaosStores {
  dir: string;
  redis: PrivateRedis;
  db: PrivateMariaDb;
  stop(): Promise<void>;
}

/** Starts a private Redis (AOF, `appendfsync always`) and a private MariaDB under a new temp dir. */
export async function startChaosStores(): Promise<ChaosStores> {
  const dir = await mkdtemp(join(tmpdir(), 'oasis-chaos-'));
  const started: { redis?: PrivateRedis; db?: PrivateMariaDb } = {};
  const stop = async () => {
    await started.redis?.stop();
    await started.db?.stop();
    if (process.env.OASIS_CHAOS_KEEP !== '1') await rm(dir, { recursive: true, force: true });
  };
  try {
    started.redis = await startPrivateRedis(join(dir, 'redis'));
    started.db = await startPrivateMariaDb(join(dir, 'mariadb'));
  } catch (err) {
    await stop();
    throw err;
  }
  return { dir, redis: started.redis, db: started.db, stop };
}

/** Lines of an admin's output the suite counts (whatever the log level). */
const WATCHED = { unhandled: /Unhandled error event/g, deadlocks: /Deadlock found/gi } as const;

/** An admin process slot: a fixed port, so a restarted admin is found at the same URL. */
export interface AdminSlot {
  port: number;
  url: string;
  proc: Proc | null;
  /** True between {@link Scenario.freezeAdmin} and {@link Scenario.thawAdmin}. */
  frozen: boolean;
}

/** A worker process slot: a fixed worker id and admin URLs, so a restart has the same identity. */
export interface WorkerSlot {
  id: string;
  urls: string[];
  proc: Proc | null;
  starts: number;
}

/** One fault of a scenario: when it began and when it was over (restart, SIGCONT, or the kill itself). */
export interface FaultSpan {
  what: string;
  start: number;
  end: number;
}

/** A job as created: its id and the phase of its fires within the second. */
export interface ChaosJob {
  id: number;
  phase: number;
}

/** One scenario's processes, jobs and measured window. */
export class Scenario {
  readonly admins: AdminSlot[] = [];
  readonly workers: WorkerSlot[] = [];
  readonly jobs: ChaosJob[] = [];
  readonly faults: FaultSpan[] = [];
  /** Worker ids whose process was killed (their running tasks may end LOST). */
  readonly killedWorkers = new Set<string>();
  readonly counts = { unhandled: 0, deadlocks: 0 };
  dbName = '';
  dbUrl = '';
  token = '';
  from = 0;
  to = 0;
  private apiToken = '';
  private logs: WriteStream[] = [];
  private redisConns: Redis[] = [];
  /** Admin starts under way (cleanup waits for them, so none outlives the scenario). */
  private starting = new Set<Promise<unknown>>();
  private closed = false;

  constructor(
    readonly stores: ChaosStores,
    readonly name: string,
    private readonly adminEnvExtra: Record<string, string> = {},
  ) {}

  /** A fresh database and an empty Redis, `admins` admin slots started, the app created. */
  async setup(admins: number): Promise<void> {
    this.dbName = `chaos_${this.name.replace(/\W+/g, '_').slice(0, 30)}_${randomBytes(3).toString('hex')}`;
    this.dbUrl = await this.stores.db.createDatabase(this.dbName);
    const r = this.redis();
    await r.flushall();
    for (let i = 0; i < admins; i++) this.admins.push({ port: await freePort(), url: '', proc: null, frozen: false });
    for (const a of this.admins) a.url = `http://127.0.0.1:${a.port}`;
    // The first admin creates the tables alone: admins started at once on an empty database
    // race in sequelize's sync (a duplicate addIndex fails the later one's start).
    await this.startAdmin(0);
    await Promise.all(this.admins.slice(1).map((_, i) => this.startAdmin(i + 1)));
    this.apiToken = (await signIn(this.admins[0]!.url, 'admin', PASSWORD)).token;
    this.token = (await this.api().ok<{ token: string }>('POST', '/api/v1/apps', { name: APP, title: APP })).token;
  }

  /** A connection to the private Redis (closed by cleanup). */
  redis(): Redis {
    const r = new Redis(this.stores.redis.url, { maxRetriesPerRequest: 1 });
    r.on('error', () => undefined);
    this.redisConns.push(r);
    return r;
  }

  /** The environment of every admin of this scenario (defaults but the stores, port and log level). */
  adminEnv(i: number): Record<string, string> {
    return {
      OASIS_DATABASE_URL: this.dbUrl,
      OASIS_REDIS_URL: this.stores.redis.url,
      OASIS_REDIS_PREFIX: 'oasis:',
      OASIS_ADMIN_PASSWORD: PASSWORD,
      OASIS_LOG_LEVEL: 'warn',
      OASIS_PORT: String(this.admins[i]!.port),
      ...this.adminEnvExtra,
    };
  }

  /** Starts (or restarts) admin `i` on its port; its output goes to `admin-<i>.log` and is watched. */
  async startAdmin(i: number): Promise<void> {
    const slot = this.admins[i]!;
    const start = startAdminProcess(this.adminEnv(i));
    this.starting.add(start);
    const proc = await start.finally(() => this.starting.delete(start));
    if (this.closed) {
      await proc.kill('SIGKILL');
      throw new Error(`admin ${i} started after the scenario ended`);
    }
    slot.proc = proc;
    slot.frozen = false;
    const log = createWriteStream(join(this.stores.dir, `${this.dbName}-admin-${i}.log`), { flags: 'a' });
    this.logs.push(log);
    const watch = (d: Buffer) => {
      const s = d.toString();
      log.write(s);
      for (const [k, re] of Object.entries(WATCHED)) this.counts[k as keyof typeof WATCHED] += (s.match(re) ?? []).length;
    };
    proc.child.stdout?.on('data', watch);
    proc.child.stderr?.on('data', watch);
    // What the admin printed before the listeners were added (its start).
    watch(Buffer.from(proc.output()));
  }

  /** SIGKILLs admin `i` (waits until it is gone). */
  async killAdmin(i: number): Promise<void> {
    const slot = this.admins[i]!;
    await slot.proc?.kill('SIGKILL');
    slot.proc = null;
  }

  /** SIGSTOPs admin `i`. */
  freezeAdmin(i: number): void {
    this.admins[i]!.proc?.child.kill('SIGSTOP');
    this.admins[i]!.frozen = true;
  }

  /** SIGCONTs admin `i`. */
  thawAdmin(i: number): void {
    this.admins[i]!.proc?.child.kill('SIGCONT');
    this.admins[i]!.frozen = false;
  }

  /** The bearer token of the signed-in `admin` (for raw requests). */
  apiTokenForTests(): string {
    return this.apiToken;
  }

  /** A REST client of the first admin that is running and not frozen. */
  api(): ApiClient {
    const live = this.admins.find((a) => a.proc && !a.frozen && a.proc.child.exitCode === null);
    if (!live) throw new Error('no live admin');
    return new ApiClient(live.url, this.apiToken);
  }

  /** Adds a worker slot with admin URLs by index (in that order) and starts it. */
  async addWorker(adminIndexes: number[]): Promise<WorkerSlot> {
    const slot: WorkerSlot = { id: `w${this.workers.length + 1}`, urls: adminIndexes.map((i) => this.admins[i]!.url), proc: null, starts: 0 };
    this.workers.push(slot);
    await this.startWorker(slot);
    return slot;
  }

  /** Starts (or restarts) a worker slot's process with the same worker id; waits until it says it started. */
  async startWorker(slot: WorkerSlot): Promise<void> {
    slot.starts++;
    const proc = runTs('test/e2e/fixtures/chaos-worker.ts', {
      OASIS_URLS: slot.urls.join(','),
      OASIS_APP: APP,
      OASIS_TOKEN: this.token,
      OASIS_WORKER_ID: slot.id,
      OASIS_CONCURRENCY: String(CHAOS.concurrency),
      OASIS_CHAOS_RECORD: join(this.stores.dir, `${this.dbName}-record-${slot.id}-${slot.starts}.log`),
      OASIS_CHAOS_HANDLER_MS: String(CHAOS.handlerMs),
    });
    slot.proc = proc;
    if (this.closed) await proc.kill('SIGKILL');
    await waitFor(() => proc.output().includes('worker started') || (proc.child.exitCode !== null && Promise.reject(new Error(proc.output()))), 30_000, `worker ${slot.id} start`);
  }

  /** SIGKILLs a worker slot's process (waits until it is gone); its running tasks may end LOST. */
  async killWorker(slot: WorkerSlot): Promise<void> {
    this.killedWorkers.add(slot.id);
    await slot.proc?.kill('SIGKILL');
    slot.proc = null;
  }

  /** Files every worker process of this scenario recorded to. */
  recordFiles(): string[] {
    return this.workers.flatMap((w) => Array.from({ length: w.starts }, (_, n) => join(this.stores.dir, `${this.dbName}-record-${w.id}-${n + 1}.log`)));
  }

  /** Creates `n` jobs FIXED_RATE 1000 ms (retry once on failure), 16 requests at a time. */
  async createJobs(n = CHAOS.jobs): Promise<void> {
    const api = this.api();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < n) {
          const i = next++;
          const job = await api.ok<{ id: number; nextFireAt: number }>('POST', '/api/v1/jobs', {
            app: APP,
            name: `chaos-${i}`,
            handler: 'chaos',
            schedule: { type: 'FIXED_RATE', everyMs: 1000 },
            retry: { count: 1, delayMs: 1000 },
          });
          this.jobs.push({ id: job.id, phase: job.nextFireAt % 1000 });
        }
      }),
    );
  }

  /** Records a fault from `start` to now. */
  fault(what: string, start: number, end = Date.now()): void {
    this.faults.push({ what, start, end });
  }

  /**
   * Opens the window on the next whole second after the warm-up, runs `play(at)` beside it
   * (`at(s)` resolves `s` seconds into the window) and resolves when both are over.
   */
  async runWindow(seconds: number, play: (at: (s: number) => Promise<void>) => Promise<void> = async () => undefined): Promise<void> {
    await sleep(CHAOS.warmupS * 1000);
    this.from = Math.ceil(Date.now() / 1000) * 1000;
    this.to = this.from + seconds * 1000;
    const at = (s: number) => sleep(Math.max(0, this.from + s * 1000 - Date.now()));
    await Promise.all([play(at), at(seconds)]);
  }

  /** Waits (up to CHAOS.settleS) until every expected fire of the window has a SUCCESS record in MySQL. */
  async settle(): Promise<void> {
    const expected = this.jobs.length * ((this.to - this.from) / 1000);
    const deadline = Date.now() + CHAOS.settleS * 1000;
    while (Date.now() < deadline) {
      const rows = await this.stores.db
        .query<{ n: number }[]>(this.dbName, "SELECT COUNT(DISTINCT job_id, scheduled_at) AS n FROM oasis_job_log WHERE status = 'SUCCESS' AND scheduled_at >= ? AND scheduled_at < ?", [this.from, this.to])
        .catch(() => [{ n: 0 }]);
      if (Number(rows[0]?.n) >= expected) break;
      await sleep(1000);
    }
    // Late duplicates and retries still on their way.
    await sleep(2000);
  }

  /** Stops every process by PID, closes connections and log files, drops the database. Never throws. */
  async cleanup(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.starting]);
    // A scenario that failed mid-fault leaves its stores as the next one needs them.
    this.stores.db.wake();
    await this.stores.redis.signal('SIGCONT');
    if (!this.stores.redis.running()) await this.stores.redis.restart().catch(() => undefined);
    await Promise.all([...this.admins, ...this.workers].map((s) => s.proc?.kill('SIGKILL').catch(() => undefined)));
    for (const r of this.redisConns) r.disconnect();
    for (const l of this.logs) l.end();
    if (this.dbName) await this.stores.db.query('', `DROP DATABASE IF EXISTS \`${this.dbName}\``).catch(() => undefined);
  }
}
