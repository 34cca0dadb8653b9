import { expect } from 'chai';
import { silentLogger } from '../../server/src/domain/logger.js';
import { FinalWriter } from '../../server/src/results/final-writer.js';
import type { FinalRecord, FinalText } from '../../server/src/store/db/index.js';
import { createAdminStack, type AdminStack } from '../helpers/admin-stack.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { createAppSchema, createJobSchema } from '@oasis/worker-client/contracts';
import { parsed } from '../helpers/parsed.js';
import { finalRecord } from '../helpers/final-records.js';
import { recordingLogger } from '../helpers/loggers.js';

describe('final writer: Redis stream → MySQL, through a database outage', function () {
  this.timeout(30_000);
  let s: AdminStack;
  beforeEach(async () => {
    s = await createAdminStack();
  });
  afterEach(async () => {
    await s.close();
  });

  it('keeps records in Redis while writes fail, then writes each exactly once', async () => {
    await s.services.apps.create(parsed(createAppSchema, { name: 'fw', title: 'FW' }));
    const job = await s.services.jobs.create(parsed(createJobSchema, { app: 'fw', name: 'j', handler: 'h', schedule: { type: 'NONE' } }), s.adminUser);
    const tasks = s.store.tasks;
    await s.store.workers.register('fw', { workerId: 'w', concurrency: 100, handlers: ['h'], host: null, pid: null, adminId: 'a', conn: 'c' }, Date.now());
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await s.hot.trigger(job, { triggerType: 'API' })).taskId as string);
    const pulled = (await tasks.pull('fw', 'w', 100, Date.now(), 30_000)) ?? [];
    expect(pulled).to.have.length(30);
    await tasks.appendLog('fw', 'w', ids[0] as string, ['line one', 'line two'], 100);
    const now = Date.now();
    await tasks.complete('fw', 'w', pulled.map((t) => ({ taskId: t.id, attempt: 1, status: 'SUCCESS' as const, output: '"ok"', startedAt: now, finishedAt: now })), now, 15_000);

    let outage = 3;
    let attempts = 0;
    const writer = new FinalWriter({
      finals: s.store.finals,
      apps: async () => ['fw'],
      appId: (name) => s.repos.apps.idOf(name),
      write: async (records: FinalRecord[], texts: FinalText[]) => {
        attempts++;
        if (outage-- > 0) throw new Error('simulated database outage');
        await s.repos.logs.writeFinals(records, texts);
      },
      consumer: 'test-admin',
      logger: silentLogger,
      idleMs: 20,
      effects: s.effects,
    });
    writer.start();
    try {
      // While the database is "down" nothing is lost: the records wait in the stream.
      await waitFor(async () => attempts >= 2, 10_000, 'failed attempts');
      expect(await s.store.finals.backlog(['fw'])).to.equal(30);
      const rows = await waitFor(
        async () => {
          const page = await s.repos.logs.list({ jobId: job.id, limit: 100 });
          return page.items.length === 30 && page;
        },
        20_000,
        '30 rows after the outage',
      );
      expect(new Set(rows.items.map((i) => i.id))).to.deep.equal(new Set(ids));
      expect(rows.items.every((i) => i.status === 'SUCCESS' && i.triggerType === 'API')).to.equal(true);
      await waitFor(async () => (await s.store.finals.backlog(['fw'])) === 0, 5000, 'stream drained');
      expect((await s.repos.logs.getText(ids[0] as string))?.text).to.equal('line one\nline two');
    } finally {
      await writer.stop();
    }
  });

  it('keeps writing while nudges keep coming: a nudge never postpones an armed flush', async () => {
    await s.services.apps.create(parsed(createAppSchema, { name: 'fw', title: 'FW' }));
    const job = await s.services.jobs.create(parsed(createJobSchema, { app: 'fw', name: 'j', handler: 'h', schedule: { type: 'NONE' } }), s.adminUser);
    const tasks = s.store.tasks;
    await s.store.workers.register('fw', { workerId: 'w', concurrency: 100_000, handlers: ['h'], host: null, pid: null, adminId: 'a', conn: 'c' }, Date.now() + 3_600_000);
    const writer = new FinalWriter({
      finals: s.store.finals,
      apps: async () => ['fw'],
      appId: (name) => s.repos.apps.idOf(name),
      write: (records, texts) => s.repos.logs.writeFinals(records, texts),
      consumer: 'test-admin',
      logger: silentLogger,
      effects: s.effects,
    });
    writer.start();
    // Results arrive steadily and each batch nudges the writer, as Dispatcher.results does.
    const nudges = setInterval(() => writer.nudge(), 5);
    const ended = new Map<string, number>();
    try {
      const until = Date.now() + 3000;
      while (Date.now() < until) {
        const id = (await s.hot.trigger(job, { triggerType: 'API' })).taskId as string;
        await tasks.pull('fw', 'w', 10, Date.now(), 30_000);
        const now = Date.now();
        await tasks.complete('fw', 'w', [{ taskId: id, attempt: 1, status: 'SUCCESS' as const, output: '"ok"', startedAt: now, finishedAt: now }], now, 15_000);
        ended.set(id, now);
        await sleep(5);
      }
      // Still nudging: every record that ended more than a second ago is in the database already.
      const old = [...ended].filter(([, at]) => at < Date.now() - 1000).map(([id]) => id);
      expect(old.length).to.be.greaterThan(50);
      const page = await s.repos.logs.list({ jobId: job.id, limit: 100_000 });
      const stored = new Set(page.items.map((i) => i.id));
      expect(old.filter((id) => !stored.has(id))).to.deep.equal([]);
    } finally {
      clearInterval(nudges);
      await writer.stop();
    }
  });

  it('logs a second record of a fire once, counts it, and leaves the first record as it was', async () => {
    await s.services.apps.create(parsed(createAppSchema, { name: 'fw', title: 'FW' }));
    const job = await s.services.jobs.create(parsed(createJobSchema, { app: 'fw', name: 'j', handler: 'h', schedule: { type: 'NONE' } }), s.adminUser);
    await s.store.workers.register('fw', { workerId: 'w', concurrency: 10, handlers: ['h'], host: null, pid: null, adminId: 'a', conn: 'c' }, Date.now() + 3_600_000);
    const id = (await s.hot.trigger(job, { triggerType: 'API' })).taskId as string;
    const [task] = (await s.store.tasks.pull('fw', 'w', 10, Date.now(), 30_000)) ?? [];
    expect(task?.id).to.equal(id);
    // The same fire recorded already under another task id (it ran twice).
    const appId = (await s.repos.apps.idOf('fw'))!;
    await s.repos.logs.writeFinals([finalRecord({ id: `${job.id}-earlier`, jobId: job.id, appId, scheduledAt: task!.scheduledAt, triggerType: 'API' })], []);
    const now = Date.now();
    await s.store.tasks.complete('fw', 'w', [{ taskId: id, attempt: 1, status: 'FAILED' as const, output: 'boom', startedAt: now, finishedAt: now }], now, 15_000);

    const logger = recordingLogger(['warn']);
    const writer = new FinalWriter({
      finals: s.store.finals,
      apps: async () => ['fw'],
      appId: (name) => s.repos.apps.idOf(name),
      write: (records, texts) => s.repos.logs.writeFinals(records, texts),
      consumer: 'test-admin',
      logger,
      idleMs: 20,
      effects: s.effects,
    });
    writer.start();
    try {
      await waitFor(async () => (await s.store.finals.backlog(['fw'])) === 0, 10_000, 'stream drained');
    } finally {
      await writer.stop();
    }
    expect(writer.duplicates).to.equal(1);
    const warned = logger.lines.filter((l) => l.msg.includes('second record of a fire'));
    expect(warned).to.have.length(1);
    expect(warned[0]?.obj).to.include({ app: 'fw', jobId: job.id, scheduledAt: task!.scheduledAt, taskId: id, firstTaskId: `${job.id}-earlier` });
    expect((await s.repos.logs.get(`${job.id}-earlier`))?.status).to.equal('SUCCESS');
    expect((await s.repos.logs.listDuplicates({ jobId: job.id, limit: 10, offset: 0 })).items.map((d) => [d.id, d.status])).to.deep.equal([[id, 'FAILED']]);
  });
});
