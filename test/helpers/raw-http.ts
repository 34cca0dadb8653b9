/**
 * HTTP requests written by hand (node:http: any path bytes, any headers, bodies framed as the
 * caller says, unlike fetch), and the check of the one error body shape every 4xx/5xx answers.
 */
import { request, type Agent, type IncomingHttpHeaders } from 'node:http';
import { expect } from 'chai';

/** An answer as it came: status, headers, body text, and the body parsed as JSON (null when it is not JSON). */
export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  body: Record<string, unknown> | null;
}

/** Transport options of {@link raw}. */
export interface RawOptions {
  /** Default: a new connection per request. */
  agent?: Agent;
  /** The local address to send from (any 127.x address reaches an admin on 127.0.0.1). */
  localAddress?: string;
}

/**
 * Sends one request to `base` (`http://host:port`). A body goes out as given: without a
 * `content-length` header Node frames it chunked.
 */
export function raw(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
  opts: RawOptions = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const req = request({ host: u.hostname, port: u.port, method, path, headers, ...opts }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: Record<string, unknown> | null;
        try {
          parsed = JSON.parse(text) as Record<string, unknown>;
        } catch {
          parsed = null;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/**
 * Asserts that `r` is an error answer of `status` in the one error shape: exactly `statusCode`,
 * `code`, `error` and a non-empty `message`; and, when given, that `code` is the one expected.
 */
export function expectError(r: { status: number; body: Record<string, unknown> | null; text?: string }, status: number, code?: string): void {
  const shown = (r.text ?? JSON.stringify(r.body)).slice(0, 300);
  expect(r.status, shown).to.equal(status);
  expect(r.body, shown).to.not.equal(null);
  expect(Object.keys(r.body ?? {}).sort()).to.deep.equal(['code', 'error', 'message', 'statusCode']);
  expect(r.body).to.include({ statusCode: status });
  if (code) expect(r.body?.code).to.equal(code);
  expect(r.body?.message).to.be.a('string').and.not.equal('');
}
