import { LitElement, html } from 'lit';
import { api, type AuditItem } from './api.js';
import { formatTime } from './format.js';
import { LangController, t } from './i18n.js';
import { ListController } from './list-controller.js';
import { pageStyles, sharedStyles } from './styles.js';

const PAGE = 50;
const short = (v: unknown): string => (v === null || v === undefined ? '—' : JSON.stringify(v).slice(0, 300));

/** `<oasis-audit-list>`: who changed what and when (ADMIN), filtered by user and target. */
export class OasisAuditList extends LitElement {
  static override properties = { user: { state: true }, target: { state: true } };
  static override styles = [sharedStyles, pageStyles];
  declare user: string;
  declare target: string;
  private readonly i18n = new LangController(this);
  private readonly audit = new ListController<AuditItem>(this, {
    pageSize: PAGE,
    fetch: ({ limit, offset }) => api.audit({ limit, offset, user: this.user || undefined, target: this.target || undefined }),
  });

  constructor() {
    super();
    this.user = '';
    this.target = '';
  }

  override render() {
    return html`
      <section aria-labelledby="audit-title">
        <div class="bar">
          <h2 id="audit-title">${t('nav.audit')}</h2>
          ${this.audit.refreshButton()}
        </div>
        <form
          class="filters"
          role="search"
          @submit=${(e: Event) => {
            e.preventDefault();
            const d = new FormData(e.currentTarget as HTMLFormElement);
            this.user = String(d.get('user') ?? '').trim();
            this.target = String(d.get('target') ?? '').trim();
            void this.audit.restart();
          }}
        >
          <label>${t('audit.filterUser')}<input name="user" .value=${this.user} /></label>
          <label>${t('audit.filterTarget')}<input name="target" placeholder="job:12" .value=${this.target} /></label>
          <button type="submit">${t('common.search')}</button>
        </form>
        ${this.audit.render({
          columns: [t('audit.at'), t('audit.user'), t('audit.action'), t('audit.target'), t('common.app'), t('audit.change'), t('audit.ip')],
          row: (i) => html`<tr>
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
        })}
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
