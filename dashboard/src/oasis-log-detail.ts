import { LitElement, html } from 'lit';
import { api, errorText, type LogItem, type Me } from './api.js';
import { formatDuration, formatTime, statusClass } from './format.js';
import { LangController, t } from './i18n.js';
import { LiveController, live } from './live.js';
import { pageStyles, sharedStyles } from './styles.js';

/**
 * `<oasis-log-detail>`: one task run: params, result, error, timings, attempt, and its execution
 * log, followed live while it runs (a live `log` push asks the admin for the lines from where the
 * page is, so nothing is shown twice or lost). OPERATORs and ADMINs can kill a running task.
 */
export class OasisLogDetail extends LitElement {
  static override properties = { me: { attribute: false }, taskId: {}, item: { state: true }, lines: { state: true }, done: { state: true }, error: { state: true }, message: { state: true } };
  static override styles = [sharedStyles, pageStyles];
  declare me: Me;
  declare taskId: string;
  declare item: LogItem | null;
  declare lines: string[];
  declare done: boolean;
  declare error: string;
  declare message: string;
  private readonly i18n = new LangController(this);
  private next = 0;
  private fetching: Promise<void> | null = null;
  private again = false;
  private poll: number | undefined;
  private readonly liveCtl = new LiveController(this, {
    log: (m) => {
      if (m.taskId === this.taskId) void this.fetchLines();
    },
    tasks: (m) => {
      if (m.changes.some((c) => c.id === this.taskId)) void this.reloadItem();
    },
  });

  constructor() {
    super();
    this.taskId = '';
    this.item = null;
    this.lines = [];
    this.done = false;
    this.error = '';
    this.message = '';
  }

  override async connectedCallback(): Promise<void> {
    super.connectedCallback();
    await live.subscribeLog(this.taskId);
    await this.reloadItem();
    await this.fetchLines();
    // A safety net when the live channel is down: look again every few seconds while it runs.
    this.poll = window.setInterval(() => {
      if (!this.done) void this.fetchLines();
    }, 5000);
  }

  override disconnectedCallback(): void {
    live.unsubscribeLog(this.taskId);
    window.clearInterval(this.poll);
    super.disconnectedCallback();
  }

  private async reloadItem(): Promise<void> {
    try {
      this.item = await api.log(this.taskId);
      this.error = '';
    } catch (err) {
      this.error = errorText(err);
    }
  }

  /** Fetches the lines after the last one shown, page by page; one request at a time, again if asked meanwhile. */
  private fetchLines(): Promise<void> {
    if (this.fetching) {
      this.again = true;
      return this.fetching;
    }
    this.fetching = (async () => {
      do {
        this.again = false;
        try {
          const r = await api.logText(this.taskId, this.next);
          if (r.from === this.next && r.lines.length) {
            this.lines = [...this.lines, ...r.lines];
            this.next = r.next;
          }
          this.done = r.done;
          if (r.more) this.again = true;
        } catch (err) {
          this.error = errorText(err);
        }
      } while (this.again);
      this.fetching = null;
    })();
    return this.fetching;
  }

  override updated(): void {
    const pre = this.renderRoot.querySelector('pre.log');
    if (pre) pre.scrollTop = pre.scrollHeight;
  }

  override render() {
    const l = this.item;
    const running = l && (l.status === 'RUNNING' || l.status === 'QUEUED');
    const canKill = running && this.me?.role !== 'VIEWER';
    return html`
      <section aria-labelledby="log-title">
        <div class="bar">
          <h2 id="log-title">${t('logs.detail', { id: this.taskId })}</h2>
          <span class="actions">
            ${canKill ? html`<button class="danger" type="button" id="kill" @click=${this.onKill}>${t('logs.kill')}</button>` : ''}
            <a href="#/logs">${t('nav.logs')}</a>
          </span>
        </div>
        <p class="error" role="alert">${this.error}</p>
        <p class="muted" role="status">${this.message}</p>
        ${l
          ? html`<dl class="facts">
              <dt>${t('common.status')}</dt><dd><span class=${statusClass(l.status)} id="status">${l.status}</span>${l.progress != null ? ` ${l.progress} %` : ''}</dd>
              <dt>${t('common.app')}</dt><dd>${l.app}</dd>
              <dt>${t('logs.job')}</dt><dd><a href="#/jobs/${l.jobId}">${l.jobId}</a> · <code>${l.handler}</code></dd>
              <dt>${t('logs.trigger')}</dt><dd>${l.triggerType}</dd>
              <dt>${t('logs.attempt')}</dt><dd>${l.attempt}</dd>
              <dt>${t('logs.shard')}</dt><dd>${l.shardIndex + 1} / ${l.shardTotal}</dd>
              <dt>${t('logs.worker')}</dt><dd>${l.workerId ?? '—'}</dd>
              <dt>${t('logs.scheduled')}</dt><dd>${formatTime(l.scheduledAt)}</dd>
              <dt>${t('logs.started')}</dt><dd>${formatTime(l.startedAt)}${l.startedAt ? ` (+${formatDuration(l.startedAt - l.scheduledAt)})` : ''}</dd>
              <dt>${t('logs.finished')}</dt><dd>${formatTime(l.finishedAt)}</dd>
              <dt>${t('logs.duration')}</dt><dd>${l.startedAt && l.finishedAt ? formatDuration(l.finishedAt - l.startedAt) : '—'}</dd>
              <dt>${t('logs.params')}</dt><dd><code>${l.params || '—'}</code></dd>
              <dt>${t('logs.result')}</dt><dd><code>${l.result ?? '—'}</code></dd>
              <dt>${t('logs.error')}</dt><dd class=${l.error ? 'error' : ''}>${l.error ?? '—'}</dd>
            </dl>`
          : html`<p class="muted">${t('common.loading')}</p>`}
        <h3>${t('logs.log')} ${!this.done ? html`<span class="badge run">${t('logs.tailing')}</span>` : ''}</h3>
        <pre class="log" id="log-text" tabindex="0" aria-live="polite">${this.lines.join('\n')}</pre>
      </section>
    `;
  }

  private async onKill(): Promise<void> {
    if (!confirm(t('logs.killConfirm', { id: this.taskId }))) return;
    try {
      await api.killLog(this.taskId);
      this.message = t('logs.killed');
      await this.reloadItem();
    } catch (err) {
      this.error = errorText(err);
    }
  }
}

customElements.define('oasis-log-detail', OasisLogDetail);
declare global {
  interface HTMLElementTagNameMap {
    'oasis-log-detail': OasisLogDetail;
  }
}
