import { exponentialDelay } from '@oasis/worker-client/backoff';
import type { Logger } from '../../domain/logger.js';
import type { JobRecord } from '../../domain/types.js';
import type { WrittenRecord } from '../final-writer.js';
import type { MisfireCapEvent } from '../../events/effects-bus.js';
import { ALARM_STATUSES, emailText, type AlarmKind, type AlarmPayload } from './alarm-event.js';
import type { EmailSender } from './email-sender.js';
import { destinationPolicy } from './webhook-destination.js';
import { postWebhook, type DeliveryResult, type WebhookOptions } from './webhook-sender.js';

/** Once-only claims shared by every admin (`store/redis/once-store.ts`). */
export interface OncePort {
  claim(name: string, ttlMs: number): Promise<boolean>;
}

/** Dependencies of {@link AlarmService}. */
export interface AlarmServiceDeps {
  /** A job definition by id (a short cache in front of the database); null when deleted. */
  job: (id: number) => Promise<JobRecord | null>;
  once: OncePort;
  /** Null when no SMTP server is configured: jobs with emails get a warning instead. */
  email: EmailSender | null;
  /**
   * Time limit, tries and backoff of each delivery (emails use the tries and backoff too), and
   * the webhook destinations opened beyond public addresses (`allow`, from OASIS_WEBHOOK_ALLOW).
   */
  delivery: WebhookOptions;
  logger: Logger;
  now?: () => number;
  /** Deliveries in flight at once (default 16); more wait their turn. */
  concurrency?: number;
  /** Deliveries waiting at most (default 10,000); past it new ones are dropped and logged. */
  maxQueued?: number;
}

/**
 * An alarm is claimed for this long. Redelivery of a final record happens within minutes (a failed
 * database write, a dead admin's batch taken over), so a day is ample and keys clean themselves up.
 */
const CLAIM_TTL_MS = 24 * 3600 * 1000;

/**
 * Alarms: on a final (no retry follows) FAILED, TIMEOUT, LOST or NO_WORKER record, and on a
 * refused misfire catch-up, sends the job's `alarm.webhooks` a JSON POST and its `alarm.emails`
 * an email. Each alarm goes out once across redeliveries and admins (a Redis claim per task) —
 * at most once: an admin that dies between the claim and the send loses that alarm.
 * Sending happens in the background, so the final writer is never held up by a slow receiver.
 */
export class AlarmService {
  private readonly now: () => number;
  private readonly queue: (() => Promise<void>)[] = [];
  private active = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly warnedNoSmtp = new Set<number>();
  private stopped = false;

  /** @throws {Error} when `delivery.allow` holds an entry that is no host name, address or CIDR (so the admin fails at start). */
  constructor(private readonly deps: AlarmServiceDeps) {
    this.now = deps.now ?? Date.now;
    destinationPolicy(deps.delivery.allow ?? []);
  }

  /** Final-writer listener: raises the alarms of a committed batch. Never throws. */
  readonly onWritten = async (app: string, records: readonly WrittenRecord[]): Promise<void> => {
    const due = records.filter((r) => r.retryTaskId === '' && ALARM_STATUSES.has(r.status));
    await Promise.all(due.map((r) => this.raise(app, r.jobId, `task:${r.id}`, (job) => taskPayload(app, job, r, this.now()))));
  };

  /** Listener of the `misfire-capped` effect: a catch-up was refused past the misfire cap. Never throws. */
  readonly onMisfireCap = (e: MisfireCapEvent): void => {
    void this.raise(e.app, e.jobId, `misfire:${e.jobId}:${e.scheduledAt}`, (job) => ({
      event: 'MISFIRE_CAP',
      app: e.app,
      job: { id: job.id, name: job.name, handler: job.handler },
      task: null,
      misfire: { scheduledAt: e.scheduledAt, missed: e.missed },
      at: this.now(),
    }));
  };

  /** Resolves when no delivery is waiting or in flight (tests, shutdown). */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Takes no new alarms, waits for those under way, closes the SMTP pool. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
    this.deps.email?.close();
  }

  private async raise(app: string, jobId: number, what: string, build: (job: JobRecord) => AlarmPayload): Promise<void> {
    const { logger } = this.deps;
    try {
      if (this.stopped) return;
      const job = await this.deps.job(jobId);
      if (!job) return; // deleted since: nobody to tell
      const { emails, webhooks } = job.alarm ?? { emails: [], webhooks: [] };
      const email = emails.length > 0 ? this.deps.email : null;
      if (emails.length > 0 && !email && !this.warnedNoSmtp.has(job.id)) {
        this.warnedNoSmtp.add(job.id);
        logger.warn({ app, jobId: job.id }, 'alarm: the job has alarm emails but OASIS_SMTP_URL is not set; emails are not sent');
      }
      if (webhooks.length === 0 && !email) return;
      const claim = `alarm:${what}`;
      if (!(await this.deps.once.claim(claim, CLAIM_TTL_MS))) return; // another admin or an earlier delivery of the batch
      const payload = build(job);
      const ctx = { app, jobId: job.id, event: payload.event, ...(payload.task && { taskId: payload.task.id }) };
      for (const url of webhooks) {
        this.enqueue(ctx, async () => {
          const res = await postWebhook(url, payload, claim, this.deps.delivery);
          this.report(res, { ...ctx, url }, 'webhook');
        });
      }
      if (email) {
        const mail = { to: emails, ...emailText(payload, job) };
        this.enqueue(ctx, async () => this.report(await this.sendEmail(mail), { ...ctx, to: emails }, 'email'));
      }
    } catch (err) {
      logger.error({ err, app, jobId, what }, 'alarm: could not be raised');
    }
  }

  private async sendEmail(mail: { to: string[]; subject: string; text: string }): Promise<DeliveryResult> {
    const { attempts, retryMs } = this.deps.delivery;
    const sleep = this.deps.delivery.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let error = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(exponentialDelay(attempt - 2, retryMs, Infinity));
      try {
        await this.deps.email!.send(mail);
        return { ok: true, tries: attempt };
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
    }
    return { ok: false, tries: attempts, error };
  }

  private report(res: DeliveryResult, ctx: Record<string, unknown>, channel: 'webhook' | 'email'): void {
    if (res.ok) this.deps.logger.debug({ ...ctx, tries: res.tries }, `alarm: ${channel} sent`);
    // A refused destination is the job's setting, not an outage: a warning, once, without retries.
    else if (res.refused) this.deps.logger.warn({ ...ctx, tries: res.tries, error: res.error }, `alarm: ${channel} destination refused; not sent`);
    else this.deps.logger.error({ ...ctx, tries: res.tries, error: res.error }, `alarm: ${channel} failed after every try`);
  }

  private enqueue(ctx: Record<string, unknown>, send: () => Promise<void>): void {
    if (this.queue.length >= (this.deps.maxQueued ?? 10_000)) {
      this.deps.logger.error(ctx, 'alarm: too many deliveries waiting; this one is dropped');
      return;
    }
    this.queue.push(send);
    this.pump();
  }

  private pump(): void {
    while (this.active < (this.deps.concurrency ?? 16) && this.queue.length > 0) {
      const send = this.queue.shift()!;
      this.active++;
      send()
        .catch((err: unknown) => this.deps.logger.error({ err }, 'alarm: delivery crashed'))
        .finally(() => {
          this.active--;
          this.pump();
          if (this.active === 0 && this.queue.length === 0) this.idleWaiters.splice(0).forEach((r) => r());
        });
    }
  }
}

function taskPayload(app: string, job: JobRecord, r: WrittenRecord, at: number): AlarmPayload {
  return {
    event: r.status as AlarmKind,
    app,
    job: { id: job.id, name: job.name, handler: job.handler },
    task: {
      id: r.id,
      status: r.status,
      attempt: r.attempt,
      triggerType: r.triggerType,
      scheduledAt: r.scheduledAt,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      workerId: r.workerId,
      shard: { index: r.shardIndex, total: r.shardTotal },
      error: r.error,
    },
    misfire: null,
    at,
  };
}
