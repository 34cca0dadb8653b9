/**
 * A running task seen through the REST API of a real admin process, with an SDK worker in the
 * test: its execution log is served while it runs (paged with `from=`), its progress shows on
 * the in-flight record, and after the end the full persisted log is served.
 */
import { expect } from 'chai';
import { createAppOn, createE2eWorld, type E2eWorld } from '../helpers/e2e-env.js';
import { waitFor } from '../helpers/wait.js';

interface LogText {
  lines: string[];
  from: number;
  next: number;
  done: boolean;
}
interface LogRecord {
  id: string;
  status: string;
  progress: number | null;
  result: string | null;
}

/** A promise with its resolver. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

const strip = (lines: string[]) => lines.map((l) => l.replace(/^\S+ /, ''));

describe('e2e: a running task through the REST API (live log, progress)', function () {
  this.timeout(60_000);
  let world: E2eWorld;

  beforeEach(async () => {
    world = await createE2eWorld();
  });
  afterEach(async () => {
    await world.cleanup();
  });

  it('serves log lines while the task runs (from= paging), its progress, then the full persisted log', async () => {
    const admin = await world.startAdmin();
    const { api, token } = await createAppOn(admin.url, 'live');
    const first = gate();
    const second = gate();
    const worker = world.worker({ url: admin.url, app: 'live', token, pollMs: 100, logger: { warn: () => {} } });
    worker.handle('steps', async (ctx) => {
      for (let i = 1; i <= 3; i++) ctx.log(`line ${i}`);
      ctx.progress(30);
      await first.wait;
      ctx.log('line 4');
      ctx.log('line 5');
      ctx.progress(60);
      await second.wait;
      return { steps: 5 };
    });
    await worker.start();
    const job = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'live', name: 'steps', handler: 'steps', schedule: { type: 'NONE' } });
    const { taskId } = await api.ok<{ taskId: string }>('POST', `/api/v1/jobs/${job.id}/trigger`, {});
    const text = (from: number) => api.ok<LogText>('GET', `/api/v1/logs/${taskId}/text?from=${from}`);
    const record = () => api.ok<LogRecord>('GET', `/api/v1/logs/${taskId}`);

    try {
      // While running: the first three lines, not done.
      const early = await waitFor(async () => {
        const t = await text(0);
        return t.lines.length >= 3 && t;
      }, 10_000, 'the first live lines');
      expect(early).to.include({ from: 0, next: 3, done: false });
      expect(strip(early.lines)).to.deep.equal(['line 1', 'line 2', 'line 3']);
      expect((await text(3)).lines, 'nothing new yet').to.deep.equal([]);
      const running = await waitFor(async () => {
        const r = await record();
        return r.progress === 30 && r;
      }, 5000, 'progress 30');
      expect(running.status).to.equal('RUNNING');
      const listed = await api.ok<{ items: LogRecord[] }>('GET', `/api/v1/logs?jobId=${job.id}`);
      expect(listed.items.find((i) => i.id === taskId)).to.include({ status: 'RUNNING', progress: 30 });

      // More lines: a viewer asking from its `next` gets only the new ones.
      first.open();
      const later = await waitFor(async () => {
        const t = await text(early.next);
        return t.lines.length >= 2 && t;
      }, 5000, 'the next live lines');
      expect(later).to.include({ from: 3, next: 5, done: false });
      expect(strip(later.lines)).to.deep.equal(['line 4', 'line 5']);
      await waitFor(async () => (await record()).progress === 60, 5000, 'progress 60');

      // After the end: the whole log from the database, done.
      second.open();
      const final = await waitFor(async () => {
        const r = await record();
        return r.status === 'SUCCESS' && r;
      }, 10_000, 'the final record');
      expect(final).to.include({ result: '{"steps":5}', progress: null });
      const persisted = await waitFor(async () => {
        const t = await text(0);
        return t.done && t;
      }, 10_000, 'the persisted log');
      expect(strip(persisted.lines)).to.deep.equal(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
      expect(persisted).to.include({ from: 0, next: 5 });
      const tail = await text(4);
      expect(tail).to.include({ from: 4, next: 5, done: true });
      expect(strip(tail.lines)).to.deep.equal(['line 5']);
    } finally {
      first.open();
      second.open();
    }
  });
});

