import { expect } from 'chai';
import { OasisWorker, WorkerOptionsError, WORKER_DEFAULTS, type WorkerOptions } from '@oasis/worker-client';

const base: WorkerOptions = { url: 'http://127.0.0.1:8080', app: 'demo', token: 't0k3n' };

function problemsOf(options: unknown): readonly string[] {
  try {
    new OasisWorker(options as WorkerOptions);
  } catch (err) {
    expect(err).to.be.instanceOf(WorkerOptionsError);
    expect(err).to.be.instanceOf(TypeError);
    return (err as WorkerOptionsError).problems;
  }
  expect.fail('the constructor accepted invalid options');
}

describe('worker-client: options', () => {
  it('applies the defaults and freezes the result', () => {
    const worker = new OasisWorker(base);
    const o = worker.options;
    expect(o.urls).to.deep.equal(['http://127.0.0.1:8080']);
    expect(o.concurrency).to.equal(WORKER_DEFAULTS.concurrency).and.equal(4);
    expect(o.pollMs).to.equal(1000);
    expect(o.heartbeatMs).to.equal(undefined);
    expect(o.workerId).to.match(new RegExp(`-${process.pid}-[0-9a-f]{6}$`));
    expect(Object.isFrozen(o)).to.equal(true);
    expect(Object.isFrozen(o.urls)).to.equal(true);
    expect(worker.state).to.equal('idle');
    expect(o.allowScripts, 'script jobs are off unless asked for').to.equal(false);
    expect(o.scriptKillGraceMs).to.equal(5000);
  });

  it('validates allowScripts and scriptKillGraceMs', () => {
    const text = problemsOf({ ...base, allowScripts: 'yes', scriptKillGraceMs: -1 }).join('\n');
    expect(text).to.include('allowScripts: must be true or false (got yes)');
    expect(text).to.include('scriptKillGraceMs: must be an integer from 0 to 600000');
    expect(new OasisWorker({ ...base, allowScripts: true, scriptKillGraceMs: 0 }).options).to.include({ allowScripts: true, scriptKillGraceMs: 0 });
  });

  it('lists every problem at once', () => {
    const problems = problemsOf({ concurrency: 0, heartbeatMs: 'fast', concurency: 3 });
    const text = problems.join('\n');
    expect(text).to.include('url: required');
    expect(text).to.include('app: required');
    expect(text).to.include('token: required');
    expect(text).to.include('concurrency: must be an integer from 1 to 10000');
    expect(text).to.include('heartbeatMs: must be an integer');
    expect(text).to.include('concurency: unknown option');
    expect(problems).to.have.length(6);
  });

  it('puts the problems in the error message', () => {
    expect(() => new OasisWorker({ ...base, concurrency: 10_001 })).to.throw(WorkerOptionsError, /concurrency: must be an integer from 1 to 10000/);
  });

  it('accepts urls for failover and normalises them to origins', () => {
    const worker = new OasisWorker({ app: 'demo', token: 't', urls: ['http://a:1/', 'https://b'] });
    expect(worker.options.urls).to.deep.equal(['http://a:1', 'https://b']);
  });

  it('refuses url and urls together, bad URLs, paths, and empty urls', () => {
    expect(problemsOf({ ...base, urls: ['http://x'] }).join()).to.include('url/urls: give one of them');
    expect(problemsOf({ ...base, url: 'not a url' }).join()).to.include('is not a valid URL');
    expect(problemsOf({ ...base, url: 'ftp://x' }).join()).to.include('protocol must be http');
    expect(problemsOf({ ...base, url: 'http://x/oasis' }).join()).to.include('without a path');
    expect(problemsOf({ app: 'a', token: 't', urls: [] }).join()).to.include('urls: must be a non-empty array');
    expect(problemsOf({ app: 'a', token: 't', urls: ['http://ok', 3] }).join()).to.include('urls[1]: must be a non-empty URL string');
  });

  it('validates workerId, logger and reconnect bounds', () => {
    expect(problemsOf({ ...base, workerId: 'a/b' }).join()).to.include('workerId:');
    expect(problemsOf({ ...base, app: 'x'.repeat(65) }).join()).to.include('app: at most 64');
    expect(new OasisWorker(base).workerId).to.match(/^[A-Za-z0-9_.:@-]{1,128}$/);
    const text = problemsOf({ ...base, workerId: 'has space', logger: { warn: 'loud' }, reconnectMinMs: 5000, reconnectMaxMs: 100 }).join('\n');
    expect(text).to.include('workerId:');
    expect(text).to.include('logger:');
    expect(text).to.include('reconnectMaxMs: must be >= reconnectMinMs');
  });

  it('keeps a given workerId and completes a partial logger', () => {
    const seen: string[] = [];
    const worker = new OasisWorker({ ...base, workerId: 'w-1', concurrency: 10_000, logger: { warn: (m) => seen.push(m) } });
    expect(worker.workerId).to.equal('w-1');
    expect(worker.options.concurrency).to.equal(10_000);
    worker.options.logger.debug('ignored');
    worker.options.logger.warn('kept');
    expect(seen).to.deep.equal(['kept']);
  });

  it('refuses a non-object', () => {
    expect(problemsOf(undefined)).to.have.length(1);
  });

  it('validates handler registration', () => {
    const worker = new OasisWorker(base);
    worker.handle('ok', () => 1);
    expect(() => worker.handle('ok', () => 2)).to.throw(/already registered/);
    expect(() => worker.handle('', () => 2)).to.throw(TypeError);
    expect(() => worker.handle('a b', () => 2)).to.throw(TypeError);
    expect(() => worker.handle('x', 'nope' as unknown as () => void)).to.throw(TypeError, /must be a function/);
  });
});
