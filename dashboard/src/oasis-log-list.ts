import { LitElement, html } from 'lit';
import { api, errorText, type AppSummary, type LogItem, type Me } from './api.js';
import { formatDuration, formatTime, fromLocalInput, statusClass } from './format.js';
import { LangController, t } from './i18n.js';
import './oasis-pager.js';
import { LiveController } from './live.js';
import { pageStyles, sharedStyles } from './styles.js';

const STATUSES = ['QUEUED', 'RUNNING', 'SUCCESS', 'FAILED', 'TIMEOUT', 'KILLED', 'LOST', 'DISCARDED', 'NO_WORKER'];
const PAGE = 50;

/**
 * `<oasis-log-list>`: task runs (in flight first, then final records), filtered by app, job and
 * status on the admin, and by scheduled time on the page shown; refreshed live as tasks change.
 */
export class OasisLogList extends LitElement {
  static override properties = {
    me: { attribute: false }, apps: { state: true }, app: { state: true }, jobId: { state: true }, status: { state: true },
    from: { state: true }, to: { state: true }, offset: { state: true }, items: { state: true }, total: { state: true }, error: { state: true },
  };
  static override styles = [sharedStyles, pageStyles];
  declare me: Me;
  declare apps: AppSummary[];
  declare app: string;
  declare jobId: string;
  declare status: string;
  declare from: string;
  declare to: string;
  declare offset: number;
  declare items: LogItem[];
  declare total: number;
  declare error: string;
  private readonly i18n = new LangController(this);
  private timer: number | undefined;
  private readonly liveCtl = new LiveController(this, {
    tasks: (m) => {
      if (this.app && m.app !== this.app) return;
      window.clearTimeout(this.timer);
      this.timer = window.setTimeout(() => void this.load(), 800);
    },
  });

  constructor() {
    super();
    this.apps = [];
    this.app = '';
    this.jobId = '';
    this.status = '';
    this.from = '';
    this.to = '';
    this.offset = 0;
    this.items = [];
    this.total = 0;
    this.error = '';
    const preset = sessionStorage.getItem('oasis.logs.filter');
    if (preset) {
      sessionStorage.removeItem('oasis.logs.filter');
      const p = JSON.parse(preset) as { app?: string; jobId?: number };
      this.app = p.app ?? '';
      this.jobId = p.jobId ? String(p.jobId) : '';
    }
  }

  override async connectedCallback(): Promise<void> {
    super.connectedCallback();
    try {
      this.apps = await api.apps();
      if (!this.app && this.me.role !== 'ADMIN') this.app = this.apps[0]?.name ?? '';
    } catch (err) {
      this.error = errorText(err);
    }
    await this.load();
  }

  private async load(): Promise<void> {
    try {
      const page = await api.logs({
        app: this.app || undefined,
        jobId: this.jobId ? Number(this.jobId) : undefined,
        status: this.status || undefined,
        limit: PAGE,
        offset: this.offset,
      });
      this.items = page.items;
      this.total = page.total;
      this.error = '';
    } catch (err) {
      this.error = errorText(err);
    }
  }

  private set(field: 'app' | 'jobId' | 'status' | 'from' | 'to', value: string): void {
    this[field] = value;
    this.offset = 0;
    if (field !== 'from' && field !== 'to') void this.load();
  }

  override render() {
    const from = fromLocalInput(this.from);
    const to = fromLocalInput(this.to);
    const rows = this.items.filter((i) => (from === undefined || i.scheduledAt >= from) && (to === undefined || i.scheduledAt <= to));
    const val = (e: Event) => (e.target as HTMLInputElement).value;
    return html`
      <section aria-labelledby="logs-title">
        <div class="bar">
          <h2 id="logs-title">${t('nav.logs')}</h2>
          <button class="secondary" type="button" @click=${() => this.load()}>${t('common.refresh')}</button>
        </div>
        <div class="filters" role="search">
          <label
            >${t('common.app')}<select id="log-app" @change=${(e: Event) => this.set('app', val(e))}>
              ${this.me?.role === 'ADMIN' ? html`<option value="">${t('common.all')}</option>` : ''}
              ${this.apps.map((a) => html`<option value=${a.name} ?selected=${a.name === this.app}>${a.name}</option>`)}
            </select></label
          >
          <label>${t('logs.job')}<input id="log-job" type="number" min="1" .value=${this.jobId} @change=${(e: Event) => this.set('jobId', val(e))} /></label>
          <label
            >${t('common.status')}<select id="log-status" @change=${(e: Event) => this.set('status', val(e))}>
              <option value="">${t('common.all')}</option>
              ${STATUSES.map((s) => html`<option value=${s} ?selected=${s === this.status}>${s}</option>`)}
            </select></label
          >
          <label>${t('logs.from')}<input id="log-from" type="datetime-local" .value=${this.from} @change=${(e: Event) => this.set('from', val(e))} /></label>
          <label>${t('logs.to')}<input id="log-to" type="datetime-local" .value=${this.to} @change=${(e: Event) => this.set('to', val(e))} /></label>
        </div>
        <p class="error" role="alert">${this.error}</p>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">ID</th>
                <th scope="col">${t('common.app')}</th>
                <th scope="col">${t('logs.job')}</th>
                <th scope="col">${t('common.status')}</th>
                <th scope="col">${t('logs.trigger')}</th>
                <th scope="col">${t('logs.scheduled')}</th>
                <th scope="col">${t('logs.duration')}</th>
                <th scope="col">${t('logs.worker')}</th>
                <th scope="col">${t('logs.attempt')}</th>
              </tr>
            </thead>
            <tbody>
              ${rows.map(
                (l) => html`<tr>
                  <th scope="row"><a href="#/logs/${encodeURIComponent(l.id)}"><code>${l.id}</code></a></th>
                  <td>${l.app}</td>
                  <td>${l.jobId}</td>
                  <td><span class=${statusClass(l.status)}>${l.status}</span></td>
                  <td>${l.triggerType}</td>
                  <td>${formatTime(l.scheduledAt)}</td>
                  <td>${l.startedAt && l.finishedAt ? formatDuration(l.finishedAt - l.startedAt) : '—'}</td>
                  <td>${l.workerId ?? '—'}</td>
                  <td>${l.attempt}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>
        <oasis-pager
          .total=${this.total}
          .offset=${this.offset}
          .page=${PAGE}
          @page=${(e: CustomEvent<{ offset: number }>) => ((this.offset = e.detail.offset), this.load())}
        ></oasis-pager>
      </section>
    `;
  }
}

customElements.define('oasis-log-list', OasisLogList);
declare global {
  interface HTMLElementTagNameMap {
    'oasis-log-list': OasisLogList;
  }
}
