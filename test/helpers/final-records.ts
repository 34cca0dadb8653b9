/**
 * Final records for tests of what follows a result (alarms, child jobs, reports, the log pages):
 * one set of defaults, each test overriding what it is about.
 */
import type { WrittenRecord } from '../../server/src/results/final-writer.js';
import type { FinalRecord } from '../../server/src/store/db/index.js';

/** The scheduled instant of a record unless told otherwise (2023-11-14T22:13:20Z). */
export const RECORD_T0 = 1_700_000_000_000;

/**
 * A final record as the database stores it: a SUCCESS of a CRON fire at {@link RECORD_T0} on
 * worker `w` (one shard, first attempt, no params, result or error) of app 1, with `over` on top.
 */
export function finalRecord(over: Partial<FinalRecord> & Pick<FinalRecord, 'id' | 'jobId'>): FinalRecord {
  return {
    appId: 1,
    handler: 'h',
    scheduledAt: RECORD_T0,
    startedAt: RECORD_T0 + 1,
    finishedAt: RECORD_T0 + 2,
    status: 'SUCCESS',
    triggerType: 'CRON',
    workerId: 'w',
    shardIndex: 0,
    shardTotal: 1,
    attempt: 1,
    params: '',
    result: null,
    error: null,
    ...over,
  };
}

/** A record as the final writer hands it to its listeners: {@link finalRecord}, final (no retry follows), without children unless `over` says. */
export function writtenRecord(over: Partial<WrittenRecord> & Pick<WrittenRecord, 'id' | 'jobId'>): WrittenRecord {
  return { ...finalRecord(over), retryTaskId: '', hasChildren: false, ...over };
}
