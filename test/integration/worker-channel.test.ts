/**
 * The worker channel through a real admin (in process, real Redis and MariaDB) and raw
 * socket.io-client workers: a worker may log to, report progress for and complete only a task it
 * holds; a worker of one app reporting on another app's task is answered `rejected` (and the admin
 * logs a warning naming both apps), and the other app's task is left as it was.
 */
import { expect } from 'chai';
import type { RunningAdmin } from '../../server/src/main.js';
import { newTaskId } from '../../server/src/domain/ids.js';
import type { ApiClient } from '../helpers/api-client.js';
import { startInProcessAdmin, type InProcessAdmin } from '../helpers/in-process-admin.js';
import { recordingLogger, type LoggedLine as Warning } from '../helpers/loggers.js';
import { RAW_WORKER_ENV, rawWorker, type RawWorker } from '../helpers/raw-worker.js';

interface TaskView {
  status: string;
  workerId: string | null;
  progress: number | null;
}

describe('worker channel: holders only, and no app reaches another (real admin, raw sockets)', function () {
  this.timeout(60_000);
  let world: InProcessAdmin;
  let admin: RunningAdmin;
  let api: ApiClient;
  // Keeps warnings (the assertions read them), drops the rest.
  const logger = recordingLogger(['warn']);
  const warnings: Warning[] = logger.lines;
  const jobs: Record<'alpha' | 'beta', number> = { alpha: 0, beta: 0 };
  let a1: RawWorker;
  let a2: RawWorker;
  let b1: RawWorker;

  before(async () => {
    world = await startInProcessAdmin({ env: RAW_WORKER_ENV, logger });
    ({ admin, api } = world);
    const tokens: Record<string, string> = {};
    for (const app of ['alpha', 'beta'] as const) {
      tokens[app] = (await api.ok<{ token: string }>('POST', '/api/v1/apps', { name: app })).token;
      jobs[app] = (await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app, name: 'j', handler: 'h', schedule: { type: 'NONE' } })).id;
    }
    a1 = await rawWorker(admin.url, { app: 'alpha', token: tokens.alpha as string, workerId: 'a1' });
    a2 = await rawWorker(admin.url, { app: 'alpha', token: tokens.alpha as string, workerId: 'a2' });
    b1 = await rawWorker(admin.url, { app: 'beta', token: tokens.beta as string, workerId: 'b1' });
  });
  after(async () => {
    for (const w of [a1, a2, b1]) w?.close();
    await world?.close();
  });

  /** Triggers the app's job and has `w` pull the task: it runs under `w` now. */
  async function runningTask(app: 'alpha' | 'beta', w: RawWorker): Promise<string> {
    const { taskId } = await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${jobs[app]}/trigger`, {});
    const pulled = await w.call<{ ok: boolean; tasks: { id: string }[] }>('pull', { max: 1 });
    expect(pulled.tasks.map((t) => t.id)).to.deep.equal([taskId]);
    return taskId;
  }
  const task = (id: string) => api.ok<TaskView>('GET', `/api/v1/logs/${id}`);
  const text = async (id: string) => (await api.ok<{ lines: string[] }>('GET', `/api/v1/logs/${id}/text`)).lines;
  const result = (taskId: string) => ({ taskId, attempt: 1, status: 'SUCCESS', output: '"forged"', startedAt: Date.now(), finishedAt: Date.now() });

  it('another worker of the same app can neither log to, report progress for, nor complete a task it does not hold', async () => {
    const id = await runningTask('alpha', a1);

    const acks = [
      await a2.call('log', { taskId: id, seq: 0, lines: ['forged line'] }),
      await a2.call('progress', { taskId: id, value: 99 }),
      await a2.call('results', { results: [result(id)] }),
    ];
    expect(await text(id), 'no line of the other worker stored').to.deep.equal([]);
    expect(await task(id)).to.include({ status: 'RUNNING', workerId: 'a1', progress: null });
    expect(acks).to.deep.equal([
      { ok: true, verdict: 'rejected' },
      { ok: true, stored: false, verdict: 'rejected' },
      { ok: true, verdicts: ['rejected'] },
    ]);

    expect(await a1.call('log', { taskId: id, seq: 0, lines: ['my line'] })).to.deep.equal({ ok: true, verdict: 'accepted' });
    expect(await a1.call('progress', { taskId: id, value: 50 })).to.deep.equal({ ok: true, stored: true, verdict: 'accepted' });
    expect(await task(id)).to.include({ status: 'RUNNING', workerId: 'a1', progress: 50 });
    expect(await text(id)).to.deep.equal(['my line']);
    expect(await a1.call('results', { results: [result(id)] })).to.deep.equal({ ok: true, verdicts: ['accepted'] });
    // Over: a repeat is a harmless duplicate, for results, log lines and progress alike.
    expect(await a1.call('results', { results: [result(id)] })).to.deep.equal({ ok: true, verdicts: ['duplicate'] });
    expect(await a1.call('log', { taskId: id, seq: 1, lines: ['late'] })).to.deep.equal({ ok: true, verdict: 'duplicate' });
    expect(await a1.call('progress', { taskId: id, value: 60 })).to.deep.equal({ ok: true, stored: false, verdict: 'duplicate' });
  });

  it('refuses a result whose instants no Date can hold, and the task keeps running', async () => {
    const id = await runningTask('alpha', a1);
    const reply = await a1.call<{ ok: boolean; code?: string }>('results', { results: [{ ...result(id), startedAt: 8.64e15 + 1, finishedAt: 1 }] });
    expect(reply).to.include({ ok: false, code: 'OASIS_ERR_BAD_MESSAGE' });
    expect(await task(id)).to.include({ status: 'RUNNING', workerId: 'a1' });
    expect(await a1.call('results', { results: [result(id)] })).to.deep.equal({ ok: true, verdicts: ['accepted'] });
  });

  it("an alpha worker's result, log and progress for a beta task are rejected (warned with both apps); beta's task is untouched", async () => {
    const betaId = await runningTask('beta', b1);
    const alphaId = await runningTask('alpha', a1);
    warnings.length = 0;

    const logAck = await a1.call('log', { taskId: betaId, seq: 0, lines: ['cross-app line'] });
    const progressAck = await a1.call('progress', { taskId: betaId, value: 77 });
    // One batch: its own task (accepted), beta's (rejected), a task of a job that does not exist
    // (duplicate: nobody's), and a repeat of its own, now final (duplicate).
    const unknown = newTaskId(987_654_321);
    const reply = await a1.call('results', { results: [result(alphaId), result(betaId), result(unknown), result(alphaId)] });
    expect(reply).to.deep.equal({ ok: true, verdicts: ['accepted', 'rejected', 'duplicate', 'duplicate'] });
    expect(logAck).to.deep.equal({ ok: true, verdict: 'rejected' });
    expect(progressAck).to.deep.equal({ ok: true, stored: false, verdict: 'rejected' });

    const names = (w: Warning) => (Array.isArray(w.obj.taskIds) ? (w.obj.taskIds as unknown[]) : []);
    const crossApp = warnings.filter((w) => names(w).includes(betaId));
    expect(crossApp.map((w) => w.obj.event), 'one warning per refused message').to.deep.equal(['log', 'progress', 'results']);
    for (const w of crossApp) expect(w.obj).to.include({ app: 'alpha', workerId: 'a1', taskApp: 'beta', count: 1 });
    expect(warnings.some((w) => names(w).includes(unknown)), 'an unknown job is no cross-app report').to.equal(false);

    expect(await task(betaId)).to.include({ status: 'RUNNING', workerId: 'b1', progress: null });
    expect(await text(betaId)).to.deep.equal([]);
    expect(await b1.call('log', { taskId: betaId, seq: 0, lines: ['beta line'] })).to.deep.equal({ ok: true, verdict: 'accepted' });
    expect(await b1.call('results', { results: [result(betaId)] })).to.deep.equal({ ok: true, verdicts: ['accepted'] });
  });
});
