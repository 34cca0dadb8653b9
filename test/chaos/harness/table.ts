/**
 * The chaos table: each scenario prints its row when it is measured; the whole table is printed
 * once after the run (a root `after` hook, registered when a scenario file imports this module)
 * and appended to OASIS_CHAOS_TABLE_FILE when that is set.
 */
import { appendFileSync } from 'node:fs';
import { expect } from 'chai';
import type { ChaosRow } from './measure.js';
import { CHAOS, SHORT } from './settings.js';

const rows: ChaosRow[] = [];

const HEADER = ['scenario', 'expected', 'recorded', 'run', 'run twice', 'unrun', 'statuses', 'bad LOST', 'p99 late ms', 'max late ms', 'recovery s', 'record p99 ms', 'dups kept', 'unhandled/deadlocks', 'notes'];

function cells(r: ChaosRow): string[] {
  const statuses = Object.entries(r.statuses)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const opt = (v: number | null, f: (n: number) => string = String) => (v === null ? '–' : f(v));
  return [
    r.scenario, String(r.expected), String(r.recorded), String(r.run), String(r.runTwice), String(r.unrun), statuses, String(r.badLost),
    String(r.p99LateMs), String(r.maxLateMs), opt(r.recoveryMs, (n) => (n / 1000).toFixed(1)), opt(r.recordP99Ms), opt(r.duplicatesKept),
    `${r.unhandled}/${r.deadlocks}`, r.notes,
  ];
}

const line = (c: string[]) => `| ${c.join(' | ')} |`;

/** The markdown table of `list`, headed by the run's conditions. */
export function formatTable(list: ChaosRow[]): string {
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const head = `chaos ${SHORT ? 'short' : 'full'} run, ${when} UTC: ${CHAOS.jobs} jobs FIXED_RATE 1000 ms, window ${CHAOS.windowS} s, handler ${CHAOS.handlerMs} ms`;
  return [head, '', line(HEADER), line(HEADER.map(() => '---')), ...list.map((r) => line(cells(r)))].join('\n');
}

/** Adds `row` to the table and prints it. */
export function report(row: ChaosRow): void {
  rows.push(row);
  process.stdout.write(`\n      ${line(cells(row))}\n`);
}

/** What a scenario must show; the defaults are the passing rules. */
export interface Rules {
  /** LOST records are allowed (tasks on a worker that died, each retried). Default false. */
  lostAllowed?: boolean;
  /** Highest p99 lateness (ms). */
  p99LateMs?: number;
  /** Highest p99 of written-minus-finished (ms). */
  recordP99Ms?: number;
}

/** Asserts the passing rules on `row`, naming every broken one at once. */
export function expectPasses(row: ChaosRow, rules: Rules = {}): void {
  const broken: string[] = [];
  const check = (ok: boolean, what: string) => void (ok || broken.push(what));
  check(row.expected - row.recorded === 0, `${row.expected - row.recorded} fires without a final record`);
  check(row.runTwice === 0, `${row.runTwice} fires run twice (${row.runTwiceDetail.join('; ')})`);
  check(row.unrun === 0, `${row.unrun} fires never run`);
  check(!row.statuses.NO_WORKER, `${row.statuses.NO_WORKER} NO_WORKER records for an outage shorter than the grace`);
  check(row.badLost === 0, `${row.badLost} LOST records of tasks not running on a worker that died, or not retried (${row.badLostDetail.join('; ')})`);
  if (!rules.lostAllowed) check(!row.statuses.LOST, `${row.statuses.LOST} LOST records although no worker died`);
  if (rules.p99LateMs !== undefined) check(row.p99LateMs <= rules.p99LateMs, `p99 lateness ${row.p99LateMs} ms > ${rules.p99LateMs} ms`);
  if (rules.recordP99Ms !== undefined) {
    check(row.recordP99Ms !== null && row.recordP99Ms <= rules.recordP99Ms, `final records p99 ${row.recordP99Ms} ms after their end > ${rules.recordP99Ms} ms`);
  }
  check(row.unhandled === 0, `${row.unhandled} unhandled error events in the admins' output`);
  check(row.deadlocks === 0, `${row.deadlocks} deadlocks in the admins' output`);
  expect(broken, `${row.scenario}: ${broken.join('; ')}`).to.deep.equal([]);
}

after(function () {
  if (rows.length === 0) return;
  const table = formatTable(rows);
  process.stdout.write(`\n${table}\n`);
  if (process.env.OASIS_CHAOS_TABLE_FILE) appendFileSync(process.env.OASIS_CHAOS_TABLE_FILE, `${table}\n\n`);
});
