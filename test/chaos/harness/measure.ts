/**
 * What a scenario measured, from two independent sources: MySQL (the admin's final records) and
 * the workers' own append-only records of what they ran. A fire is one (job, scheduled time) of
 * the window; every job fires at its phase every second, so the expected fires are known without
 * asking the admin.
 */
import { readFile } from 'node:fs/promises';
import { CHAOS } from './settings.js';
import type { Scenario } from './world.js';

/** One execution from a worker's record. */
export interface Execution {
  jobId: number;
  scheduledAt: number;
  attempt: number;
  taskId: string;
  startedAt: number;
  workerId: string;
}

/** One final record from MySQL. */
interface LogRow {
  id: string;
  job_id: number;
  scheduled_at: number;
  finished_at: number | null;
  status: string;
  attempt: number;
}

/** One row of the chaos table. */
export interface ChaosRow {
  scenario: string;
  expected: number;
  /** Expected fires with at least one final record in MySQL. */
  recorded: number;
  /** Expected fires the workers ran at least once. */
  run: number;
  /** Fires one attempt of which the workers ran more than once. */
  runTwice: number;
  /** Up to 5 of them: fire, attempt and the executions (task id, worker, start). */
  runTwiceDetail: string[];
  /** Expected fires no worker ever ran. */
  unrun: number;
  /** Final records per status (every attempt). */
  statuses: Record<string, number>;
  /** LOST records of a task no worker ran, of a worker that did not die, or of a fire not retried. */
  badLost: number;
  /** Up to 5 of them: task id, attempt and why it is bad. */
  badLostDetail: string[];
  /** Worker records of fires outside the expected ones (a job off its phase). */
  extra: number;
  /** Start minus scheduled time of each fire's first execution (ms). */
  p99LateMs: number;
  maxLateMs: number;
  /** How long after a fault ended fires still started late (> CHAOS.lateMs) or not at all (ms). */
  recoveryMs: number | null;
  /** Written to MySQL minus finished (ms), p99, when the scenario watched writes. */
  recordP99Ms: number | null;
  /** Rows of `oasis_job_log_duplicate` when the table exists. */
  duplicatesKept: number | null;
  unhandled: number;
  deadlocks: number;
  notes: string;
}

/** The `p`-th percentile of `values` (sorted here). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Every execution in the worker record files `files` (a line cut by a kill is skipped). */
export async function readExecutions(files: string[]): Promise<Execution[]> {
  const out: Execution[] = [];
  for (const f of files) {
    const text = await readFile(f, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const [jobId, scheduledAt, attempt, taskId, startedAt, workerId] = line.split(' ');
      // A line cut by a SIGKILL mid-write has no worker id.
      if (!workerId) continue;
      out.push({ jobId: Number(jobId), scheduledAt: Number(scheduledAt), attempt: Number(attempt), taskId: taskId!, startedAt: Number(startedAt), workerId });
    }
  }
  return out;
}

/**
 * Installs a trigger on the scenario's database that notes when each final record was first
 * inserted (`chaos_written`), for the "records within 1 s" check. Call after the admin created
 * its tables.
 */
export async function watchWrites(s: Scenario): Promise<void> {
  await s.stores.db.query(s.dbName, 'CREATE TABLE chaos_written (id varchar(64) NOT NULL PRIMARY KEY, written_at bigint NOT NULL) ENGINE=InnoDB');
  await s.stores.db.query(
    s.dbName,
    'CREATE TRIGGER chaos_written_ai AFTER INSERT ON oasis_job_log FOR EACH ROW INSERT IGNORE INTO chaos_written VALUES (NEW.id, ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000))',
  );
}

/** Measures scenario `s` after {@link Scenario.settle}. */
export async function measure(s: Scenario, notes = ''): Promise<ChaosRow> {
  const key = (jobId: number, t: number) => `${jobId}@${t}`;
  const expected = new Set<string>();
  for (const j of s.jobs) {
    const first = s.from + ((j.phase - (s.from % 1000) + 1000) % 1000);
    for (let t = first; t < s.to; t += 1000) expected.add(key(j.id, t));
  }
  const inWindow = (t: number) => t >= s.from && t < s.to;
  const rows = (
    await s.stores.db.query<LogRow[]>(s.dbName, 'SELECT id, job_id, scheduled_at, finished_at, status, attempt FROM oasis_job_log WHERE scheduled_at >= ? AND scheduled_at < ?', [s.from, s.to])
  ).map((r) => ({ ...r, scheduled_at: Number(r.scheduled_at), finished_at: r.finished_at === null ? null : Number(r.finished_at) }));
  const execs = (await readExecutions(s.recordFiles())).filter((e) => inWindow(e.scheduledAt));

  const recordedFires = new Set(rows.map((r) => key(r.job_id, r.scheduled_at)));
  const statuses: Record<string, number> = {};
  for (const r of rows) statuses[r.status] = (statuses[r.status] ?? 0) + 1;

  const perAttempt = new Map<string, number>();
  const firstStart = new Map<string, number>();
  const ranTasks = new Map<string, Execution>();
  const laterAttempt = new Map<string, number>();
  for (const e of execs) {
    const k = key(e.jobId, e.scheduledAt);
    perAttempt.set(`${k}#${e.attempt}`, (perAttempt.get(`${k}#${e.attempt}`) ?? 0) + 1);
    firstStart.set(k, Math.min(firstStart.get(k) ?? Infinity, e.startedAt));
    ranTasks.set(e.taskId, e);
    laterAttempt.set(k, Math.max(laterAttempt.get(k) ?? 0, e.attempt));
  }
  const twice = new Set<string>();
  const runTwiceDetail: string[] = [];
  for (const [ka, n] of perAttempt) {
    if (n <= 1) continue;
    twice.add(ka.split('#')[0]!);
    if (runTwiceDetail.length >= 5) continue;
    const runs = execs.filter((e) => `${key(e.jobId, e.scheduledAt)}#${e.attempt}` === ka);
    runTwiceDetail.push(`${ka}: ${runs.map((e) => `${e.taskId} on ${e.workerId} at +${e.startedAt - e.scheduledAt} ms`).join(', ')}`);
  }

  let badLost = 0;
  const badLostDetail: string[] = [];
  for (const r of rows.filter((x) => x.status === 'LOST')) {
    const ran = ranTasks.get(r.id);
    const retried = (laterAttempt.get(key(r.job_id, r.scheduled_at)) ?? 0) > r.attempt;
    const why = !ran ? 'never ran' : !s.killedWorkers.has(ran.workerId) ? `ran on ${ran.workerId}, which did not die` : !retried ? 'not retried' : '';
    if (!why) continue;
    badLost++;
    if (badLostDetail.length < 5) badLostDetail.push(`${r.id}#${r.attempt} (scheduled ${new Date(r.scheduled_at).toISOString()}): ${why}`);
  }

  const lateness: number[] = [];
  const bad: number[] = [];
  let run = 0;
  for (const k of expected) {
    const t = Number(k.split('@')[1]);
    const start = firstStart.get(k);
    if (start === undefined) {
      bad.push(t);
      continue;
    }
    run++;
    lateness.push(start - t);
    if (start - t > CHAOS.lateMs) bad.push(t);
  }
  let recoveryMs: number | null = null;
  if (s.faults.length > 0) {
    recoveryMs = 0;
    for (const t of bad) {
      const before = s.faults.filter((f) => f.start <= t);
      const last = before.length ? Math.max(...before.map((f) => f.end)) : s.from;
      recoveryMs = Math.max(recoveryMs, t + 1000 - last);
    }
  }

  const written = await s.stores.db
    .query<{ d: number }[]>(s.dbName, 'SELECT w.written_at - l.finished_at AS d FROM chaos_written w JOIN oasis_job_log l ON l.id = w.id WHERE l.scheduled_at >= ? AND l.scheduled_at < ?', [s.from, s.to])
    .catch(() => null);
  const dupTable = await s.stores.db.query<{ n: number }[]>(s.dbName, 'SELECT COUNT(*) AS n FROM oasis_job_log_duplicate').catch(() => null);

  return {
    scenario: s.name,
    expected: expected.size,
    recorded: [...expected].filter((k) => recordedFires.has(k)).length,
    run,
    runTwice: twice.size,
    runTwiceDetail,
    unrun: expected.size - run,
    statuses,
    badLost,
    badLostDetail,
    extra: new Set(execs.map((e) => key(e.jobId, e.scheduledAt)).filter((k) => !expected.has(k))).size,
    p99LateMs: percentile(lateness, 99),
    maxLateMs: lateness.length ? Math.max(...lateness) : 0,
    recoveryMs,
    recordP99Ms: written && written.length ? percentile(written.map((w) => Number(w.d)), 99) : null,
    duplicatesKept: dupTable ? Number(dupTable[0]?.n ?? 0) : null,
    unhandled: s.counts.unhandled,
    deadlocks: s.counts.deadlocks,
    notes,
  };
}
