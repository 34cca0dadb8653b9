/** A tiny REST client for tests: signs in once, then sends JSON with the bearer token. */
export class ApiClient {
  /** `token`: a bearer token to send from the start (else none until {@link login}). */
  constructor(
    public baseUrl: string,
    private token = '',
  ) {}

  /** A client of `baseUrl` signed in as `username`. */
  static async signedIn(baseUrl: string, username: string, password: string): Promise<ApiClient> {
    const client = new ApiClient(baseUrl);
    await client.login(username, password);
    return client;
  }

  /** Signs in (see {@link signIn}); later calls carry the new token. */
  async login(username: string, password: string): Promise<void> {
    this.token = (await signIn(this.baseUrl, username, password)).token;
  }

  /** Sends `body` as JSON (if any) with the token; answers the status and the body (parsed JSON, else text). */
  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // keep the text
    }
    return { status: res.status, body: parsed };
  }

  /** Like `call` but throws unless the status is 2xx; returns the body. */
  async ok<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.call(method, path, body);
    if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as T;
  }
}

/**
 * Signs in over REST (`POST /api/v1/auth/login`); returns the bearer token and the
 * `oasis_session=…` cookie pair. Throws unless the answer is 200.
 */
export async function signIn(baseUrl: string, username: string, password: string): Promise<{ token: string; cookie: string }> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in of ${username} failed: ${res.status} ${await res.text()}`);
  const { token } = (await res.json()) as { token: string };
  return { token, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]! };
}
