/**
 * Redis Sentinel failover (issue 14 item 2): two admin processes on a private Sentinel-managed
 * Redis (master, replica, 3 sentinels; `OASIS_REDIS_SENTINELS` + `OASIS_REDIS_SENTINEL_NAME`) and a
 * recording worker process that knows both. Mid-run the master changes:
 *
 * - `SENTINEL FAILOVER`: the replica is promoted; the old master stays a master, taking writes,
 *   until the sentinels demote it ~10 s later, and then drops them (it resyncs from the new one).
 *   The admins must leave it at the sentinels' switch: checked, no admin connection is left on it
 *   3 s after the switch (on the commit before, they stayed until the demotion, ~10 s, and an
 *   admin restarted in between connected to the new master: 279 fires committed on both masters,
 *   recorded twice, run once only thanks to the single worker's fire memory);
 * - a lagging replica: the replica is SIGSTOPped and the master's replication stream to it stuck
 *   behind a filler, so the writes of the next seconds never reach it; then the master is killed,
 *   the replica resumed, and the sentinels promote it. The writes the master acknowledged in those
 *   seconds are lost (checked: a marker written last is missing on the new master).
 *
 * Either way the new master has another run_id than the apps' epoch: the admins stop firing,
 * reconcile with the recorded fires (MySQL and the finals stream) and fire on. Checked from the
 * worker's own record: every fire of every job ran exactly once and fires went on to the end;
 * both admins and the worker are still up. The pause and the lateness are printed
 * (docs/reliability.md, "Redis Sentinel").
 */
import { expect } from 'chai';
import mysql from 'mysql2/promise';
import { ApiClient } from '../helpers/api-client.js';
import { createAppOn, createE2eWorld, type E2eWorld } from '../helpers/e2e-env.js';
import { freePort, runTs, startAdminProcess, type Proc } from '../helpers/processes.js';
import { startPrivateSentinel, type PrivateSentinel } from '../helpers/private-sentinel.js';
import { analyse, parseExecutions, type Execution } from '../helpers/records.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { TEST_ADMIN_PASSWORD } from '../helpers/stores.js';
import { sleep, waitFor } from '../helpers/wait.js';

const APP = 'sentinel';
const JOBS = 30;
const EVERY = 1000;
/** How long the run goes on after the fault is over (new master answering, old one demoted). */
const AFTER_MS = 10_000;
/** How long the replica lags (stays stopped, the master taking writes it never gets). */
const LAG_MS = 2000;

type Admin = Proc & { url: string; port: number };

/**
 * What a fault reports: when it began, when the master went (failover asked, or killed), when the
 * new one answered as master, and when the fault was over (the run goes on {@link AFTER_MS} from there).
 */
interface Fault {
  at: number;
  masterGoneAt: number;
  promotedAt: number;
  settledAt: number;
  note: string;
}

/** Lateness percentiles and the longest stretch without any execution starting, in ms. */
function measure(execs: Execution[], from: number, to: number) {
  const late = execs.filter((e) => e.scheduledAt >= from && e.scheduledAt <= to).map((e) => e.startedAt - e.scheduledAt).sort((a, b) => a - b);
  const q = (p: number) => late[Math.min(late.length - 1, Math.floor(p * late.length))] ?? 0;
  const starts = execs.map((e) => e.startedAt).filter((t) => t >= from && t <= to).sort((a, b) => a - b);
  let pause = 0;
  for (let i = 1; i < starts.length; i++) pause = Math.max(pause, (starts[i] as number) - (starts[i - 1] as number));
  return { fires: late.length, p50: q(0.5), p99: q(0.99), max: late[late.length - 1] ?? 0, pause };
}

describe('e2e: Redis Sentinel failover mid-run: admins and workers carry on, no fire lost or run twice [own Redis]', function () {
  this.timeout(120_000);
  let world: E2eWorld;
  let sentinel: PrivateSentinel | null = null;

  beforeEach(async () => {
    world = await createE2eWorld();
    sentinel = await startPrivateSentinel();
  });
  afterEach(async () => {
    await world.cleanup();
    await sentinel?.stop();
    sentinel = null;
  });

  /** An admin process on the sentinel Redis (the world's env, without its single Redis). */
  async function startAdmin(port: number): Promise<Admin> {
    const env = world.adminEnv({ ...(sentinel as PrivateSentinel).env(), OASIS_PORT: String(port), OASIS_LOG_LEVEL: 'info' });
    delete env.OASIS_REDIS_URL;
    delete env.OASIS_REDIS_CLUSTER_NODES;
    const admin = await startAdminProcess(env);
    world.procs.push(admin);
    return admin;
  }

  /** The lines with `msg` an admin logged (pino JSON) since `since`. */
  function logged(admin: Admin, msg: string, since: number): { time: number; moved?: number }[] {
    return admin
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{') && l.includes(msg))
      .map((l) => JSON.parse(l) as { time: number; moved?: number })
      .filter((r) => r.time >= since);
  }
  const reconciles = (admin: Admin, since: number) => logged(admin, 'schedule reconciled', since);

  /**
   * Fires the admins recorded a second time under another task id (`oasis_job_log_duplicate`): a
   * fire handed out again whose worker remembered it had run (the SDK's fire memory), so it did not
   * run twice; informative, the worker's record is what is checked.
   */
  async function recordedTwice(): Promise<number> {
    const conn = await mysql.createConnection(world.db.url);
    try {
      const [rows] = await conn.query('SELECT COUNT(*) AS n FROM oasis_job_log_duplicate');
      return Number((rows as { n: number }[])[0]?.n ?? 0);
    } finally {
      await conn.end();
    }
  }

  async function run(fault: () => Promise<Fault>): Promise<void> {
    const admins = [await startAdmin(await freePort())];
    const { api, token } = await createAppOn((admins[0] as Admin).url, APP);
    admins.push(await startAdmin(await freePort()));
    const worker = runTs('test/e2e/fixtures/recording-worker.ts', {
      OASIS_URLS: admins.map((a) => a.url).join(','),
      OASIS_APP: APP,
      OASIS_TOKEN: token,
      OASIS_TEST_RECORD_KEY: `${world.prefix}record`,
      OASIS_TEST_REDIS_URL: TEST_REDIS_URL,
      OASIS_TEST_LOG: '0',
      OASIS_WORKER_ID: 'sentinel-w',
    });
    world.procs.push(worker);
    await waitFor(() => worker.output().includes('worker started'), 20_000, 'worker start');

    const ids: number[] = [];
    for (let i = 0; i < JOBS; i++) {
      const job = await api.ok<{ id: number }>('POST', '/api/v1/jobs', {
        app: APP,
        name: `s${i}`,
        handler: 'record',
        schedule: { type: 'FIXED_RATE', everyMs: EVERY },
      });
      ids.push(job.id);
    }
    const cron = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: APP, name: 'cron', handler: 'record', schedule: { type: 'CRON', cron: '* * * * * *' } });
    ids.push(cron.id);
    const executions = async () => parseExecutions(await world.redis.lrange(`${world.prefix}record`, 0, -1));
    await waitFor(async () => (await executions()).length >= ids.length * 2, 20_000, 'the jobs to fire');
    await sleep(2000);

    const f = await fault();
    await sleep(AFTER_MS);
    for (const [i, a] of admins.entries()) {
      if (a.child.exitCode !== null || a.child.signalCode !== null) throw new Error(`admin ${i} exited (${a.child.exitCode ?? a.child.signalCode}):\n${a.output().slice(-6000)}`);
    }

    // Stop firing (a fresh sign-in: the session may have been among the lost writes), let the last runs end.
    const after = await ApiClient.signedIn((admins[1] as Admin).url, 'admin', TEST_ADMIN_PASSWORD);
    const stoppedAt = Date.now();
    for (const id of ids) await after.ok('POST', `/api/v1/jobs/${id}/stop`);
    await sleep(2000);

    const execs = await executions();
    const { byJob, duplicates, gaps } = analyse(execs, EVERY);
    const m = measure(execs, f.at - 2000, f.settledAt + AFTER_MS);
    // Times from the moment the master went: when each admin had Redis again, and reconciled.
    const since = (t: number) => `+${t - f.masterGoneAt} ms`;
    const back = admins.map((a) => logged(a, 'redis answering again', f.masterGoneAt).map((r) => since(r.time))[0] ?? 'never lost');
    const rec = admins.map((a) => reconciles(a, f.at).map((r) => `${since(r.time)} moved ${r.moved}`).join(', ') || 'none');
    process.stdout.write(
      `      ${f.note}; new master ${f.promotedAt - f.masterGoneAt} ms after the old one went; around it ${m.fires} fires, late p50 ${m.p50} / p99 ${m.p99} / max ${m.max} ms, ` +
        `longest pause ${m.pause} ms; redis back: ${back.join(' | ')}; reconciles: ${rec.join(' | ')}; second records of a fire: ${await recordedTwice()}\n`,
    );
    expect(duplicates, 'fires run twice').to.equal(0);
    expect(gaps, 'fires never run').to.equal(0);
    expect(byJob.size, 'jobs that ran').to.equal(ids.length);
    for (const [jobId, times] of byJob) {
      expect(times[0] as number, `job ${jobId}: first fire before the fault`).to.be.below(f.at - 1000);
      // Every fire up to the stop ran: the last one is at most a period (and the stop's own time) before it.
      expect(times[times.length - 1] as number, `job ${jobId}: fires went on to the stop`).to.be.at.least(stoppedAt - 2 * EVERY - 500);
    }
    // Both admins and the worker carry on (/healthz checks Redis too).
    for (const a of admins) expect((await fetch(`${a.url}/healthz`)).status, `${a.url} /healthz`).to.equal(200);
    expect(worker.child.exitCode, 'the worker process').to.equal(null);
    // The app was reconciled on the new master (by one admin: the epoch is the app's, not an admin's).
    expect(admins.flatMap((a) => reconciles(a, f.at)).length, 'reconciles after the failover').to.be.at.least(1);
  }

  it('SENTINEL FAILOVER: the replica is promoted, the old master demoted', async () => {
    await run(async () => {
      const s = sentinel as PrivateSentinel;
      const old = await waitFor(() => s.master(), 10_000, 'the master');
      const conns = (await s.foreignClients(old)).length;
      expect(conns, 'admin connections on the master').to.be.above(0);
      const at = Date.now();
      const { from, to } = await s.failover();
      const promotedAt = Date.now();
      // The old master stays a master, taking writes, until the sentinels demote it some seconds
      // later (then it drops them: it resyncs from the new one). The admins must leave it at the
      // switch (ioredis' failover detector), not at the demotion.
      const left = await waitFor(async () => (await s.foreignClients(from)).length === 0 && Date.now(), 3000, 'the admins to leave the old master');
      const demotedMs = await s.waitForReplica(from);
      return {
        at, masterGoneAt: at, promotedAt, settledAt: Date.now(),
        note: `SENTINEL FAILOVER ${from} → ${to}, ${conns} admin connections gone from the old master ${left - promotedAt} ms after the sentinels agreed, old master demoted ${demotedMs} ms after that`,
      };
    });
  });

  it('a lagging replica promoted after the master died: the writes it never got are reconciled', async () => {
    await run(async () => {
      const s = sentinel as PrivateSentinel;
      const old = await waitFor(() => s.master(), 10_000, 'the master');
      const at = Date.now();
      const replica = await s.stallReplication();
      await sleep(LAG_MS);
      // The master's last acknowledged write: the replica must not have it after the promotion.
      await s.client(old).set('oasis-test-sentinel:marker', String(Date.now()));
      const masterGoneAt = Date.now();
      await s.node(old).signal('SIGKILL');
      await s.node(replica).signal('SIGCONT');
      const { port } = await s.waitForNewMaster(old);
      expect(port).to.equal(replica);
      expect(await s.client(port).get('oasis-test-sentinel:marker'), 'the last write before the kill, on the promoted replica').to.equal(null);
      return { at, masterGoneAt, promotedAt: Date.now(), settledAt: Date.now(), note: `replica stalled ${LAG_MS} ms behind a filler, master ${old} killed, ${port} promoted` };
    });
  });
});
