import { LitElement, html } from 'lit';
import { api, type AppSummary, type Me, type WorkerInfo } from './api.js';
import { formatTime } from './format.js';
import { LangController, t } from './i18n.js';
import { ListController } from './list-controller.js';
import { LiveController, live } from './live.js';
import { pageStyles, sharedStyles } from './styles.js';

/** `<oasis-worker-list>`: the workers of one app (or all), kept current by the live channel. */
export class OasisWorkerList extends LitElement {
  static override properties = { me: { attribute: false }, app: {}, apps: { state: true } };
  static override styles = [sharedStyles, pageStyles];
  declare me: Me;
  declare app: string;
  declare apps: AppSummary[];
  private readonly i18n = new LangController(this);
  /** The app list (for the picker) comes with the workers, in one go. */
  private readonly workers = new ListController<WorkerInfo>(this, {
    fetch: async () => {
      const [apps, workers] = await Promise.all([api.apps(), api.workers(this.app || undefined)]);
      this.apps = apps;
      return workers;
    },
  });
  private readonly liveCtl = new LiveController(this, {
    workers: (m) => {
      if (this.app && m.app !== this.app) return;
      const others = (this.workers.items ?? []).filter((w) => w.app !== m.app);
      this.workers.replace([...others, ...m.workers].sort((a, b) => a.app.localeCompare(b.app) || a.workerId.localeCompare(b.workerId)));
    },
  });

  constructor() {
    super();
    this.app = '';
    this.apps = [];
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
              void this.workers.reload();
            }}>
              <option value="">${t('common.all')}</option>
              ${this.apps.map((a) => html`<option value=${a.name} ?selected=${a.name === this.app}>${a.name}</option>`)}
            </select></label
          >
        </div>
        ${this.workers.render({
          columns: [t('workers.id'), t('common.app'), t('workers.online'), t('workers.slots'), t('workers.handlers'), t('workers.heartbeat'), t('workers.clock'), t('workers.host')],
          row: (w) => html`<tr>
            <th scope="row"><code>${w.workerId}</code></th>
            <td>${w.app}</td>
            <td><span class=${w.online ? 'badge ok' : 'badge bad'}>${w.online ? t('common.yes') : t('common.no')}</span></td>
            <td>${w.running} / ${w.free} (${w.concurrency})</td>
            <td>${w.handlers.join(', ')}</td>
            <td>${formatTime(w.lastHeartbeat)}</td>
            <td title=${t('workers.clockHint')}>${w.clockOffsetMs === null ? '—' : `${w.clockOffsetMs > 0 ? '+' : ''}${w.clockOffsetMs} ms`}</td>
            <td>${w.host ?? '—'}${w.pid ? ` #${w.pid}` : ''}</td>
          </tr>`,
          empty: t('workers.none'),
          emptyOnly: true,
        })}
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
