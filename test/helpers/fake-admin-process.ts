/**
 * A {@link FakeAdmin} as a process of its own (run by `runTs`), for SDK tests whose worker blocks
 * its own event loop: an admin in the test's process would be blocked with it. It accepts
 * liveness connections, queues one task of handler `FAKE_ADMIN_TASK_HANDLER` (id from
 * `FAKE_ADMIN_TASK_ID`; with `FAKE_ADMIN_TASK_AFTER_LIVENESS=1` only once the first liveness
 * heartbeat arrived, so a handler that blocks from its first line blocks a connected thread), and prints to stdout `url <url>` once listening, then one
 * `liveness <json>` line per liveness heartbeat (`{at, running}`, `at` by this process's clock)
 * and `result <json>` per result accepted.
 */
import { FakeAdmin, makeTask } from './fake-admin.js';

const admin = await FakeAdmin.start({ heartbeatMs: Number(process.env.FAKE_ADMIN_HEARTBEAT_MS ?? 200), liveness: true });
const task = makeTask(process.env.FAKE_ADMIN_TASK_HANDLER ?? 'busy', { id: process.env.FAKE_ADMIN_TASK_ID ?? 't-busy' });
let queued = process.env.FAKE_ADMIN_TASK_AFTER_LIVENESS !== '1';
if (queued) admin.enqueue(task);
const push = admin.livenessHeartbeats.push.bind(admin.livenessHeartbeats);
admin.livenessHeartbeats.push = (...items) => {
  for (const h of items) process.stdout.write(`liveness ${JSON.stringify({ at: h.at, running: h.running })}\n`);
  const n = push(...items);
  if (!queued) {
    queued = true;
    admin.enqueue(task);
  }
  return n;
};
const set = admin.accepted.set.bind(admin.accepted);
admin.accepted.set = (id, result) => {
  process.stdout.write(`result ${JSON.stringify(result)}\n`);
  return set(id, result);
};
process.stdout.write(`url ${admin.url}\n`);
process.on('SIGTERM', () => void admin.close().then(() => process.exit(0)));
