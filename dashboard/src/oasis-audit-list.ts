import { LitElement, html } from 'lit';
import { api, errorText, type AuditItem } from './api.js';
import { formatTime } from './format.js';
import { LangController, t } from './i18n.js';
import './oasis-pager.js';
import { pageStyles, sharedStyles } from './styles.js';

const PAGE = 50;
const short = (v: unknown): string => (v === null || v === undefined ? '—' : JSON.stringify(v).slice(0, 300));

/** `<oasis-audit-list>`: who changed what and when (ADMIN), filtered by user and target. */
export class OasisAuditList extends LitElement {
  static override properties = { items: { state: true }, total: { state: true }, offset: { state: true }, user: { state: true }, target: { state: true }, error: { state: true } };
  static override styles = [sharedStyles, pageStyles];
  declare items: AuditItem[];
  declare total: number;
  declare offset: number;
  declare user: string;
  declare target: string;
  declare error: string;
  private readonly i18n = new LangController(this);

  constructor() {
    super();
    this.items = [];
    this.total = 0;
    this.offset = 0;
    this.user = '';
    this.target = '';
    this.error = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      const page = await api.audit({ limit: PAGE, offset: this.offset, user: this.user || undefined, target: this.target || undefined });
      this.items = page.items;
      this.total = page.total;
      this.error = '';
    } catch (err) {
      this.error = errorText(err);
    }
  }

  override render() {
    return html`
      <section aria-labelledby="audit-title">
        <div class="bar">
          <h2 id="audit-title">${t('nav.audit')}</h2>
          <button class="secondary" type="button" @click=${() => this.load()}>${t('common.refresh')}</button>
        </div>
        <form
          class="filters"
          role="search"
          @submit=${(e: Event) => {
            e.preventDefault();
            const d = new FormData(e.currentTarget as HTMLFormElement);
            this.user = String(d.get('user') ?? '').trim();
            this.target = String(d.get('target') ?? '').trim();
            this.offset = 0;
            void this.load();
          }}
        >
          <label>${t('audit.filterUser')}<input name="user" .value=${this.user} /></label>
          <label>${t('audit.filterTarget')}<input name="target" placeholder="job:12" .value=${this.target} /></label>
          <button type="submit">${t('common.search')}</button>
        </form>
        <p class="error" role="alert">${this.error}</p>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">${t('audit.at')}</th>
                <th scope="col">${t('audit.user')}</th>
                <th scope="col">${t('audit.action')}</th>
                <th scope="col">${t('audit.target')}</th>
                <th scope="col">${t('common.app')}</th>
                <th scope="col">${t('audit.change')}</th>
                <th scope="col">${t('audit.ip')}</th>
              </tr>
            </thead>
            <tbody>
              ${this.items.map(
                (i) => html`<tr>
                  <td>${formatTime(i.at)}</td>
                  <td>${i.username}</td>
                  <td><code>${i.action}</code></td>
                  <td>${i.targetType}${i.targetId ? `:${i.targetId}` : ''}</td>
                  <td>${i.app ?? '—'}</td>
                  <td>
                    <details>
                      <summary>${short(i.after).slice(0, 60)}</summary>
                      <pre>${short(i.before)}</pre>
                      <pre>${short(i.after)}</pre>
                    </details>
                  </td>
                  <td>${i.ip ?? '—'}</td>
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

customElements.define('oasis-audit-list', OasisAuditList);
declare global {
  interface HTMLElementTagNameMap {
    'oasis-audit-list': OasisAuditList;
  }
}
