import { LitElement, html } from 'lit';
import { api, errorText, type AppSummary, type Me, type WorkerInfo } from './api.js';
import { formatTime } from './format.js';
import { LangController, t } from './i18n.js';
import { LiveController, live } from './live.js';
import { pageStyles, sharedStyles } from './styles.js';

/** `<oasis-worker-list>`: the workers of one app (or all), kept current by the live channel. */
export class OasisWorkerList extends LitElement {
  static override properties = { me: { attribute: false }, app: {}, apps: { state: true }, workers: { state: true }, error: { state: true } };
  static override styles = [sharedStyles, pageStyles];
  declare me: Me;
  declare app: string;
  declare apps: AppSummary[];
  declare workers: WorkerInfo[];
  declare error: string;
  private readonly i18n = new LangController(this);
  private readonly liveCtl = new LiveController(this, {
    workers: (m) => {
      if (this.app && m.app !== this.app) return;
      this.workers = [...this.workers.filter((w) => w.app !== m.app), ...m.workers].sort((a, b) => a.app.localeCompare(b.app) || a.workerId.localeCompare(b.workerId));
    },
  });

  constructor() {
    super();
    this.app = '';
    this.apps = [];
    this.workers = [];
    this.error = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      [this.apps, this.workers] = await Promise.all([api.apps(), api.workers(this.app || undefined)]);
      this.error = '';
    } catch (err) {
      this.error = errorText(err);
    }
  }

  override render() {
    return html`
      <section aria-labelledby="workers-title">
        <div class="bar">
          <h2 id="workers-title">${t('nav.workers')} <span class="badge ${live.connected ? 'ok' : 'bad'}">${t('common.live')}</span></h2>
          <label
            >${t('common.app')}
            <select id="worker-app" @change=${(e: Event) => {
              this.app = (e.target as HTMLSelectElement).value;
              location.hash = this.app ? `#/workers/${this.app}` : '#/workers';
              void this.load();
            }}>
              <option value="">${t('common.all')}</option>
              ${this.apps.map((a) => html`<option value=${a.name} ?selected=${a.name === this.app}>${a.name}</option>`)}
            </select></label
          >
        </div>
        <p class="error" role="alert">${this.error}</p>
        ${this.workers.length === 0
          ? html`<p class="muted">${t('workers.none')}</p>`
          : html`<div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">${t('workers.id')}</th>
                    <th scope="col">${t('common.app')}</th>
                    <th scope="col">${t('workers.online')}</th>
                    <th scope="col">${t('workers.slots')}</th>
                    <th scope="col">${t('workers.handlers')}</th>
                    <th scope="col">${t('workers.heartbeat')}</th>
                    <th scope="col">${t('workers.host')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${this.workers.map(
                    (w) => html`<tr>
                      <th scope="row"><code>${w.workerId}</code></th>
                      <td>${w.app}</td>
                      <td><span class=${w.online ? 'badge ok' : 'badge bad'}>${w.online ? t('common.yes') : t('common.no')}</span></td>
                      <td>${w.running} / ${w.free} (${w.concurrency})</td>
                      <td>${w.handlers.join(', ')}</td>
                      <td>${formatTime(w.lastHeartbeat)}</td>
                      <td>${w.host ?? '—'}${w.pid ? ` #${w.pid}` : ''}</td>
                    </tr>`,
                  )}
                </tbody>
              </table>
            </div>`}
      </section>
    `;
  }
}

customElements.define('oasis-worker-list', OasisWorkerList);
declare global {
  interface HTMLElementTagNameMap {
    'oasis-worker-list': OasisWorkerList;
  }
}
