/**
 * API load for `bench/fires.ts` (BENCH_API_LOAD=N): N clients, each signed in as a user of its
 * own (BENCH_API_USERS users, round robin), read the heaviest endpoints in a loop: the logs list
 * with and without filters and its next page by cursor, a job's logs, the jobs list, the daily
 * report and a log's text. One dashboard live-channel socket (/ui) is subscribed meanwhile. A
 * 429 is honoured (the client waits Retry-After), as a dashboard would.
 */
import { io, type Socket } from 'socket.io-client';
import { ApiClient, signIn } from '../test/helpers/api-client.js';

export interface EndpointStats {
  name: string;
  ok: number;
  limited: number;
  failed: number;
  latencies: number[];
}

export interface ApiLoad {
  /** Stops the clients and the socket; resolves with what they measured since {@link ApiLoad.reset}. */
  stop(): Promise<{ seconds: number; endpoints: EndpointStats[]; liveEvents: number }>;
  /** Forgets what was measured so far (the ramp-up). */
  reset(): void;
}

interface Endpoint {
  name: string;
  path: (ctx: { jobId: number; taskId: string | null; cursor: string | null }) => string | null;
}

const ENDPOINTS: Endpoint[] = [
  { name: 'logs (all)', path: () => '/api/v1/logs?limit=50' },
  { name: 'logs (app)', path: () => '/api/v1/logs?app=bench&limit=50' },
  { name: 'logs (status)', path: () => '/api/v1/logs?app=bench&status=SUCCESS&limit=50' },
  { name: 'logs (next page)', path: ({ cursor }) => (cursor ? `/api/v1/logs?app=bench&limit=50&cursor=${encodeURIComponent(cursor)}` : null) },
  { name: 'logs (one job)', path: ({ jobId }) => `/api/v1/logs?jobId=${jobId}&limit=50` },
  { name: 'jobs list', path: () => '/api/v1/jobs?app=bench&limit=50' },
  { name: 'daily report', path: () => '/api/v1/reports/daily?app=bench&days=7' },
  { name: 'log text', path: ({ taskId }) => (taskId ? `/api/v1/logs/${taskId}/text` : null) },
];

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates the users, signs them in and starts the clients. `admin` is signed in as the admin. */
export async function startApiLoad(url: string, admin: ApiClient, opts: { clients: number; users: number; jobIds: readonly number[]; password: string }): Promise<ApiLoad> {
  const clients: ApiClient[] = [];
  for (let u = 0; u < opts.users; u++) {
    const username = `reader${u}`;
    await admin.ok('POST', '/api/v1/users', { username, password: opts.password, role: 'VIEWER', apps: ['bench'] });
  }
  for (let c = 0; c < opts.clients; c++) {
    const client = new ApiClient(url);
    await client.login(`reader${c % opts.users}`, opts.password);
    clients.push(client);
  }
  const { token } = await signIn(url, 'reader0', opts.password);
  const socket: Socket = io(`${url}/ui`, { transports: ['websocket'], auth: { token }, forceNew: true });
  let liveEvents = 0;
  socket.on('tasks', () => liveEvents++);

  let stats = new Map<string, EndpointStats>();
  let since = Date.now();
  const statsOf = (name: string) => {
    let s = stats.get(name);
    if (!s) stats.set(name, (s = { name, ok: 0, limited: 0, failed: 0, latencies: [] }));
    return s;
  };
  let running = true;
  const loops = clients.map(async (client, c) => {
    let taskId: string | null = null;
    let cursor: string | null = null;
    for (let i = c; running; i++) {
      const e = ENDPOINTS[i % ENDPOINTS.length] as Endpoint;
      const path = e.path({ jobId: opts.jobIds[(i * 7919) % opts.jobIds.length] ?? 1, taskId, cursor });
      if (path === null) continue;
      const t0 = performance.now();
      let r: { status: number; body: unknown };
      try {
        r = await client.call('GET', path);
      } catch {
        statsOf(e.name).failed++;
        await pause(100);
        continue;
      }
      const ms = performance.now() - t0;
      const s = statsOf(e.name);
      if (r.status === 429) {
        s.limited++;
        const retry = Number((r.body as { details?: { retryAfterMs?: number } })?.details?.retryAfterMs ?? 1000);
        await pause(Math.min(5000, Math.max(50, retry)));
        continue;
      }
      if (r.status !== 200) {
        s.failed++;
        continue;
      }
      s.ok++;
      s.latencies.push(ms);
      if (e.name.startsWith('logs')) {
        const page = r.body as { items?: { id: string }[]; nextCursor?: string | null };
        taskId = page.items?.[page.items.length - 1]?.id ?? taskId;
        if (e.name === 'logs (app)') cursor = page.nextCursor ?? null;
      }
    }
  });
  return {
    reset() {
      stats = new Map();
      since = Date.now();
      liveEvents = 0;
    },
    async stop() {
      running = false;
      const seconds = (Date.now() - since) / 1000;
      const endpoints = [...stats.values()];
      await Promise.all(loops);
      socket.disconnect();
      return { seconds, endpoints, liveEvents };
    },
  };
}
