import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { AlarmPayload } from '../../server/src/results/alarms/alarm-event.js';
import { AlarmService } from '../../server/src/results/alarms/alarm-service.js';
import { smtpSender } from '../../server/src/results/alarms/email-sender.js';
import { silentLogger, type Logger } from '../../server/src/domain/logger.js';
import { EffectsBus } from '../../server/src/events/effects-bus.js';
import type { JobRecord } from '../../server/src/domain/types.js';
import { FinalWriter, type WrittenRecord } from '../../server/src/results/final-writer.js';
import type { FinalsStore } from '../../server/src/store/redis/finals-store.js';
import { createHotStore } from '../../server/src/store/redis/hot-store.js';
import { OnceStore } from '../../server/src/store/redis/once-store.js';
import { RECORD_T0, writtenRecord } from '../helpers/final-records.js';
import { recordingLogger } from '../helpers/loggers.js';
import { waitFor } from '../helpers/wait.js';
import { createTestRedis, type TestRedis } from '../helpers/redis.js';

/** A job definition with alarm settings (the rest does not matter to alarms). */
function job(id: number, alarm: { emails?: string[]; webhooks?: string[] }): JobRecord {
  return {
    id,
    app: 'al',
    name: `job-${id}`,
    handler: 'h',
    params: '',
    schedule: { type: 'NONE' },
    misfire: { policy: 'SKIP', thresholdMs: 10_000 },
    overlap: 'ALLOW',
    routing: 'BUSYOVER',
    timeoutMs: 0,
    retry: { count: 0, backoff: 'FIXED', delayMs: 0, maxDelayMs: 0, jitter: 0 },
    childJobIds: [],
    childOptions: { onFailure: false, passResult: false },
    alarm: { emails: alarm.emails ?? [], webhooks: alarm.webhooks ?? [] },
    script: null,
    scriptVersion: 0,
    enabled: true,
    paused: false,
    pauseNote: '',
    version: 1,
    createdAt: 0,
    updatedAt: 0,
  } as JobRecord;
}

function record(id: string, jobId: number, status: WrittenRecord['status'], retryTaskId = ''): WrittenRecord {
  const error = status === 'SUCCESS' ? null : 'boom';
  return writtenRecord({ id, jobId, status, startedAt: RECORD_T0 + 10, finishedAt: RECORD_T0 + 20, workerId: 'w1', attempt: 2, error, retryTaskId });
}

interface Hit {
  path: string;
  headers: IncomingHttpHeaders;
  body: AlarmPayload;
}

/** A local webhook receiver: `/ok` answers 200, `/flaky` 500 on its first call, `/down` always 503. */
async function webhookServer(): Promise<{ server: Server; url: string; hits: Hit[] }> {
  const hits: Hit[] = [];
  let flakyCalls = 0;
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      hits.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(data) as AlarmPayload });
      const fail = req.url === '/down' || (req.url === '/flaky' && ++flakyCalls === 1);
      res.writeHead(fail ? (req.url === '/down' ? 503 : 500) : 200).end('');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

describe('alarms: webhooks and emails on final failures, once per task', function () {
  this.timeout(30_000);
  let r: TestRedis;
  let hooks: Awaited<ReturnType<typeof webhookServer>>;
  // The receiver is local: webhooks may reach loopback only because the allow list says so.
  const delivery = { timeoutMs: 2000, attempts: 3, retryMs: 20, allow: ['127.0.0.1'] };

  beforeEach(async () => {
    r = createTestRedis();
    hooks = await webhookServer();
  });
  afterEach(async () => {
    hooks.server.closeAllConnections();
    hooks.server.close();
    await r.cleanup();
  });

  const service = (jobs: JobRecord[], logger: Logger = recordingLogger(), email: ReturnType<typeof smtpSender> | null = null) =>
    new AlarmService({
      job: async (id) => jobs.find((j) => j.id === id) ?? null,
      once: new OnceStore(r.redis, r.keys),
      email,
      delivery,
      logger,
    });

  it('POSTs the JSON alarm of a final FAILED record; retries a failing endpoint until it answers', async () => {
    const logger = recordingLogger();
    const alarms = service([job(7, { webhooks: [`${hooks.url}/flaky`, `${hooks.url}/ok`] })], logger);
    await alarms.onWritten('al', [record('7-a', 7, 'FAILED')]);
    await alarms.idle();

    const flaky = hooks.hits.filter((h) => h.path === '/flaky');
    expect(flaky).to.have.length(2); // 500, then 200
    expect(hooks.hits.filter((h) => h.path === '/ok')).to.have.length(1);
    const body = flaky[1]!.body;
    expect(body).to.deep.include({ event: 'FAILED', app: 'al', misfire: null });
    expect(body.job).to.deep.equal({ id: 7, name: 'job-7', handler: 'h' });
    expect(body.task).to.deep.include({ id: '7-a', status: 'FAILED', attempt: 2, scheduledAt: 1_700_000_000_000, error: 'boom', workerId: 'w1' });
    expect(body.at).to.be.a('number');
    expect(flaky[0]!.headers['content-type']).to.equal('application/json');
    // The same delivery id on every try lets a receiver drop a repeat.
    expect(flaky[0]!.headers['x-oasis-delivery']).to.equal(flaky[1]!.headers['x-oasis-delivery']);
    expect(logger.lines.filter((l) => l.level === 'error')).to.deep.equal([]);
  });

  it('logs an endpoint that fails every try, after the configured tries', async () => {
    const logger = recordingLogger();
    const alarms = service([job(8, { webhooks: [`${hooks.url}/down`] })], logger);
    await alarms.onWritten('al', [record('8-a', 8, 'TIMEOUT')]);
    await alarms.idle();
    expect(hooks.hits).to.have.length(3);
    const failed = logger.lines.filter((l) => l.level === 'error');
    expect(failed).to.have.length(1);
    expect(failed[0]!.obj).to.deep.include({ url: `${hooks.url}/down`, tries: 3, error: 'HTTP 503', taskId: '8-a' });
  });

  it('alarms only final FAILED / TIMEOUT / LOST / NO_WORKER records', async () => {
    const alarms = service([job(9, { webhooks: [`${hooks.url}/ok`] })]);
    await alarms.onWritten('al', [
      record('9-success', 9, 'SUCCESS'),
      record('9-killed', 9, 'KILLED'),
      record('9-discarded', 9, 'DISCARDED'),
      record('9-retried', 9, 'FAILED', '9-next'),
      record('9-failed', 9, 'FAILED'),
      record('9-timeout', 9, 'TIMEOUT'),
      record('9-lost', 9, 'LOST'),
      record('9-noworker', 9, 'NO_WORKER'),
    ]);
    await alarms.idle();
    expect(hooks.hits.map((h) => h.body.task?.id).sort()).to.deep.equal(['9-failed', '9-lost', '9-noworker', '9-timeout']);
  });

  it('sends one alarm per task across admins and a batch delivered again', async () => {
    const jobs = [job(10, { webhooks: [`${hooks.url}/ok`] })];
    const a = service(jobs);
    const b = service(jobs);
    const batch = [record('10-a', 10, 'LOST'), record('10-b', 10, 'NO_WORKER')];
    await Promise.all([a.onWritten('al', batch), b.onWritten('al', batch), a.onWritten('al', batch)]);
    await Promise.all([a.idle(), b.idle()]);
    expect(hooks.hits.map((h) => h.body.task?.id).sort()).to.deep.equal(['10-a', '10-b']);
  });

  it('raises no alarm twice when the final writer delivers a batch again (ack failed after the write)', async () => {
    const hot = createHotStore(r.redis, r.keys);
    const finalsKey = r.keys.app('al').finals;
    for (const id of ['11-a', '11-b']) {
      await r.redis.xadd(finalsKey, '*', 'r', JSON.stringify({
        id, jobId: '11', handler: 'h', params: '', scheduledAt: '1700000000000', attempt: '1', trigger: 'CRON',
        shardIndex: '0', shardTotal: '1', worker: 'w1', startedAt: '1700000000001', finishedAt: '1700000000002',
        status: 'FAILED', result: '', error: 'boom', hasLog: 0, retryTaskId: '',
      }));
    }
    let failAcks = 1;
    const finals = {
      read: hot.finals.read.bind(hot.finals),
      logs: hot.finals.logs.bind(hot.finals),
      backlog: hot.finals.backlog.bind(hot.finals),
      ack: async (app: string, streamIds: string[], taskIds: string[]) => {
        if (failAcks-- > 0) throw new Error('simulated Redis failure after the database write');
        await hot.finals.ack(app, streamIds, taskIds);
      },
    } as unknown as FinalsStore;
    const alarms = service([job(11, { webhooks: [`${hooks.url}/ok`] })]);
    const told: string[] = [];
    const writer = new FinalWriter({
      finals,
      apps: async () => ['al'],
      appId: async () => 1,
      write: async () => undefined,
      consumer: 'test-admin',
      logger: recordingLogger(),
      idleMs: 20,
      onWritten: [alarms.onWritten, (_app, recs) => void told.push(...recs.map((x) => x.id))],
      effects: new EffectsBus(silentLogger),
    });
    writer.start();
    try {
      await waitFor(async () => (await hot.finals.backlog(['al'])) === 0, 10_000, 'stream drained');
    } finally {
      await writer.stop();
    }
    await alarms.idle();
    expect(told.sort()).to.deep.equal(['11-a', '11-a', '11-b', '11-b']); // the batch was told twice
    expect(hooks.hits.map((h) => h.body.task?.id).sort()).to.deep.equal(['11-a', '11-b']);
  });

  it('alarms a misfire cap once', async () => {
    const alarms = service([job(12, { webhooks: [`${hooks.url}/ok`] })]);
    const e = { app: 'al', jobId: 12, scheduledAt: 1_700_000_000_000, missed: 500 };
    alarms.onMisfireCap(e);
    alarms.onMisfireCap(e);
    await waitFor(async () => hooks.hits.length > 0, 5000, 'misfire webhook');
    await alarms.idle();
    expect(hooks.hits).to.have.length(1);
    expect(hooks.hits[0]!.body).to.deep.include({ event: 'MISFIRE_CAP', task: null, misfire: { scheduledAt: 1_700_000_000_000, missed: 500 } });
  });

  it('warns once per job when the job has emails but no SMTP server is configured', async () => {
    const logger = recordingLogger();
    const alarms = service([job(13, { emails: ['ops@example.test'] })], logger);
    await alarms.onWritten('al', [record('13-a', 13, 'FAILED'), record('13-b', 13, 'FAILED')]);
    await alarms.onWritten('al', [record('13-c', 13, 'FAILED')]);
    await alarms.idle();
    const warns = logger.lines.filter((l) => l.level === 'warn');
    expect(warns).to.have.length(1);
    expect(warns[0]!.msg).to.include('OASIS_SMTP_URL');
  });

  describe('email through a local SMTP server', () => {
    let smtp: SMTPServer;
    let port: number;
    const mails: { from: string; to: string[]; data: string; user: string | undefined }[] = [];

    beforeEach(async () => {
      mails.length = 0;
      smtp = new SMTPServer({
        disabledCommands: ['STARTTLS'],
        allowInsecureAuth: true,
        logger: false,
        onAuth(auth, _session, cb) {
          if (auth.username === 'alarm' && auth.password === 's3cret') cb(null, { user: auth.username });
          else cb(new Error('bad credentials'));
        },
        onData(stream, session, cb) {
          let data = '';
          stream.on('data', (c: Buffer) => (data += c.toString()));
          stream.on('end', () => {
            mails.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((x) => x.address),
              data,
              user: session.user as string | undefined,
            });
            cb();
          });
        },
      });
      await new Promise<void>((res) => smtp.listen(0, '127.0.0.1', () => res()));
      port = (smtp.server.address() as AddressInfo).port;
    });
    afterEach(async () => {
      await new Promise<void>((res) => smtp.close(() => res()));
    });

    it('sends the alarm to the job\'s addresses with its subject and body, once per task', async () => {
      const email = smtpSender(`smtp://alarm:s3cret@127.0.0.1:${port}`, 'Oasis <oasis@example.test>');
      const alarms = service([job(14, { emails: ['ops@example.test', 'dev@example.test'] })], recordingLogger(), email);
      const batch = [record('14-a', 14, 'TIMEOUT')];
      await alarms.onWritten('al', batch);
      await alarms.onWritten('al', batch);
      await alarms.stop();

      expect(mails).to.have.length(1);
      const m = mails[0]!;
      expect(m.user).to.equal('alarm');
      expect(m.from).to.equal('oasis@example.test');
      expect(m.to.sort()).to.deep.equal(['dev@example.test', 'ops@example.test']);
      expect(m.data).to.match(/^Subject: \[Oasis\] TIMEOUT: al\/job-14 \(job 14\)\r?$/m);
      expect(m.data).to.include('Task: 14-a');
      expect(m.data).to.include('Status: TIMEOUT (attempt 2, trigger CRON)');
      expect(m.data).to.include('boom');
    });
  });
});
