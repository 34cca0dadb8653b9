/** Pure parts of the worker SDK: log buffering, result encoding, backoff, the job context. */
import { expect } from 'chai';
import type { LogMessage } from '@oasis/worker-client/protocol';
import { LogBuffer, LogShipper } from '../../../worker-client/src/log-buffer.js';
import { capUtf8, encodeError, encodeOutput, MAX_OUTPUT_BYTES } from '../../../worker-client/src/encode.js';
import { backoffDelay } from '../../../worker-client/src/backoff.js';
import { TaskContext } from '../../../worker-client/src/context.js';
import { InvalidParamsError, NonRetryableError } from '../../../worker-client/src/errors.js';

const limits = { flushMs: 20, batchLines: 100, maxLines: 5000, maxLineBytes: 100 };

describe('worker-client: log buffer', () => {
  it('caps a task at maxLines plus one notice', () => {
    const sent: LogMessage[] = [];
    const buf = new LogBuffer('t1', (m) => (sent.push(m), true), limits);
    for (let i = 0; i < 6000; i++) buf.log(i);
    buf.close();
    const lines = sent.flatMap((m) => m.lines);
    expect(lines).to.have.length(5001);
    expect(lines[4999]).to.match(/ 4999$/);
    expect(lines[5000]).to.include('log capped at 5000 lines');
    expect(sent.map((m) => m.seq)).to.deep.equal(Array.from({ length: 51 }, (_, i) => i * 100));
  });

  it('sends full batches at once, without waiting for the timer', () => {
    const sent: LogMessage[] = [];
    const buf = new LogBuffer('t0', (m) => (sent.push(m), true), { ...limits, flushMs: 60_000 });
    for (let i = 0; i < 250; i++) buf.log(i);
    expect(sent.map((m) => [m.seq, m.lines.length])).to.deep.equal([[0, 100], [100, 100]]);
    expect(buf.drained).to.equal(false);
    buf.close();
    expect(sent.map((m) => m.seq)).to.deep.equal([0, 100, 200]);
    expect(buf.drained).to.equal(true);
  });

  it('flushes a partial batch after flushMs, and keeps lines while it cannot send', async () => {
    let online = false;
    const sent: LogMessage[] = [];
    const shipper = new LogShipper((m) => online && (sent.push(m), true), limits);
    const buf = shipper.open('t2');
    buf.log('a');
    buf.log('b');
    await new Promise((r) => setTimeout(r, 40));
    expect(sent).to.have.length(0);
    shipper.close('t2');
    buf.log('after close is ignored');
    expect(shipper.waiting).to.equal(1);
    online = true;
    shipper.flushAll();
    expect(shipper.waiting).to.equal(0);
    expect(sent).to.have.length(1);
    expect(sent[0]?.seq).to.equal(0);
    expect(sent[0]?.lines.map((l) => l.slice(25))).to.deep.equal(['a', 'b']);
  });

  it('caps long lines', () => {
    const sent: LogMessage[] = [];
    const buf = new LogBuffer('t3', (m) => (sent.push(m), true), limits);
    buf.log('x'.repeat(1000));
    buf.close();
    expect(Buffer.byteLength(sent[0]?.lines[0] ?? '')).to.be.at.most(100);
  });
});

describe('worker-client: encoding', () => {
  it('sends strings as-is, JSON-encodes the rest, omits undefined', () => {
    expect(encodeOutput('plain')).to.equal('plain');
    expect(encodeOutput({ a: 1 })).to.equal('{"a":1}');
    expect(encodeOutput(42)).to.equal('42');
    expect(encodeOutput(undefined)).to.equal(undefined);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(encodeOutput(circular)).to.match(/^\[output not JSON-serializable/);
  });

  it('caps output at 64 KiB on a character boundary', () => {
    const out = encodeOutput('é'.repeat(MAX_OUTPUT_BYTES)) ?? '';
    expect(Buffer.byteLength(out)).to.be.at.most(MAX_OUTPUT_BYTES);
    expect(out.endsWith('…[truncated]')).to.equal(true);
    expect(out).not.to.include('\uFFFD');
    expect(capUtf8('short', 10)).to.equal('short');
  });

  it('reports name, message and the head of the stack', () => {
    const text = encodeError(new TypeError('bad'));
    expect(text.split('\n')[0]).to.equal('TypeError: bad');
    expect(text.split('\n').length).to.be.within(2, 9);
    class NotFound extends NonRetryableError {
      constructor() {
        super('gone');
        this.name = 'NotFound';
      }
    }
    expect(encodeError(new NotFound())).to.match(/^NonRetryableError: gone\n/);
    expect(encodeError('just a string')).to.equal('Error: just a string');
  });
});

describe('worker-client: backoff', () => {
  it('grows exponentially with jitter and stays under the cap', () => {
    expect(backoffDelay(0, 500, 15_000, () => 0)).to.equal(250);
    expect(backoffDelay(0, 500, 15_000, () => 1)).to.equal(500);
    expect(backoffDelay(3, 500, 15_000, () => 1)).to.equal(4000);
    expect(backoffDelay(50, 500, 15_000, () => 1)).to.equal(15_000);
  });
});

describe('worker-client: job context', () => {
  const task = {
    id: 't9', jobId: 7, handler: 'h', params: '{"n":1}', scheduledAt: 1, attempt: 2,
    triggerType: 'CRON' as const, shard: { index: 1, total: 3 }, timeoutMs: 0,
  };
  const ctx = (params: string): TaskContext => new TaskContext({ ...task, params }, 'w', new AbortController().signal, () => {});

  it('exposes the task facts and parses params once', () => {
    const c = ctx('{"n":1}');
    expect(c).to.include({ taskId: 't9', jobId: 7, attempt: 2, scheduledAt: 1, triggerType: 'CRON', workerId: 'w' });
    expect(c.shard).to.deep.equal({ index: 1, total: 3 });
    expect(c.paramsJson<{ n: number }>()?.n).to.equal(1);
    expect(c.json).to.equal(c.json);
    expect(ctx('  ').json).to.equal(undefined);
  });

  it('throws a clear, non-retryable error on invalid JSON', () => {
    expect(() => ctx('{nope').json).to.throw(InvalidParamsError, /params of task t9 are not valid JSON/);
  });
});
