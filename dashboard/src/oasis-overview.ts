import { LitElement, html } from 'lit';
import type { ChartConfiguration } from 'chart.js';
import { api, errorText, type DailyReport, type LogItem, type Me } from './api.js';
import { LangController, t } from './i18n.js';
import { LiveController } from './live.js';
import { pageStyles, sharedStyles } from './styles.js';
import './oasis-chart.js';

const STATUS_COLORS: Record<string, string> = {
  SUCCESS: '#2b9348', FAILED: '#d00000', TIMEOUT: '#e85d04', KILLED: '#6c757d', LOST: '#9d4edd',
  DISCARDED: '#adb5bd', NO_WORKER: '#ffba08',
};

interface Stats {
  jobs: number;
  running: number;
  workers: number;
  report: DailyReport | null;
  reportError: string;
  recent: LogItem[];
}

/**
 * `<oasis-overview>`: cards (jobs, running now, fires today, 7-day success rate, workers online),
 * runs per day by status (7 or 30 days, `GET /reports/daily`) and the trigger lateness of recent
 * runs (started minus scheduled). Reloads a moment after live task changes.
 */
export class OasisOverview extends LitElement {
  static override properties = { me: { attribute: false }, days: { state: true }, stats: { state: true }, error: { state: true } };
  static override styles = [sharedStyles, pageStyles];
  declare me: Me;
  declare days: number;
  declare stats: Stats | null;
  declare error: string;
  private readonly i18n = new LangController(this);
  private timer: number | undefined;
  private readonly liveCtl = new LiveController(this, {
    tasks: () => this.soon(),
    workers: () => this.soon(),
  });

  constructor() {
    super();
    this.days = 7;
    this.stats = null;
    this.error = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  override disconnectedCallback(): void {
    window.clearTimeout(this.timer);
    super.disconnectedCallback();
  }

  private soon(): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.load(), 1500);
  }

  private async load(): Promise<void> {
    try {
      const apps = this.me.role === 'ADMIN' ? [undefined] : this.me.apps;
      const [jobs, workers] = await Promise.all([api.jobs(), api.workers()]);
      let running = 0;
      const recent: LogItem[] = [];
      for (const app of apps) {
        const [run, last] = await Promise.all([api.logs({ app, status: 'RUNNING', limit: 1, withTotal: true }), api.logs({ app, limit: 100 })]);
        running += run.total ?? 0;
        recent.push(...last.items);
      }
      let report: DailyReport | null = null;
      let reportError = '';
      try {
        report = await api.daily(this.days);
      } catch (err) {
        reportError = errorText(err);
      }
      this.stats = { jobs: jobs.length, running, workers: workers.filter((w) => w.online).length, report, reportError, recent };
      this.error = '';
    } catch (err) {
      this.error = errorText(err);
    }
  }

  override render() {
    const s = this.stats;
    const days = s?.report?.days ?? [];
    const today = days.at(-1);
    const firesToday = today ? Object.values(today.counts).reduce((a, b) => a + b, 0) : null;
    const last7 = days.slice(-7);
    const done = last7.reduce((n, d) => n + Object.values(d.counts).reduce((a, b) => a + b, 0), 0);
    const ok = last7.reduce((n, d) => n + (d.counts['SUCCESS'] ?? 0), 0);
    const rate = done ? `${((ok / done) * 100).toFixed(1)} %` : '—';
    return html`
      <section aria-labelledby="ov-title">
        <div class="bar">
          <h2 id="ov-title">${t('nav.overview')}</h2>
          <label
            >${t('overview.days')}
            <select id="days" @change=${(e: Event) => {
              this.days = Number((e.target as HTMLSelectElement).value);
              void this.load();
            }}>
              <option value="7" ?selected=${this.days === 7}>7</option>
              <option value="30" ?selected=${this.days === 30}>30</option>
            </select></label
          >
        </div>
        <p class="error" role="alert">${this.error}</p>
        <div class="card-grid">
          ${this.card('overview.jobs', s?.jobs)} ${this.card('overview.running', s?.running)} ${this.card('overview.firesToday', firesToday)}
          ${this.card('overview.success', rate)} ${this.card('overview.workers', s?.workers)}
        </div>
        <h3>${t('overview.perDay')}</h3>
        ${s?.reportError ? html`<p class="muted">${t('overview.noReport', { error: s.reportError })}</p>` : ''}
        <oasis-chart .label=${t('overview.perDay')} .config=${this.perDayChart(days)}></oasis-chart>
        <h3>${t('overview.lateness')}</h3>
        <oasis-chart .label=${t('overview.lateness')} .config=${this.latenessChart(s?.recent ?? [])}></oasis-chart>
      </section>
    `;
  }

  private card(label: Parameters<typeof t>[0], value: number | string | null | undefined) {
    return html`<div class="card"><div class="muted">${t(label)}</div><div class="value">${value ?? '—'}</div></div>`;
  }

  private perDayChart(days: DailyReport['days']): ChartConfiguration {
    const statuses = [...new Set(days.flatMap((d) => Object.keys(d.counts)))];
    return {
      type: 'bar',
      data: {
        labels: days.map((d) => d.day.slice(5)),
        datasets: statuses.map((st) => ({ label: st, data: days.map((d) => d.counts[st] ?? 0), backgroundColor: STATUS_COLORS[st] ?? '#888' })),
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    };
  }

  private latenessChart(items: LogItem[]): ChartConfiguration {
    const points = items
      .filter((i) => i.startedAt !== null && (i.triggerType === 'CRON' || i.triggerType === 'FIXED' || i.triggerType === 'MISFIRE'))
      .sort((a, b) => a.scheduledAt - b.scheduledAt)
      .slice(-60);
    return {
      type: 'line',
      data: {
        labels: points.map((p) => new Date(p.scheduledAt).toLocaleTimeString()),
        datasets: [{ label: 'ms', data: points.map((p) => Math.max(0, (p.startedAt ?? p.scheduledAt) - p.scheduledAt)), borderColor: '#2d5fa8', pointRadius: 2 }],
      },
      options: { scales: { y: { beginAtZero: true } } },
    };
  }
}

customElements.define('oasis-overview', OasisOverview);
declare global {
  interface HTMLElementTagNameMap {
    'oasis-overview': OasisOverview;
  }
}
