import { LitElement, html } from 'lit';
import { api, errorText, type AppSummary, type LogItem, type Me } from './api.js';
import { formatDuration, formatTime, fromLocalInput, statusClass } from './format.js';
import { LangController, t } from './i18n.js';
import { ListController } from './list-controller.js';
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
    from: { state: true }, to: { state: true }, appsError: { state: true },
  };
  static override styles = [sharedStyles, pageStyles];
  declare me: Me;
  declare apps: AppSummary[];
  declare app: string;
  declare jobId: string;
  declare status: string;
  declare from: string;
  declare to: string;
  declare appsError: string;
  private readonly i18n = new LangController(this);
  /** Logs wait for the app list: a non-admin's logs are asked for by app. */
  private readonly logs = new ListController<LogItem>(this, {
    pageSize: PAGE,
    auto: false,
    // Paged by cursor: the admin reads one index range per page, however deep (no offset, no total).
    fetch: ({ limit, cursor }) =>
      api.logs({ app: this.app || undefined, jobId: this.jobId ? Number(this.jobId) : undefined, status: this.status || undefined, limit, cursor }),
  });
  private readonly liveCtl = new LiveController(this, {
    tasks: (m) => {
      if (!this.app || m.app === this.app) this.logs.reloadSoon(800);
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
    this.appsError = '';
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
      this.appsError = errorText(err);
    }
    await this.logs.reload();
  }

  /** From and to filter the page shown; the others ask the admin again, from the first page. */
  private set(field: 'app' | 'jobId' | 'status' | 'from' | 'to', value: string): void {
    this[field] = value;
    if (field !== 'from' && field !== 'to') void this.logs.restart();
  }

  override render() {
    const from = fromLocalInput(this.from);
    const to = fromLocalInput(this.to);
    const rows = (this.logs.items ?? []).filter((i) => (from === undefined || i.scheduledAt >= from) && (to === undefined || i.scheduledAt <= to));
    const val = (e: Event) => (e.target as HTMLInputElement).value;
    return html`
      <section aria-labelledby="logs-title">
        <div class="bar">
          <h2 id="logs-title">${t('nav.logs')}</h2>
          ${this.logs.refreshButton()}
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
        <p class="error" role="alert">${this.appsError}</p>
        ${this.logs.render({
          columns: ['ID', t('common.app'), t('logs.job'), t('common.status'), t('logs.trigger'), t('logs.scheduled'), t('logs.duration'), t('logs.worker'), t('logs.attempt')],
          rows,
          row: (l) => html`<tr>
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
        })}
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
